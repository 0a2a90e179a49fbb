"""Semantic edge cases (docs/semantics.md) on the GPU against cpu_ref, element for element."""

from __future__ import annotations

import numpy as np
import pytest

from vyre.testing.conformance import assert_backends_agree

pytestmark = pytest.mark.gpu
BACKENDS = ("cpu_ref", "ptx")

I32_EDGES = np.array([0, 1, -1, 7, -7, 2**31 - 1, -(2**31), 3, -3, 100], np.int32)
F32_EDGES = np.array(
    [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 3.5, 0.5, 1e-40, -1e-45, 3e38, -3e38, np.inf, -np.inf,
     np.nan, 1e10, -1e10, 4294967296.0, 2147483648.0, 0.49999997],
    np.float32,
)


def test_integer_division_remainder_and_shifts() -> None:
    src = """vir0
kernel k workgroup(32) {
  buffer a: i32[] read
  buffer b: i32[] read
  buffer q: i32[] write
  buffer r: i32[] write
  buffer s: i32[] write
  buffer u: u32[] write
  let i = gid.x
  if i < len(a) {
    q[i] = a[i] / b[i]
    r[i] = a[i] % b[i]
    s[i] = a[i] >> b[i]
    u[i] = bitcast<u32>(a[i]) << bitcast<u32>(b[i])
  }
}
"""
    a = np.repeat(I32_EDGES, len(I32_EDGES))
    b = np.tile(I32_EDGES, len(I32_EDGES))
    n = len(a)
    z = np.zeros(n, np.int32)
    assert_backends_agree(src, {"a": a, "b": b, "q": z, "r": z, "s": z, "u": z.view(np.uint32)},
                          None, backends=BACKENDS)


def test_float_to_int_conversions_saturate() -> None:
    src = """vir0
kernel k workgroup(64) {
  buffer x: f32[] read
  buffer i: i32[] write
  buffer u: u32[] write
  buffer l: i64[] write
  buffer d: u64[] write
  buffer b: u32[] write
  let t = gid.x
  if t < len(x) {
    i[t] = i32(x[t])
    u[t] = u32(x[t])
    l[t] = i64(x[t])
    d[t] = u64(f64(x[t]))
    b[t] = u32(bool(x[t]))
  }
}
"""
    n = len(F32_EDGES)
    args = {"x": F32_EDGES, "i": np.zeros(n, np.int32), "u": np.zeros(n, np.uint32),
            "l": np.zeros(n, np.int64), "d": np.zeros(n, np.uint64), "b": np.zeros(n, np.uint32)}
    assert_backends_agree(src, args, None, backends=BACKENDS)


def test_float_builtins_nan_zero_and_ties() -> None:
    src = """vir0
kernel k workgroup(64) {
  buffer x: f32[] read
  buffer y: f32[] read
  buffer mn: f32[] write
  buffer mx: f32[] write
  buffer rd: f32[] write
  buffer fr: f32[] write
  buffer sg: f32[] write
  buffer md: f32[] write
  buffer bc: u32[] write
  buffer sq: f32[] write
  let t = gid.x
  if t < len(x) {
    mn[t] = min(x[t], y[t])
    mx[t] = max(x[t], y[t])
    rd[t] = round(x[t])
    fr[t] = fract(x[t])
    sg[t] = sign(x[t])
    md[t] = x[t] % y[t]
    bc[t] = bitcast<u32>(x[t] * y[t])
    sq[t] = sqrt(x[t]) + x[t] * y[t]
  }
}
"""
    x = np.repeat(F32_EDGES, len(F32_EDGES))
    y = np.tile(F32_EDGES, len(F32_EDGES))
    n = len(x)
    f = np.zeros(n, np.float32)
    args = {"x": x, "y": y, "mn": f, "mx": f, "rd": f, "fr": f, "sg": f, "md": f,
            "bc": np.zeros(n, np.uint32), "sq": f}
    assert_backends_agree(src, args, None, backends=BACKENDS)


def test_subnormals_are_not_flushed() -> None:
    src = """vir0
kernel k workgroup(32) {
  buffer x: f32[] read
  buffer y: f32[] write
  let t = gid.x
  if t < len(x) {
    y[t] = x[t] * 1e-30 + x[t] * 1e-39
  }
}
"""
    x = np.linspace(-1e-6, 1e-6, 101).astype(np.float32)
    out = np.zeros_like(x)
    assert_backends_agree(src, {"x": x, "y": out}, None, backends=BACKENDS)


