"""The lowering on a real GPU: edge-case kernels and examples on ptx agree with cpu_ref.

Run with ``pytest -m gpu`` on a machine with an NVIDIA GPU and cuda-python.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import vyre

pytestmark = pytest.mark.gpu

EDGES = {
    "i32": np.array([0, 1, -1, 7, -7, 31, 32, 33, 2**31 - 1, -(2**31)], np.int32),
    "u64": np.array([0, 1, 7, 63, 64, 65, 2**63, 2**64 - 1, 12345678901234567, 3], np.uint64),
    "f32": np.array([0.0, -0.0, 1.5, -2.5, 1e-45, 3.4e38, np.inf, -np.inf, np.nan, 2.5], np.float32),
    "f64": np.array([0.0, -0.0, 1.5, -2.5, 5e-324, 1e308, np.inf, -np.inf, np.nan, 0.5], np.float64),
}
EXPRS = {
    "i32": ["a[i] / b[i]", "a[i] % b[i]", "a[i] << b[i]", "a[i] >> b[i]", "mul_hi(a[i], b[i])",
            "rotl(a[i], b[i])", "clz(a[i]) + ctz(b[i])", "abs(a[i]) + sign(b[i])", "i32(f32(a[i]))"],
    "u64": ["a[i] / b[i]", "a[i] % b[i]", "a[i] >> b[i]", "mul_hi(a[i], b[i])", "reverse_bits(a[i])",
            "popcount(a[i]) + clz(b[i])", "u64(i32(a[i]))"],
    "f32": ["a[i] / b[i]", "a[i] % b[i]", "min(a[i], b[i])", "max(a[i], b[i])", "clamp(a[i], b[i], 2.0)",
            "sqrt(a[i])", "fma(a[i], b[i], a[i])", "round(a[i]) + fract(b[i])", "sign(a[i]) * copysign(1.0, b[i])",
            "f32(bitcast<u32>(a[i]))", "f32(i32(a[i]))", "f32(u64(a[i]))"],
    "f64": ["a[i] / b[i]", "a[i] % b[i]", "min(a[i], b[i])", "max(a[i], b[i])", "sqrt(a[i]) + b[i]",
            "f64(bitcast<u64>(a[i]))", "f64(i64(a[i]))"],
}


def _both(program: str, **args):
    ref = vyre.compile(program, backend="cpu_ref", cache=None)(**{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in args.items()})
    gpu = vyre.compile(program, backend="ptx", cache=None)(**args)
    return ref, gpu


@pytest.mark.parametrize("t,expr", [(t, e) for t, es in EXPRS.items() for e in es])
def test_edge_cases_match_the_reference_bit_for_bit(t, expr):
    x = EDGES[t]
    a, b = np.repeat(x, len(x)), np.tile(x, len(x))
    src = f"""vir0
kernel k workgroup(32) {{
  buffer a: {t}[] read
  buffer b: {t}[] read
  buffer out: {t}[] write
  let i = gid.x
  if i < len(out) {{
    out[i] = {expr}
  }}
}}
"""
    ref, gpu = _both(src, a=a, b=b, out=np.zeros(len(a), a.dtype))
    r, g = ref["out"], gpu["out"]
    if t[0] == "f":
        same = (np.isnan(r) & np.isnan(g)) | (r.view(f"u{r.itemsize}") == g.view(f"u{g.itemsize}"))
        assert same.all(), [(i, r[i], g[i]) for i in np.nonzero(~same)[0][:5]]
    else:
        np.testing.assert_array_equal(r, g)


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_barrier_examples_match_the_reference():
    rng = np.random.default_rng(3)
    src = rng.integers(0, 2**32, 1000, dtype=np.uint64).astype(np.uint32)
    ref, gpu = _both((EXAMPLES / "prefix_sum.vir").read_text(), src=src, dst=np.zeros(1000, np.uint32))
    np.testing.assert_array_equal(ref["dst"], gpu["dst"])
    data = rng.integers(0, 2**32, 5000, dtype=np.uint64).astype(np.uint32)
    ref, gpu = _both((EXAMPLES / "histogram.vir").read_text(), data=data, bins=np.zeros(256, np.uint32))
    np.testing.assert_array_equal(ref["bins"], gpu["bins"])


def test_host_mapped_atomics_and_polling_flag():
    data = np.arange(300, dtype=np.float32)
    ref, gpu = _both((EXAMPLES / "host_flag.vir").read_text(), data=data, progress=np.zeros(2, np.uint32))
    np.testing.assert_array_equal(gpu["data"], data * data)
    assert gpu["progress"].tolist() == [300, 1] == ref["progress"].tolist()
