"""docs/semantics.md on host_jit, case by case, against values computed here in Python."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from host_jit_support import elementwise, jit

INT_EDGES = {
    "i32": [0, 1, -1, 2, -2, 7, -7, 31, 32, 33, -33, 2**31 - 1, -(2**31), 123456, -98765],
    "u32": [0, 1, 2, 7, 31, 32, 33, 64, 2**31, 2**32 - 1, 2**32 - 2, 123456, 4000000000],
    "i64": [0, 1, -1, 7, -7, 63, 64, 65, -65, 2**63 - 1, -(2**63), 2**40 + 3, -(2**35)],
    "u64": [0, 1, 7, 63, 64, 65, 2**63, 2**64 - 1, 2**40 + 3, 12345678901234567],
}
F_EDGES = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 3.5, 0.5, -0.5, 1e-30, -1e-30, 1e-45, -1e-45,
           3.4e38, -3.4e38, float("inf"), float("-inf"), float("nan"), 7.25, -7.75, 1e10,
           2.0**31, -(2.0**31), 2.0**63, 4.0e9, 1.0000001]


def bits(t: str) -> int:
    return int(t[1:])


def wrap(v: int, t: str) -> int:
    n = bits(t)
    v &= (1 << n) - 1
    return v - (1 << n) if t[0] == "i" and v >> (n - 1) else v


def pairs(t: str) -> tuple[np.ndarray, np.ndarray]:
    e = INT_EDGES[t]
    a = [x for x in e for _ in e]
    b = [y for _ in e for y in e]
    dt = np.dtype({"i32": np.int32, "u32": np.uint32, "i64": np.int64, "u64": np.uint64}[t])
    return np.array(a, dt), np.array(b, dt)


def run2(expr: str, t: str, a: np.ndarray, b: np.ndarray, r: str | None = None,
         rdtype=None) -> np.ndarray:
    out_t = r or t
    exe = elementwise(expr, t, out_t)
    out = np.zeros(len(a), rdtype if rdtype is not None else _dtype(out_t))
    return exe(a=a, b=b, out=out)["out"]


def _dtype(t: str) -> np.dtype:
    return np.dtype({"i32": np.int32, "u32": np.uint32, "i64": np.int64, "u64": np.uint64,
                     "f32": np.float32, "f64": np.float64}[t])


def _div(x: int, y: int, t: str) -> int:
    if y == 0:
        return 0
    q = abs(x) // abs(y)
    return wrap(q if (x < 0) == (y < 0) else -q, t)


def _rem(x: int, y: int, t: str) -> int:
    if y == 0:
        return x
    return wrap(x - _div(x, y, t) * y, t)


INT_OPS = {
    "a[i] + b[i]": lambda x, y, t: wrap(x + y, t),
    "a[i] - b[i]": lambda x, y, t: wrap(x - y, t),
    "a[i] * b[i]": lambda x, y, t: wrap(x * y, t),
    "a[i] / b[i]": _div,
    "a[i] % b[i]": _rem,
    "a[i] << b[i]": lambda x, y, t: wrap(x << (y & (bits(t) - 1)), t),
    "a[i] >> b[i]": lambda x, y, t: wrap(x >> (y & (bits(t) - 1)), t),  # Python >> is arithmetic
    "a[i] & b[i] | ~a[i] ^ b[i]": lambda x, y, t: wrap((x & y) | (~x ^ y), t),
    "min(a[i], b[i])": lambda x, y, t: min(x, y),
    "max(a[i], b[i])": lambda x, y, t: max(x, y),
    "mul_hi(a[i], b[i])": lambda x, y, t: wrap((x * y) >> bits(t), t),
    "rotl(a[i], b[i])": lambda x, y, t: _rot(x, y, t, True),
    "rotr(a[i], b[i])": lambda x, y, t: _rot(x, y, t, False),
    "-a[i] + abs(b[i])": lambda x, y, t: wrap(-x + (abs(y) if t[0] == "i" else y), t),
    "sign(a[i]) + clamp(a[i], b[i], 5)": lambda x, y, t: wrap(
        ((x > 0) - (x < 0)) + min(max(x, y), 5), t),
}


def _rot(x: int, s: int, t: str, left: bool) -> int:
    n = bits(t)
    u = x & ((1 << n) - 1)
    s &= n - 1
    r = ((u << s) | (u >> (n - s))) if left else ((u >> s) | (u << (n - s)))
    return wrap(r, t)


@pytest.mark.parametrize("t", sorted(INT_EDGES))
@pytest.mark.parametrize("expr", sorted(INT_OPS))
def test_integer_operations(t, expr):
    a, b = pairs(t)
    got = run2(expr, t, a, b)
    expect = [INT_OPS[expr](int(x), int(y), t) for x, y in zip(a, b, strict=True)]
    assert [int(v) for v in got] == expect


@pytest.mark.parametrize("t", sorted(INT_EDGES))
def test_comparisons_by_signedness(t):
    a, b = pairs(t)
    got = run2("u32(a[i] < b[i]) | u32(a[i] >= b[i]) << 1 | u32(a[i] == b[i]) << 2", t, a, b, "u32")
    expect = [int(x < y) | int(x >= y) << 1 | int(x == y) << 2 for x, y in zip(a.tolist(), b.tolist(), strict=True)]
    assert got.tolist() == expect


def _ibits(x: int, t: str) -> dict[str, int]:
    n = bits(t)
    u = x & ((1 << n) - 1)
    return {
        "popcount": bin(u).count("1"),
        "clz": n - u.bit_length(),
        "ctz": n if u == 0 else (u & -u).bit_length() - 1,
        "reverse_bits": wrap(int(f"{u:0{n}b}"[::-1], 2), t),
    }


@pytest.mark.parametrize("t", sorted(INT_EDGES))
@pytest.mark.parametrize("fn", ["popcount", "clz", "ctz", "reverse_bits"])
def test_bit_builtins(t, fn):
    a = np.array(INT_EDGES[t], _dtype(t))
    got = run2(f"{fn}(a[i])", t, a, a)
    assert [int(v) for v in got] == [_ibits(int(x), t)[fn] for x in a]


def f32(x: float) -> float:
    return float(np.float32(x))


def same(got: np.ndarray, expect: list[float]) -> None:
    e = np.array(expect, got.dtype)
    both_nan = np.isnan(got) & np.isnan(e)
    ok = both_nan | ((got == e) & (np.signbit(got) == np.signbit(e)))
    bad = np.nonzero(~ok)[0]
    assert not len(bad), [(i, got[i], e[i]) for i in bad[:8]]


def fpairs(t: str):
    dt = _dtype(t)
    with np.errstate(all="ignore"):
        a = np.array([x for x in F_EDGES for _ in F_EDGES], dt)
        b = np.array([y for _ in F_EDGES for y in F_EDGES], dt)
    return a, b


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_float_arithmetic_is_ieee(t):
    a, b = fpairs(t)
    with np.errstate(all="ignore"):
        for expr, fn in [("a[i] + b[i]", np.add), ("a[i] - b[i]", np.subtract),
                         ("a[i] * b[i]", np.multiply), ("a[i] / b[i]", np.divide),
                         ("a[i] % b[i]", np.fmod)]:
            same(run2(expr, t, a, b), fn(a, b).tolist())
        same(run2("fma(a[i], b[i], a[i])", t, a, b),
             [_fma(x, y, x, t) for x, y in zip(a.tolist(), b.tolist(), strict=True)])


def _fma(x: float, y: float, z: float, t: str) -> float:
    from fractions import Fraction

    if not all(math.isfinite(v) for v in (x, y, z)):
        r = x * y + z
        return r
    exact = Fraction(x) * Fraction(y) + Fraction(z)
    if exact == 0:
        return x * y + z  # sign of zero from IEEE rules
    v = float(exact) if t == "f64" else float(np.float32(_round_f32(exact)))
    return v


def _round_f32(q) -> float:
    # round a Fraction to the nearest f32 via f64 twice-rounding-safe path (exact enough here)
    return np.float32(float(q))


def _fmin(x: float, y: float, is_min: bool) -> float:
    if math.isnan(x):
        return y
    if math.isnan(y):
        return x
    if x == y:
        neg = math.copysign(1, x) < 0 or math.copysign(1, y) < 0
        pos = math.copysign(1, x) > 0 or math.copysign(1, y) > 0
        if x == 0:
            return -0.0 if (neg if is_min else not pos) else 0.0
        return x
    return min(x, y) if is_min else max(x, y)


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_float_min_max_nan_and_signed_zero(t):
    a, b = fpairs(t)
    L = list(zip(a.tolist(), b.tolist(), strict=True))
    same(run2("min(a[i], b[i])", t, a, b), [_fmin(x, y, True) for x, y in L])
    same(run2("max(a[i], b[i])", t, a, b), [_fmin(x, y, False) for x, y in L])
    same(run2("clamp(a[i], b[i], 2.5)", t, a, b), [_fmin(_fmin(x, y, False), 2.5, True) for x, y in L])


def _round_even(x: float) -> float:
    if not math.isfinite(x):
        return x
    r = float(round(x))  # Python rounds half to even
    return math.copysign(r, x) if r == 0 else r


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_float_unary_builtins(t):
    dt = _dtype(t)
    a = np.array(F_EDGES, dt)
    xs = a.tolist()
    with np.errstate(all="ignore"):
        cases = {
            "sqrt(a[i])": np.sqrt(a).tolist(),
            "floor(a[i])": np.floor(a).tolist(),
            "ceil(a[i])": np.ceil(a).tolist(),
            "trunc(a[i])": np.trunc(a).tolist(),
            "round(a[i])": [_round_even(x) for x in xs],
            "fract(a[i])": (a - np.floor(a)).tolist(),
            "abs(a[i])": np.abs(a).tolist(),
            "-a[i]": (-a).tolist(),
            "copysign(a[i], -1.0)": np.copysign(a, -1).tolist(),
            "sign(a[i])": [1.0 if x > 0 else -1.0 if x < 0 else x for x in xs],
        }
    for expr, expect in cases.items():
        same(run2(expr, t, a, a), expect)
    if t == "f32":
        same(run2("fract(a[i])", t, np.array([-1e-30], dt), np.array([0.0], dt)), [1.0])
        same(run2("round(a[i])", t, np.array([2.5, 3.5, -2.5, 0.5], dt), np.zeros(4, dt)), [2.0, 4.0, -2.0, 0.0])


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_float_classification(t):
    a = np.array(F_EDGES, _dtype(t))
    got = run2("u32(is_nan(a[i])) | u32(is_inf(a[i])) << 1 | u32(is_finite(a[i])) << 2", t, a, a, "u32")
    expect = [int(math.isnan(x)) | int(math.isinf(x)) << 1 | int(math.isfinite(x)) << 2 for x in a.tolist()]
    assert got.tolist() == expect


def _sat(x: float, t: str) -> int:
    lo, hi = {"i32": (-(2**31), 2**31 - 1), "u32": (0, 2**32 - 1),
              "i64": (-(2**63), 2**63 - 1), "u64": (0, 2**64 - 1)}[t]
    if math.isnan(x):
        return 0
    if math.isinf(x):
        return hi if x > 0 else lo
    return min(max(int(x), lo), hi)


@pytest.mark.parametrize("src", ["f32", "f64"])
@pytest.mark.parametrize("dst", ["i32", "u32", "i64", "u64"])
def test_float_to_int_saturates(src, dst):
    a = np.array(F_EDGES, _dtype(src))
    got = run2(f"{dst}(a[i])", src, a, a, dst)
    assert [int(v) for v in got] == [_sat(x, dst) for x in a.tolist()]


def test_int_conversions_wrap_and_extend():
    a = np.array(INT_EDGES["i32"], np.int32)
    assert [int(v) for v in run2("u64(a[i])", "i32", a, a, "u64")] == [wrap(x, "u64") if x >= 0 else wrap(x, "u64") for x in a.tolist()]
    assert [int(v) for v in run2("i64(a[i])", "i32", a, a, "i64")] == a.tolist()
    u = np.array(INT_EDGES["u64"], np.uint64)
    assert [int(v) for v in run2("i32(a[i])", "u64", u, u, "i32")] == [wrap(x, "i32") for x in u.tolist()]
    assert [int(v) for v in run2("u64(u32(a[i]))", "u64", u, u, "u64")] == [x & 0xFFFFFFFF for x in u.tolist()]


def test_int_to_float_rounds_to_nearest_even():
    u = np.array([2**24 + 1, 2**24 + 3, 2**64 - 1, 2**53 + 1, 12345], np.uint64)
    got = run2("f32(a[i])", "u64", u, u, "f32")
    assert got.tolist() == [float(np.float32(float(x))) if x < 2**53 else float(np.float32(x)) for x in u.tolist()]


def test_bool_conversions():
    a = np.array([0.0, -0.0, float("nan"), 2.0, -1e-45], np.float32)
    assert run2("u32(bool(a[i]))", "f32", a, a, "u32").tolist() == [0, 0, 1, 1, 1]
    assert run2("f32(a[i] > 1.0)", "f32", a, a, "f32").tolist() == [0.0, 0.0, 0.0, 1.0, 0.0]


def test_bitcast_canonicalises_nan():
    raw = np.array([0x7FC00000, 0x7F800001, 0xFFC12345, 0x3F800000, 0x80000000], np.uint32)
    f = raw.view(np.float32)
    got = run2("bitcast<u32>(a[i])", "f32", f, f, "u32")
    assert got.tolist() == [0x7FC00000, 0x7FC00000, 0x7FC00000, 0x3F800000, 0x80000000]
    raw64 = np.array([0x7FF0000000000001, 0xFFF8000000000000, 0x4000000000000000], np.uint64)
    f64 = raw64.view(np.float64)
    got = run2("bitcast<u64>(a[i])", "f64", f64, f64, "u64")
    assert got.tolist() == [0x7FF8000000000000, 0x7FF8000000000000, 0x4000000000000000]
    # int -> float moves bits unchanged, payload included
    back = run2("bitcast<f32>(a[i])", "u32", raw, raw, "f32")
    assert back.view(np.uint32).tolist() == raw.tolist()


def test_out_of_bounds_loads_stores_and_atomics():
    exe = jit("""vir0
