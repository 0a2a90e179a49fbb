"""Divergent control flow on cpu_ref: if/else chains, loops with break/continue, return
inside loops, for-loop counting rules, multi-dimensional grids.  References are plain
Python loops over the invocations, written here."""

from __future__ import annotations

import signal

import numpy as np
import pytest

import vyre
from vyre.backends.base import CompileOptions
from vyre.backends.cpu_ref import CpuRefBackend, CpuRefExecutable
from vyre.errors import BackendError
from vyre.ir.nodes import Buffer, Kernel, Lit, Ref, Store
from vyre.ir.ops import Access, ScalarType
from vyre.ir.wire import decode
from vyre.testing.features import all_exprs


def test_if_else_chain_per_lane(run) -> None:
    src = """vir0
kernel t workgroup(32) {
  buffer x: i32[] read
  buffer out: i32[] write
  let i = gid.x
  if i >= len(x) { return }
  let v = x[i]
  if v < 0 {
    out[i] = -1
  } else if v == 0 {
    out[i] = 0
  } else if v < 10 {
    out[i] = 1
  } else {
    out[i] = 2
  }
}
"""
    x = np.random.default_rng(0).integers(-20, 20, 100).astype(np.int32)
    got = run(src, x=x, out=np.zeros(100, np.int32))["out"]
    want = [-1 if v < 0 else 0 if v == 0 else 1 if v < 10 else 2 for v in x]
    assert got.tolist() == want


COLLATZ = """vir0
kernel collatz workgroup(64) {
  buffer start: u32[] read
  buffer steps: u32[] write
  let i = gid.x
  if i < len(start) {
    var n = start[i]
    var count = 0
    while n != 1 {
      if n % 2 == 0 { n = n / 2 } else { n = 3 * n + 1 }
      count += 1
    }
    steps[i] = count
  }
}
"""


def _collatz(n: int) -> int:
    c = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        c += 1
    return c


def test_divergent_while(run) -> None:
    start = np.arange(1, 301, dtype=np.uint32)
    got = run(COLLATZ, start=start, steps=np.zeros(300, np.uint32))["steps"]
    assert got.tolist() == [_collatz(int(n)) for n in start]


BREAK_CONTINUE = """vir0
kernel t workgroup(16) {
  buffer lim: u32[] read
  buffer out: u32[] write
  let i = gid.x
  if i < len(lim) {
    var acc = 0
    var k = 0
    loop {
      k += 1
      if k > lim[i] { break }
      if k % 3 == 0 { continue }
      acc += k
      if acc > 50 { acc += 1000
        break }
    }
    var s = 0
    for j in 0..20 {
      if j == i { continue }
      if j > i + 5 { break }
      s += j
    }
    out[i] = acc * 100000 + s
  }
}
"""


def test_loop_with_break_and_continue(run) -> None:
    src = BREAK_CONTINUE.replace("acc += 1000\n        break }", "acc += 1000\n        break\n      }")
    lim = np.random.default_rng(1).integers(0, 20, 40).astype(np.uint32)
    got = run(src, lim=lim, out=np.zeros(40, np.uint32))["out"]
    want = []
    for i, limit in enumerate(lim):
        acc, k = 0, 0
        while True:
            k += 1
            if k > limit:
                break
            if k % 3 == 0:
                continue
            acc += k
            if acc > 50:
                acc += 1000
                break
        s = 0
        for j in range(20):
            if j == i:
                continue
            if j > i + 5:
                break
            s += j
        want.append(acc * 100000 + s)
    assert got.tolist() == want


