"""Programs on which cpu_ref and host_jit once disagreed, found by the conformance runner.

Each test holds the shrunk program, its inputs and the outputs docs/semantics.md prescribes
(worked out by hand, not copied from a backend), and checks every backend against them
(ptx with ``pytest -m gpu``).
"""

from __future__ import annotations

import numpy as np
import pytest

from vyre.testing import assert_backends_agree

BACKENDS = ("cpu_ref", "host_jit", pytest.param("ptx", marks=pytest.mark.gpu))


def f32(*bits: int) -> np.ndarray:
    return np.array(bits, dtype=np.uint32).view(np.float32)


INF, NEG_INF, NEG_ZERO = 0x7F800000, 0xFF800000, 0x80000000


@pytest.mark.parametrize("backend", BACKENDS)
def test_min_of_zero_and_negative_zero_in_some_lanes_only(backend: str) -> None:
    """min(0.0, -0.0) is -0.0 (semantics 4, "min, max, clamp"), so rsqrt of it is -inf.

    Found with seed 11: cpu_ref returned +inf in the one lane (of ten) whose second operand
    was -0.0, host_jit -inf; cpu_ref was wrong. It agrees again since later cpu_ref changes.
    """
    source = """vir0
kernel k workgroup(2, 5) {
  buffer in0: f32[] read
  buffer out0: u32[] read_write
  buffer tr: f32[] write
  buffer cnt: i32[1] read_write
  let lin = gid.x + gid.y * 2u32
  let v1 = 0u32
  out0[lin] = 0u32
  tr[lin] = rsqrt(min(in0[0i32], in0[lin + 0u32]))
}
"""
    args = {
        "in0": f32(0, 0, 0, 0, 0, 0, 0, 0, 0, NEG_ZERO),
        "out0": np.zeros(10, np.uint32),
        "tr": np.zeros(10, np.float32),
        "cnt": np.array([-(2**31)], np.int32),
    }
    expected = {
        "out0": np.zeros(10, np.uint32),
        "tr": f32(*[INF] * 9, NEG_INF),
        "cnt": np.array([-(2**31)], np.int32),
    }
    assert_backends_agree(source, args, expected, grid=(1,), backends=(backend,))


@pytest.mark.parametrize("backend", BACKENDS)
def test_min_and_max_of_signed_zeros_lane_by_lane(backend: str) -> None:
    """The same rule without a transcendental, both argument orders, min and max."""
    source = """vir0
kernel k workgroup(4) {
  buffer a: f32[] read
  buffer b: f32[] read
  buffer lo: f32[] write
  buffer hi: f32[] write
  let i = gid.x
  lo[i] = min(a[i], b[i])
  hi[i] = max(a[i], b[i])
}
"""
    args = {"a": f32(0, NEG_ZERO, 0, NEG_ZERO), "b": f32(0, 0, NEG_ZERO, NEG_ZERO),
            "lo": np.ones(4, np.float32), "hi": np.ones(4, np.float32)}
    expected = {"lo": f32(0, NEG_ZERO, NEG_ZERO, NEG_ZERO), "hi": f32(0, 0, 0, NEG_ZERO)}
    assert_backends_agree(source, args, expected, grid=1, backends=(backend,))


SIGNALLING_NANS = {"f32": (np.uint32, 0x7F800001), "f64": (np.uint64, 0x7FF0000000000001)}
MIN_MAX_NAN_SOURCE = """vir0
kernel k workgroup(1) {{
  buffer x: {t}[] read
  buffer o: {t}[] write
  let s = x[0]
  o[0] = min(0.0, s)
  o[1] = min(s, 0.0)
  o[2] = max(s, 1.0)
  o[3] = max(1.0, s)
  o[4] = clamp(s, 2.0, 3.0)
  o[5] = clamp(0.5, s, 3.0)
  o[6] = clamp(5.0, 2.0, s)
}}
"""
# min/max with one NaN operand give the other operand; clamp(x, lo, hi) is min(max(x, lo), hi).
MIN_MAX_NAN_EXPECTED = [0.0, 0.0, 1.0, 1.0, 2.0, 0.5, 5.0]


@pytest.mark.parametrize("t", ["f32", "f64"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_min_max_clamp_with_a_signalling_nan(backend: str, t: str) -> None:
    """Found with seed 201: `min(0.0f64, in0[lin])` with in0[0] = 0x7FF0000000000001 gave NaN
    on cpu_ref (np.fmin lets a signalling NaN win) and 0.0 on host_jit; host_jit was right."""
    uint, bits = SIGNALLING_NANS[t]
    x = np.array([bits], uint).view(np.dtype(t.replace("f", "float")))
    expected = {"o": np.array(MIN_MAX_NAN_EXPECTED, x.dtype)}
    assert_backends_agree(MIN_MAX_NAN_SOURCE.format(t=t), {"x": x, "o": np.zeros(7, x.dtype)},
                          expected, grid=1, backends=(backend,))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("bits", [0x7FC00000, 0xFFC00001])
def test_min_max_clamp_with_a_quiet_nan(backend: str, bits: int) -> None:
    x = f32(bits)
    expected = {"o": np.array(MIN_MAX_NAN_EXPECTED, np.float32)}
    assert_backends_agree(MIN_MAX_NAN_SOURCE.format(t="f32"), {"x": x, "o": np.zeros(7, np.float32)},
                          expected, grid=1, backends=(backend,))


@pytest.mark.parametrize("backend", BACKENDS)
def test_copysign_from_a_nan_counts_as_positive(backend: str) -> None:
    """Found on the GPU: `copysign(1.0, 0.0 / 0.0)` was -1.0 on x86 and 1.0 on the H100, since
    the sign of 0/0 differs by hardware. Semantics section 4: a NaN sign source is positive."""
    source = """vir0
kernel k workgroup(4) {
  buffer x: f32[] read
  buffer y: f32[] read
  buffer o: f32[] write
  let i = gid.x
  o[i] = copysign(x[i], y[i] / y[i])
}
"""
    args = {"x": np.array([1.0, -2.0, 3.0, -0.0], np.float32),
            "y": np.array([0.0, 0.0, -0.0, 0.0], np.float32), "o": np.zeros(4, np.float32)}
    expected = {"o": np.array([1.0, 2.0, 3.0, 0.0], np.float32)}
    assert_backends_agree(source, args, expected, grid=1, backends=(backend,))