kernel k workgroup(8) {
  buffer a: i32[] read
  buffer out: i32[] read_write
  buffer olds: u32[] write
  buffer c: u32[4] read_write
  let i = gid.x
  let j = i32(i) - 3
  out[i] = a[j] + a[i64(j) + 4294967296i64]
  out[i + 100] = 7
  let old = atomic_add(c[i], 5)
  olds[i] = old
}
""")
    a = np.arange(10, 20, dtype=np.int32)
    res = exe(grid=1, a=a, out=np.full(8, -1, np.int32), olds=np.full(8, 9, np.uint32), c=np.ones(4, np.uint32))
    assert res["out"].tolist() == [0, 0, 0, 10, 11, 12, 13, 14]
    assert res["olds"].tolist() == [1, 1, 1, 1, 0, 0, 0, 0]
    assert res["c"].tolist() == [6, 6, 6, 6]


def test_for_loops_count_without_wrapping():
    exe = jit("""vir0
kernel k workgroup(1) {
  buffer out: u32[8] write
  var n: u32 = 0
  for k in 4294967290u32..4294967295u32 step 3 {
    n += 1
  }
  out[0] = n
  var m: u32 = 0
  for k in 2147483640i32..2147483647i32 step 5 {
    m += 1
  }
  out[1] = m
  var z: u32 = 0
  for k in 5..1 {
    z += 1
  }
  for k in -5i32..5 step -1 {
    z += 1
  }
  out[2] = z
  var s: u32 = 0
  for k in 0u64..10u64 step 4u64 {
    s += u32(k)
  }
  out[3] = s
  var c: u32 = 0
  for k in 0..10 {
    if k == 3 {
      continue
    }
    if k == 6 {
      break
    }
    c += k
  }
  out[4] = c
}
""")
    assert exe(grid=1)["out"].tolist() == [2, 2, 0, 12, 0 + 1 + 2 + 4 + 5, 0, 0, 0]


def test_atomics_run_in_invocation_order():
    exe = jit("""vir0
