"""The output comparison rule: bit-exact integers and floats, NaN == NaN, ULP bounds for transcendentals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vyre.ir.nodes import Binary, Buffer, Call, Kernel, Let, Lit, Load, Ref, Store, ThreadId
from vyre.ir.ops import Access, BinOp, Builtin, IdKind, ScalarType
from vyre.testing.ulp import (
    compare_outputs,
    first_difference,
    inexact_int_buffers,
    tolerances,
    transcendental_sources,
    ulp_bound,
    ulp_distance,
)

F32, F64 = ScalarType.F32, ScalarType.F64


def f32_bits(*bits: int) -> np.ndarray:
    return np.array(bits, dtype=np.uint32).view(np.float32)


@pytest.mark.parametrize(("a", "b", "t", "expected"), [
    (1.0, math.nextafter(1.0, 2.0), F64, 1),
    (1.0, 1.0, F32, 0),
    (-0.0, 0.0, F32, 0),
    (float("nan"), float("nan"), F32, 0),
    (float("nan"), 1.0, F32, float("inf")),
    (float(np.finfo(np.float32).max), float("inf"), F32, 1),
    (-1e-45, 1e-45, F32, 2),  # the two smallest subnormals straddle both zeros
    (1.0, 2.0, F32, 2**23),
    (-1.0, 1.0, F64, 2 * 0x3FF0000000000000),
])
def test_ulp_distance(a: float, b: float, t: ScalarType, expected: float) -> None:
    assert ulp_distance(a, b, t) == expected


def test_exact_rule_tells_negative_zero_from_zero() -> None:
    diff = first_difference("out", np.array([1.0, 0.0], np.float32), np.array([1.0, -0.0], np.float32), F32)
    assert diff is not None and diff.index == 1
    assert "0x00000000 vs 0x80000000" in diff.describe()


def test_any_nan_equals_any_nan() -> None:
    quiet, other = f32_bits(0x7FC00000, 0x3F800000), f32_bits(0xFFC00001, 0x3F800000)
    assert first_difference("out", quiet, other, F32) is None


def test_tolerance_allows_exactly_the_bound() -> None:
    base = np.array([1.0], np.float32)
    two_up = np.array([np.nextafter(np.nextafter(np.float32(1.0), np.float32(2)), np.float32(2))])
    assert first_difference("out", base, two_up, F32, tolerance_ulp=2) is None
    diff = first_difference("out", base, two_up, F32, tolerance_ulp=1)
    assert diff is not None and "2 ULP apart" in diff.detail


def test_integers_compare_bit_for_bit() -> None:
    diff = first_difference("out", np.array([5, -1], np.int64), np.array([5, -2], np.int64), ScalarType.I64)
    assert diff is not None and (diff.index, diff.expected, diff.actual) == (1, -1, -2)


def test_shape_difference_is_reported() -> None:
    diff = first_difference("out", np.zeros(3, np.uint32), np.zeros(2, np.uint32), ScalarType.U32)
    assert diff is not None and diff.index == -1


def _kernel(body: tuple, *buffers: Buffer) -> Kernel:
    return Kernel("k", (1,), buffers, body)


def test_taint_follows_bindings_into_buffers() -> None:
    x = Buffer("x", F32, None, Access.READ)
    out = Buffer("out", F32, None, Access.WRITE)
    exact = Buffer("exact", F32, None, Access.WRITE)
    counts = Buffer("counts", ScalarType.U32, None, Access.WRITE)
    i = ThreadId(IdKind.GID, 0)
    body = (
        Let("s", None, Call(Builtin.SIN, (Load("x", i),))),
        Let("t", None, Binary(BinOp.MUL, Ref("s"), Lit(2.0, F32))),
        Store("out", i, Ref("t")),
        Store("exact", i, Load("x", i)),
        Store("counts", i, Call(Builtin.SELECT, (Binary(BinOp.LT, Ref("t"), Lit(0.5, F32)),
                                                 Lit(1, ScalarType.U32), Lit(0, ScalarType.U32)))),
    )
    kernel = _kernel(body, x, out, exact, counts)
    assert transcendental_sources(kernel) == {"out": {Builtin.SIN}, "counts": {Builtin.SIN}}
    # cpu_ref is within 1 ULP for f32, the JIT is held to libdevice's 2 for sin.
    assert tolerances(kernel, "cpu_ref", "host_jit") == {"out": 3}
    assert inexact_int_buffers(kernel) == {"counts"}


def test_bounds_follow_the_semantics_table() -> None:
    assert ulp_bound("ptx", Builtin.TAN, F32) == 4
    assert ulp_bound("ptx", Builtin.POW, F64) == 2
    assert ulp_bound("cpu_ref", Builtin.POW, F32) == 1


def test_compare_outputs_checks_every_buffer_in_order() -> None:
    kernel = _kernel((), Buffer("a", ScalarType.I32, None, Access.WRITE), Buffer("b", F64, None, Access.WRITE))
    ok = {"a": np.array([1], np.int32), "b": np.array([0.5])}
    assert compare_outputs(kernel, ok, ok, {}) is None
    bad = {"a": np.array([1], np.int32), "b": np.array([0.25])}
    diff = compare_outputs(kernel, ok, bad, {})
    assert diff is not None and diff.buffer == "b"
    missing = compare_outputs(kernel, ok, {"a": ok["a"]}, {})
    assert missing is not None and missing.buffer == "b"
