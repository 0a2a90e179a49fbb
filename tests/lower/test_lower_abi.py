"""The kernel ABI: argument order and passing, and the entry signature in the IR."""

from __future__ import annotations

import ctypes

from lower_support import one

from vyre.ir.ops import ScalarType
from vyre.lower import ArgKind, arguments
from vyre.lower.pipeline import nvptx_ir

DECLS = """
  param a: f32
  buffer x: f32[] read
  param flag: bool
  buffer ring: u32[64] read_write host
  shared tile: f32[64]
  buffer y: i64[] read_write
  param n: u64
"""


def test_arguments_follow_declarations_with_lengths_after_runtime_sized_buffers():
    k = one("  let i = gid.x", DECLS)
    got = [(a.kind, a.name, a.type) for a in arguments(k)]
    assert got == [
        (ArgKind.PARAM, "a", ScalarType.F32),
        (ArgKind.BUFFER, "x", ScalarType.F32),
        (ArgKind.LENGTH, "x", ScalarType.U32),
        (ArgKind.PARAM, "flag", ScalarType.BOOL),
        (ArgKind.BUFFER, "ring", ScalarType.U32),  # static size: no length
        (ArgKind.BUFFER, "y", ScalarType.I64),
        (ArgKind.LENGTH, "y", ScalarType.U32),
        (ArgKind.PARAM, "n", ScalarType.U64),
    ]
    ctypes_ = [a.ctype for a in arguments(k)]
    assert ctypes_ == [ctypes.c_float, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint8,
                       ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint64]


def test_nvptx_entry_signature_matches_the_abi():
    k = one("  let i = gid.x", DECLS)
    text = str(nvptx_ir(k))
    line = next(ln for ln in text.splitlines() if ln.startswith("define"))
    assert line.startswith('define ptx_kernel void @"k"(')
    params = line[line.index("(") + 1:line.rindex(")")].split(", ")
    types = [p.rsplit(" ", 1)[0] for p in params]
    assert types == ["float", "ptr addrspace(1)", "i32", "i8", "ptr addrspace(1)",
                     "ptr addrspace(1)", "i32", "i64"]