kernel k workgroup(4, 2) {
  buffer counter: u32[1] read_write
  buffer order: u32[] write
  buffer m: i32[2] read_write
  buffer f: f32[1] read_write
  let i = gid.x + gid.y * 4 * nwg.x
  let n = atomic_add(counter[0], 1)
  order[i] = n
  atomic_max(m[0], i32(i) - 5)
  atomic_min(m[1], 3 - i32(i))
  let prev = atomic_exchange(f[0], f32(i))
  let x = atomic_compare_exchange(counter[0], 100, 0)
}
""")
    res = exe(grid=(2, 1), counter=np.zeros(1, np.uint32), order=np.zeros(16, np.uint32),
              m=np.zeros(2, np.int32), f=np.zeros(1, np.float32))
    # invocation order: workgroups x fastest, then lid x fastest within one
    seq = [wx * 4 + lx + ly * 8 for wx in range(2) for ly in range(2) for lx in range(4)]
    expect = [0] * 16
    for n, inv in enumerate(seq):
        expect[inv] = n
    assert res["order"].tolist() == expect
    assert res["counter"].tolist() == [16]
    assert res["m"].tolist() == [10, -12]
    assert res["f"].tolist() == [float(seq[-1])]


def test_shared_arrays_start_zeroed_in_every_workgroup():
    exe = jit("""vir0
