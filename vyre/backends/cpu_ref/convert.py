"""Value conversions ``T(x)`` and ``bitcast<T>(x)`` (docs/semantics.md 6)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vyre.backends.cpu_ref.arith import Value, as_value
from vyre.ir.ops import ScalarType

Conv = Callable[[Value], Value]

CANONICAL_NAN_BITS = {ScalarType.F32: np.uint32(0x7FC00000), ScalarType.F64: np.uint64(0x7FF8000000000000)}
_BITS_DTYPE = {32: np.dtype(np.uint32), 64: np.dtype(np.uint64)}


def _float_to_int(dst: ScalarType) -> Conv:
    lo, hi = dst.min, dst.max
    # The smallest float above MAX: 2**31, 2**32, 2**63, 2**64, all exact in f64.
    above = float(hi) + 1.0
    zero = dst.dtype.type(0)

    def conv(x: Value) -> Value:
        t = np.trunc(np.asarray(x, np.float64))
        nan = np.isnan(t)
        too_big = t >= above
        too_small = t < float(lo)
        safe = np.where(nan | too_big | too_small, 0.0, t)
        r = safe.astype(dst.dtype)
        r = np.where(too_big, dst.dtype.type(hi), r)
        r = np.where(too_small, dst.dtype.type(lo), r)
        return as_value(np.where(nan, zero, r))

    return conv


def _plain(dst: ScalarType) -> Conv:
    # int -> int wraps (numpy truncates / extends by the source's signedness), int -> float
    # and f64 -> f32 round to nearest even, f32 -> f64 and bool -> number are exact.
    def conv(x: Value) -> Value:
        return as_value(np.asarray(x).astype(dst.dtype))

    return conv


def _to_bool(x: Value) -> Value:
    return as_value(np.asarray(x) != 0)


def cast(src: ScalarType, dst: ScalarType) -> Conv:
    """The conversion ``dst(x)`` for ``x`` of type ``src``."""
    if src is dst:
        return lambda x: x
    if dst is ScalarType.BOOL:
        return _to_bool
    if src.is_float and dst.is_int:
        return _float_to_int(dst)
    return _plain(dst)


def bitcast(src: ScalarType, dst: ScalarType) -> Conv:
    """``bitcast<dst>(x)``: reinterpret bits, mapping every float NaN to the canonical one."""
    bits_dtype = _BITS_DTYPE[src.bits]

    def conv(x: Value) -> Value:
        a = np.asarray(x)
        bits = a.view(bits_dtype)
        if src.is_float:
            bits = np.where(np.isnan(a), CANONICAL_NAN_BITS[src], bits)
        return as_value(np.asarray(bits).view(dst.dtype))

    return conv