def test_return_inside_nested_loops(run) -> None:
    src = """vir0
kernel t workgroup(8) {
  buffer stop: u32[] read
  buffer out: u32[] read_write
  let i = gid.x
  if i >= len(stop) { return }
  for a in 0..10 {
    for b in 0..10 {
      out[i] += 1
      if a * 10 + b == stop[i] { return }
    }
    out[i] += 100
  }
  out[i] = 999999
}
"""
    stop = np.array([0, 5, 9, 10, 55, 99, 100, 1000, 37], np.uint32)
    got = run(src, stop=stop, out=np.zeros(9, np.uint32))["out"]
    want = []
    for s in stop:
        total, done = 0, False
        for a in range(10):
            for b in range(10):
                total += 1
                if a * 10 + b == s:
                    done = True
                    break
            if done:
                break
            total += 100
        want.append(total if done else 999999)
    assert got.tolist() == want


@pytest.mark.parametrize(
    ("typ", "start", "end", "step"),
    [("i32", -5, 5, 2), ("i32", 5, -5, 1), ("i32", 0, 10, 0), ("i32", 0, 10, -1),
     ("u32", 4294967290, 4294967295, 2), ("i32", 2147483640, 2147483647, 3),
     ("i64", -(2**63), -(2**63) + 4, 1), ("u64", 2**64 - 5, 2**64 - 1, 3), ("i32", 3, 3, 1)],
)
def test_for_counts_exactly_without_wrapping(run, typ, start, end, step) -> None:
    src = f"""vir0
kernel t workgroup(1) {{
  param lo: {typ}
  param hi: {typ}
  param by: {typ}
  buffer seen: {typ}[] read_write
  buffer n: u32[1] read_write
  for v in lo..hi step by {{
    seen[n[0]] = v
    n[0] += 1
  }}
}}
"""
    want = list(range(start, end, step)) if step > 0 else []
    dtype = {"i32": np.int32, "u32": np.uint32, "i64": np.int64, "u64": np.uint64}[typ]
    out = run(src, lo=start, hi=end, by=step, seen=np.zeros(8, dtype), n=np.zeros(1, np.uint32))
    assert out["n"][0] == len(want)
    assert out["seen"][: len(want)].tolist() == want


def test_for_with_per_lane_bounds(run) -> None:
    src = """vir0
kernel t workgroup(8) {
  buffer lo: i32[] read
  buffer hi: i32[] read
  buffer stp: i32[] read
  buffer out: i32[] write
  let i = gid.x
  if i < len(out) {
    var s: i32 = 0
    for k in lo[i]..hi[i] step stp[i] {
      s = s * 3 + k
    }
    out[i] = s
  }
}
"""
    rng = np.random.default_rng(2)
    lo = rng.integers(-10, 10, 50).astype(np.int32)
    hi = rng.integers(-10, 20, 50).astype(np.int32)
    step = rng.integers(-1, 4, 50).astype(np.int32)
    step[0], lo[1], hi[1], step[1] = 0, 2147483600, 2147483647, 20
    got = run(src, lo=lo, hi=hi, stp=step, out=np.zeros(50, np.int32))["out"]
    want = []
    for a, b, c in zip(lo, hi, step, strict=True):
        s = 0
        for k in range(int(a), int(b), int(c)) if c > 0 else []:
            s = (s * 3 + k + 2**31) % 2**32 - 2**31
        want.append(s)
    assert got.tolist() == want


def test_var_updates_under_partial_masks_keep_other_lanes(run) -> None:
    src = """vir0
kernel t workgroup(4) {
  buffer out: u32[8] write
  var x = gid.x
  var y: u32 = 7
  if gid.x % 2 == 0 { x = 100 + gid.x
    y = gid.x }
  let z = x
  if gid.x < 3 { x = 0 }
  out[gid.x] = x * 1000 + y * 10 + z % 10
}
"""
    src = src.replace("x = 100 + gid.x\n    y = gid.x }", "x = 100 + gid.x\n    y = gid.x\n  }")
    got = run(src, grid=2)["out"]
    want = []
    for g in range(8):
        x, y = g, 7
        if g % 2 == 0:
            x, y = 100 + g, g
        z = x
        if g < 3:
            x = 0
        want.append(x * 1000 + y * 10 + z % 10)
    assert got.tolist() == want