kernel k workgroup(4) {
  shared s: u32[2]
  buffer out: u32[] write
  let old = atomic_add(s[1], 10)
  out[gid.x] = old + s[0]
  s[0] = 1000
}
""")
    got = exe(grid=3, out=np.zeros(12, np.uint32))["out"]
    assert got.tolist() == [0, 1010, 1020, 1030] * 3


def test_params_of_every_type_and_return():
    exe = jit("""vir0
kernel k workgroup(1) {
  param p: bool
  param a: i32
  param b: u64
  param c: f64
  param d: f32
  buffer out: f64[5] write
  out[0] = f64(p)
  out[1] = f64(a)
  out[2] = f64(b)
  out[3] = c
  if !p {
    return
  }
  out[4] = f64(d)
}
""")
    got = exe(p=True, a=-7, b=2**40, c=0.1, d=np.float32(1.5))["out"]
    assert got.tolist() == [1.0, -7.0, float(2**40), 0.1, 1.5]
    got = exe(p=False, a=1, b=1, c=1.0, d=1.0)["out"]
    assert got.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_ids_in_three_dimensions():
    exe = jit("""vir0
kernel k workgroup(2, 3, 2) {
  buffer out: u32[] write
  let x = gid.x
  let y = gid.y
  let z = gid.z
  let w = nwg.x * 2
  let h = nwg.y * 3
  let lin = x + w * (y + h * z)
  out[lin] = lid.x + 10 * lid.y + 100 * lid.z + 1000 * wid.x + 10000 * wid.y + 100000 * wid.z
}
""")
    grid = (2, 2, 3)
    got = exe(grid=grid, out=np.zeros(2 * 2 * 3 * 2 * 3 * 2, np.uint32))["out"]
    w, h = grid[0] * 2, grid[1] * 3
    for z in range(grid[2] * 2):
        for y in range(h):
            for x in range(w):
                v = got[x + w * (y + h * z)]
                assert v == x % 2 + 10 * (y % 3) + 100 * (z % 2) + 1000 * (x // 2) + 10000 * (y // 3) + 100000 * (z // 2)


def test_barrier_orders_shared_memory_across_the_workgroup():
    exe = jit("""vir0
