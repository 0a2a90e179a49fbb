"""Hypothesis strategies for scalar values and input arrays, biased toward edge cases.

Conformance bugs hide at the edges: zero and negative zero, ±1, MIN and MAX, NaN (quiet,
signalling, negative, with payloads), ±inf, subnormals, values just past 2^31 / 2^63 that
saturate when cast, and shift counts far beyond the bit width.  Every strategy here mixes
those pools with uniformly drawn values so both edges and the bulk get exercised.
"""

from __future__ import annotations

import functools
import struct

import numpy as np
from hypothesis import strategies as st

from vyre.ir.ops import ScalarType


def _f32(bits: int) -> float:
    return float(np.array([bits], dtype=np.uint32).view(np.float32)[0])


def _f64(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


_F32_EDGES = (
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, 0.1, -0.1, 3.140625, 100.0, 1e-3,
    float("inf"), float("-inf"), float("nan"),
    _f32(0x00000001), _f32(0x80000001), _f32(0x007FFFFF), _f32(0x00800000), _f32(0x7F7FFFFF),
    _f32(0xFF7FFFFF), 16777216.0, 16777218.0, 2.0**31, -(2.0**31), 2.0**32, 2.0**63,
    -(2.0**63), 2.0**64, 1e30, -1e30, 88.0, -104.0, 4294967040.0,
)
_F64_EDGES = (
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.5, 0.1, -0.1, 3.141592653589793, 100.0,
    1e-3, float("inf"), float("-inf"), float("nan"),
    _f64(1), _f64(0x8000000000000001), _f64(0x000FFFFFFFFFFFFF), _f64(0x0010000000000000),
    _f64(0x7FEFFFFFFFFFFFFF), _f64(0xFFEFFFFFFFFFFFFF), 2.0**53, 2.0**53 + 2, 2.0**31,
    -(2.0**31), 2.0**32, 2.0**63, -(2.0**63), 2.0**64, 1e300, -1e300, 709.0, -745.0,
)
# NaNs other than the canonical one: bitcast must canonicalise them, moves must keep them.
_F32_NAN_BITS = (0x7FC00000, 0xFFC00000, 0x7FC00001, 0x7F800001, 0xFFFFFFFF)
_F64_NAN_BITS = (0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000000001, 0x7FF0000000000001)


def _int_edges(t: ScalarType) -> tuple[int, ...]:
    lo, hi = int(t.min), int(t.max)
    n = t.bits
    values = {0, 1, 2, 3, 7, 8, n - 1, n, n + 1, 2 * n, 255, 256, hi, hi - 1, lo, lo + 1,
              2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**63 - 1}
    if t.is_signed:
        values |= {-1, -2, -3, -8, -(n - 1), -n, -(2**31)}
    return tuple(sorted(v for v in values if lo <= v <= hi))


INT_EDGES: dict[ScalarType, tuple[int, ...]] = {
    t: _int_edges(t) for t in ScalarType if t.is_int
}
FLOAT_EDGES: dict[ScalarType, tuple[float, ...]] = {
    ScalarType.F32: _F32_EDGES,
    ScalarType.F64: _F64_EDGES,
}


@functools.cache
def scalars(t: ScalarType, *, small: bool = False) -> st.SearchStrategy:
    """Python values of type ``t`` (bool, int or float; f32 values are exactly representable).

    ``small`` keeps integers in ``[-8, 8]`` (clipped to the type), for loop bounds and the like.
    """
    if t is ScalarType.BOOL:
        return st.booleans()
    if t.is_int:
        lo, hi = int(t.min), int(t.max)
        if small:
            return st.integers(max(lo, -8), min(hi, 8))
        return st.one_of(st.sampled_from(INT_EDGES[t]), st.integers(lo, hi),
                         st.integers(max(lo, -40), min(hi, 40)))
    width = 32 if t is ScalarType.F32 else 64
    if small:
        return st.sampled_from((0.0, -0.0, 0.5, 1.0, -1.0, 2.0, -2.5, 3.0))
    return st.one_of(
        st.sampled_from(FLOAT_EDGES[t]),
        st.floats(width=width),
        st.floats(-100.0, 100.0, width=width),
    )


@functools.cache
def finite_literals(t: ScalarType) -> st.SearchStrategy:
    """Values a VIR0 literal of type ``t`` can spell (floats finite; NaN/inf come from inputs)."""
    if t is ScalarType.BOOL or t.is_int:
        return scalars(t)
    width = 32 if t is ScalarType.F32 else 64
    finite = [v for v in FLOAT_EDGES[t] if np.isfinite(v)]
    return st.one_of(st.sampled_from(finite), st.floats(allow_nan=False, allow_infinity=False, width=width))


def _float_bits(value: float, t: ScalarType) -> int:
    if t is ScalarType.F32:
        return int(np.array([value], np.float32).view(np.uint32)[0])
    return struct.unpack("<Q", struct.pack("<d", value))[0]


@functools.cache
def _elements(t: ScalarType) -> st.SearchStrategy:
    """Array elements: ints as themselves, floats as their bit patterns (NaN payloads survive)."""
    if t.is_int:
        return scalars(t)
    nan_bits = _F32_NAN_BITS if t is ScalarType.F32 else _F64_NAN_BITS
    return st.one_of(scalars(t).map(lambda v: _float_bits(v, t)), st.sampled_from(nan_bits))


def arrays(t: ScalarType, length: int) -> st.SearchStrategy[np.ndarray]:
    """A numpy array of ``length`` elements of element type ``t``, edges included.

    Float arrays may hold NaNs with any payload, written bit by bit so numpy cannot quiet them.
    """
    elements = st.lists(_elements(t), min_size=length, max_size=length)
    if t.is_int:
        return elements.map(lambda xs: np.array(xs, dtype=t.dtype))
    uint = np.uint32 if t is ScalarType.F32 else np.uint64
    return elements.map(lambda xs: np.array(xs, dtype=uint).view(t.dtype))


@st.composite
def filled(draw: st.DrawFn, t: ScalarType, length: int) -> np.ndarray:
    """An array of ``length`` elements repeating a short edge-case pattern (cheap to draw).

    For output buffers, whose initial contents matter only where nothing is written.
    """
    pattern = draw(arrays(t, min(length, draw(st.integers(1, 4)))))
    return np.resize(pattern, length) if length else pattern[:0]