def test_ids_in_a_3d_dispatch(run) -> None:
    src = """vir0
kernel t workgroup(4, 2, 3) {
  buffer out: u32[] write
  let lin = gid.x + gid.y * (nwg.x * 4) + gid.z * (nwg.x * 4 * nwg.y * 2)
  out[lin * 4] = lid.x + 10 * lid.y + 100 * lid.z
  out[lin * 4 + 1] = wid.x + 10 * wid.y + 100 * wid.z
  out[lin * 4 + 2] = nwg.x + 10 * nwg.y + 100 * nwg.z
  out[lin * 4 + 3] = gid.x + 100 * gid.y + 10000 * gid.z
}
"""
    grid = (3, 2, 2)
    gx, gy, gz = 3 * 4, 2 * 2, 2 * 3
    n = gx * gy * gz
    got = run(src, grid=grid, out=np.zeros(4 * n, np.uint32))["out"].reshape(n, 4)
    for z in range(gz):
        for y in range(gy):
            for x in range(gx):
                row = got[x + y * gx + z * gx * gy]
                assert row[0] == x % 4 + 10 * (y % 2) + 100 * (z % 3)
                assert row[1] == x // 4 + 10 * (y // 2) + 100 * (z // 3)
                assert row[2] == 3 + 10 * 2 + 100 * 2
                assert row[3] == x + 100 * y + 10000 * z


def test_uniform_loop_over_param(run) -> None:
    src = """vir0
kernel t workgroup(16) {
  param n: u32
  buffer out: f64[] write
  let i = gid.x
  var acc: f64 = 0.0
  for k in 0..n {
    acc = acc * 0.5 + f64(k + i)
  }
  if i < len(out) { out[i] = acc }
}
"""
    got = run(src, n=13, out=np.zeros(20))["out"]
    want = []
    for i in range(20):
        acc = 0.0
        for k in range(13):
            acc = acc * 0.5 + float(k + i)
        want.append(acc)
    assert got.tolist() == want


def test_infinite_loop_is_interruptible() -> None:
    # Ctrl-C arrives as KeyboardInterrupt between Python bytecodes; the interpreter's loops
    # are Python loops, so a signal handler that raises stops a kernel that never ends.
    src = """vir0
kernel spin workgroup(1) {
  var c = 0
  loop { c += 1 }
}
"""
    exe = vyre.compile(src, backend="cpu_ref", cache=None)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    try:
        with pytest.raises(KeyboardInterrupt):
            exe()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_backend_build_and_load_directly() -> None:
    kernel = vyre.parse(COLLATZ).kernel()
    assert any(isinstance(e, Lit) and e.type is None for e in all_exprs(kernel))
    backend = CpuRefBackend()
    artifact = backend.build(kernel, CompileOptions())
    (built,) = decode(artifact).kernels
    assert built.name == "collatz"
    # the artifact holds the type-resolved kernel: every literal has its type
    assert all(e.type is not None for e in all_exprs(built) if isinstance(e, Lit))
    exe = backend.load(artifact, kernel, CompileOptions())
    start = np.array([1, 2, 3, 27], np.uint32)
    assert exe(start=start, steps=np.zeros(4, np.uint32))["steps"].tolist() == [0, 1, 7, 111]


def test_corrupt_artifact_is_a_backend_error() -> None:
    kernel = vyre.parse(COLLATZ).kernel()
    with pytest.raises(BackendError) as info:
        CpuRefBackend().load(b"not an artifact", kernel, CompileOptions())
    assert info.value.code == "V532" and info.value.fix


def test_unvalidated_ir_fails_with_a_backend_error() -> None:
    out = Buffer("out", ScalarType.U32, 1, Access.WRITE)
    for body in [(Store("out", Lit(0), Lit(-1, ScalarType.U32)),),
                 (Store("out", Lit(0), Ref("nowhere")),)]:
        with pytest.raises(BackendError) as info:
            CpuRefExecutable(Kernel("k", (1,), (out,), body))
        assert info.value.code == "V530"