kernel k workgroup(4, 2) {
  shared s: u32[8]
  buffer out: u32[] write
  let me = lid.x + 4 * lid.y
  s[me] = gid.x * 100 + gid.y
  barrier()
  out[gid.x + 8 * gid.y] = s[7 - me]
}
""")
    got = exe(grid=(2, 1), out=np.zeros(16, np.uint32))["out"].reshape(2, 8)
    for gy in range(2):
        for gx in range(8):
            wx, lx = divmod(gx, 4)
            me = lx + 4 * gy
            other = 7 - me
            ox, oy = wx * 4 + other % 4, other // 4
            assert got[gy, gx] == ox * 100 + oy


def test_bindings_survive_barriers_and_uniform_loops_break():
    exe = jit("""vir0
kernel k workgroup(8) {
  shared s: i32[8]
  buffer out: i32[] write
  let t = lid.x
  var acc: i32 = i32(t)
  var round: u32 = 0
  loop {
    s[t] = acc
    barrier()
    acc += s[(t + 1) % 8]
    barrier()
    round += 1
    if round == 3 {
      break
    }
  }
  for j in 0..2 {
    barrier()
    if j == 1 {
      continue
    }
    acc *= 2
  }
  out[gid.x] = acc
}
""")
    acc = list(range(8))
    for _ in range(3):
        acc = [acc[t] + acc[(t + 1) % 8] for t in range(8)]
    acc = [2 * a for a in acc]
    got = exe(grid=2, out=np.zeros(16, np.int32))["out"]
    assert got.tolist() == acc + acc


def test_returns_around_barriers():
    exe = jit("""vir0