def test_out_of_bounds_loads_read_zero_and_stores_are_dropped() -> None:
    src = """vir0
kernel k workgroup(64) {
  buffer x: f32[] read
  buffer y: f32[] read_write
  buffer z: f32[] read_write
  param off: i32
  let t = gid.x
  let j = i32(t) + off
  y[j] = x[j] + 1.0
  z[t] += x[i64(t) - 5i64]
}
"""
    x = np.arange(1, 51, dtype=np.float32)
    for off in (-70, -3, 0, 7, 100):
        assert_backends_agree(src, {"x": x, "y": np.zeros(40, np.float32),
                                    "z": np.ones(45, np.float32), "off": off}, None,
                              grid=2, backends=BACKENDS)


def test_integer_bit_builtins() -> None:
    src = """vir0
kernel k workgroup(64) {
  buffer a: u32[] read
  buffer b: i64[] read
  buffer o: u32[] write
  buffer p: i64[] write
  let t = gid.x
  if t < len(a) {
    let h = popcount(a[t]) + clz(a[t]) * 64 + ctz(a[t]) * 4096 ^ reverse_bits(a[t])
    o[t] = h ^ mul_hi(a[t], 0x9e3779b9) + rotl(a[t], a[t]) + rotr(a[t], 7)
    p[t] = mul_hi(b[t], -3i64) + clz(b[t]) + ctz(b[t]) + abs(b[t]) + sign(b[t]) + min(b[t], 5i64)
  }
}
"""
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2**32, 200, dtype=np.uint32)
    a[:4] = [0, 1, 2**31, 2**32 - 1]
    b = rng.integers(-(2**63), 2**63 - 1, 200, dtype=np.int64)
    b[:4] = [0, -1, -(2**63), 2**63 - 1]
    args = {"a": a, "b": b, "o": np.zeros(200, np.uint32), "p": np.zeros(200, np.int64)}
    assert_backends_agree(src, args, None, backends=BACKENDS)


@pytest.mark.parametrize("ty", ["f32", "f64"])
def test_transcendentals_within_their_ulp_bounds(ty: str) -> None:
    src = f"""vir0
kernel k workgroup(64) {{
  buffer x: {ty}[] read
  buffer s: {ty}[] write
  buffer e: {ty}[] write
  buffer l: {ty}[] write
  buffer p: {ty}[] write
  buffer t: {ty}[] write
  let i = gid.x
  if i < len(x) {{
    s[i] = sin(x[i])
    e[i] = exp(x[i])
    l[i] = log(x[i])
    p[i] = pow(x[i], 1.5)
    t[i] = atan2(x[i], 0.75)
  }}
}}
"""
    dtype = np.float32 if ty == "f32" else np.float64
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(-20, 20, 500), rng.uniform(0, 3, 200),
                        [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, 88.7, 710.0]]).astype(dtype)
    z = np.zeros(len(x), dtype)
    assert_backends_agree(src, {"x": x, "s": z, "e": z, "l": z, "p": z, "t": z}, None,
                          backends=BACKENDS)


def test_atomics_under_contention_and_compare_exchange() -> None:
    src = """vir0
kernel k workgroup(128) {
  buffer data: u32[] read
  buffer bins: u32[16] read_write
  buffer hi: i32[1] read_write
  buffer first: u32[4] read_write
  let i = gid.x
  if i < len(data) {
    atomic_add(bins[data[i] & 15], 1)
    atomic_max(hi[0], i32(data[i] >> 8) - 1000)
    let old = atomic_compare_exchange(first[data[i] & 3], 0, 1, acq_rel)
  }
}
"""
    rng = np.random.default_rng(5)
    data = rng.integers(0, 2**20, 5000, dtype=np.uint32)
    args = {"data": data, "bins": np.zeros(16, np.uint32), "hi": np.array([-(2**31)], np.int32),
            "first": np.zeros(4, np.uint32)}
    assert_backends_agree(src, args, None, backends=BACKENDS)


def test_shared_memory_barrier_and_loops() -> None:
    src = """vir0
kernel k workgroup(64) {
  buffer x: u32[] read
  buffer y: u32[] write
  shared s: u32[64]
  let t = lid.x
  s[t] = x[gid.x]
  barrier()
  var acc: u32 = 0
  for j in 0..64 step 3 {
    acc += s[(t + j) % 64] * (j + 1)
  }
  var k = 0
  while k < 10 {
    k += 1
    if k == 7 { break }
    if k % 2 == 0 { continue }
    acc ^= k
  }
  y[gid.x] = acc
}
"""
    rng = np.random.default_rng(9)
    x = rng.integers(0, 2**32, 640, dtype=np.uint32)
    assert_backends_agree(src, {"x": x, "y": np.zeros(640, np.uint32)}, None, backends=BACKENDS)
