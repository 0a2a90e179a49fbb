"""NaN payloads through moves, bit for bit.

The conformance rule lets any NaN equal any NaN, since arithmetic NaN payloads are
unspecified (`-`, `abs` and `copysign` of a NaN included); but loads, stores and `select` move
bits unchanged (docs/semantics.md section 4), so that is checked here exactly, with the
expected bits computed from the rule.
"""

from __future__ import annotations

import numpy as np
import pytest

import vyre

SOURCE = """vir0
kernel k workgroup(1) {{
  buffer x: {t}[] read
  buffer o: {t}[] write
  let i = gid.x
  o[i * 5u32] = x[i]
  o[i * 5u32 + 1u32] = -x[i]
  o[i * 5u32 + 2u32] = abs(x[i])
  o[i * 5u32 + 3u32] = copysign(x[i], -1.0)
  o[i * 5u32 + 4u32] = select(true, x[i], 0.0)
}}
"""
NANS = {
    "f32": (np.uint32, 31, [0x7FC00001, 0xFFC00001, 0x7F800001, 0xFF800123, 0x7FC00000]),
    "f64": (np.uint64, 63, [0x7FF8000000000001, 0xFFF8000000000123, 0x7FF0000000000001]),
}


@pytest.mark.parametrize("t", sorted(NANS))
@pytest.mark.parametrize("backend", ["cpu_ref", "host_jit", pytest.param("ptx", marks=pytest.mark.gpu)])
def test_nan_payloads_survive_moves(backend: str, t: str) -> None:
    uint, top, bits = NANS[t]
    expected = []
    for b in bits:
        expected += [b, None, None, None, b]  # None: any NaN
    x = np.array(bits, uint).view(f"float{top + 1}")
    out = vyre.compile(SOURCE.format(t=t), backend=backend, cache=None)(
        grid=len(bits), x=x, o=np.zeros(5 * len(bits), x.dtype))
    got = out["o"].view(uint).tolist()
    exact = [hex(g) if e is not None else "nan" for g, e in zip(got, expected, strict=True)]
    assert exact == [hex(e) if e is not None else "nan" for e in expected]
    assert np.isnan(out["o"]).all()