kernel k workgroup(4) {
  param stop: bool
  shared s: u32[4]
  buffer out: u32[] read_write
  if stop {
    return
  }
  s[lid.x] = lid.x + 1
  barrier()
  if lid.x == 2 {
    return
  }
  out[gid.x] = s[3 - lid.x]
}
""")
    got = exe(grid=2, stop=False, out=np.full(8, 99, np.uint32))["out"]
    assert got.tolist() == [4, 3, 99, 1, 4, 3, 99, 1]
    got = exe(grid=2, stop=True, out=np.full(8, 99, np.uint32))["out"]
    assert got.tolist() == [99] * 8


def test_uniform_branches_with_barriers_use_params_and_workgroup_ids():
    exe = jit("""vir0
kernel k workgroup(2) {
  param n: u32
  shared s: u32[2]
  buffer out: u32[] write
  var v: u32 = lid.x
  if wid.x % 2 == 0 {
    s[lid.x] = 10
    barrier()
    v += s[1 - lid.x]
  } else if n > 5 {
    for r in 0..n step 3 {
      s[lid.x] = r
      barrier()
      v += s[1 - lid.x]
      barrier()
    }
  }
  out[gid.x] = v
}
""")
    got = exe(grid=3, n=7, out=np.zeros(6, np.uint32))["out"]
    assert got.tolist() == [10, 11, 0 + 9, 1 + 9, 10, 11]


# f32 and f64 bounds of docs/semantics.md plus 1 ULP for libm (see docs/lowering.md).
ULP = {"exp": (2, 1), "exp2": (2, 1), "expm1": (1, 1), "log": (1, 1), "log2": (1, 1),
       "log10": (2, 1), "log1p": (1, 1), "sin": (2, 2), "cos": (2, 2), "tan": (4, 2),
       "asin": (2, 2), "acos": (2, 2), "atan": (2, 2), "sinh": (3, 2), "cosh": (2, 1),
       "tanh": (2, 1), "cbrt": (1, 1), "rsqrt": (2, 1)}
REF = {"exp": math.exp, "exp2": lambda x: 2.0**x, "expm1": math.expm1, "log": math.log,
       "log2": math.log2, "log10": math.log10, "log1p": math.log1p, "sin": math.sin,
       "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos,
       "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh,
       "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x), "rsqrt": lambda x: 1 / math.sqrt(x)}
DOMAIN = {"log": (0.01, 50), "log2": (0.01, 50), "log10": (0.01, 50), "log1p": (-0.5, 50),
          "asin": (-0.99, 0.99), "acos": (-0.99, 0.99), "rsqrt": (0.01, 50), "exp": (-20, 20),
          "exp2": (-20, 20), "expm1": (-2, 2), "sinh": (-10, 10), "cosh": (-10, 10)}


def ulp_diff(got: float, exact: float, t: str) -> float:
    spacing = float(np.spacing(np.array(abs(exact), _dtype(t))))
    return abs(got - exact) / spacing


@pytest.mark.parametrize("t", ["f32", "f64"])
@pytest.mark.parametrize("fn", sorted(ULP))
def test_transcendentals_within_ulp_bounds(fn, t):
    lo, hi = DOMAIN.get(fn, (-3, 3))
    xs = np.linspace(lo, hi, 97).astype(_dtype(t))
    got = run2(f"{fn}(a[i])", t, xs, xs)
    bound = ULP[fn][0 if t == "f32" else 1] + 1
    for x, g in zip(xs.tolist(), got.tolist(), strict=True):
        exact = REF[fn](x)
        assert ulp_diff(g, exact, t) <= bound, (fn, x, g, exact)


def test_binary_transcendentals_and_special_values():
    xs = np.linspace(0.1, 4, 40).astype(np.float64)
    ys = np.linspace(-3, 3, 40).astype(np.float64)
    for fn, ref in [("pow", math.pow), ("atan2", math.atan2), ("hypot", math.hypot)]:
        got = run2(f"{fn}(a[i], b[i])", "f64", xs, ys)
        for x, y, g in zip(xs.tolist(), ys.tolist(), got.tolist(), strict=True):
            assert ulp_diff(g, ref(x, y), "f64") <= 3
    special = np.array([0.0, -1.0, float("inf")], np.float32)
    logs = run2("log(a[i])", "f32", special, special)
    assert logs[0] == float("-inf") and math.isnan(logs[1]) and logs[2] == float("inf")
    assert run2("pow(a[i], b[i])", "f32", special, np.zeros(3, np.float32)).tolist() == [1.0, 1.0, 1.0]


def test_struct_helper_sanity():
    # guards the bit-level helpers used above
    assert struct.unpack("<I", struct.pack("<f", -0.0))[0] == 0x80000000
