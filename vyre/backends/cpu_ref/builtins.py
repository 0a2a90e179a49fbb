"""Builtin functions on numpy values (docs/semantics.md 4 and 5), by builtin and type class.

Transcendentals of f32 are computed in f64 and rounded once to f32, so they are within
1 ULP of the exact result; f64 uses numpy's (C library) functions.  ``fma`` is exact: f32 by
an error-free sum rounded to odd in f64, f64 by exact rational arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from vyre.backends.cpu_ref.arith import Value, as_value
from vyre.ir.ops import Builtin, ScalarType

Fn = Callable[..., Value]


# --- min / max / clamp -------------------------------------------------------------------
def _nan_loses(pick: Fn, a: Value, b: Value) -> Value:
    # np.fmin/np.fmax let a signalling NaN win on some CPUs; the semantics say any NaN
    # loses against a number, so choose explicitly.
    return np.where(np.isnan(a), b, np.where(np.isnan(b), a, pick(a, b)))


def _fmin(a: Value, b: Value) -> Value:
    r = _nan_loses(np.minimum, a, b)
    both_zero = (a == 0) & (b == 0)
    neg = np.signbit(a) | np.signbit(b)
    return np.where(both_zero, np.where(neg, -np.abs(r), np.abs(r)), r)


def _fmax(a: Value, b: Value) -> Value:
    r = _nan_loses(np.maximum, a, b)
    both_zero = (a == 0) & (b == 0)
    neg = np.signbit(a) & np.signbit(b)
    return np.where(both_zero, np.where(neg, -np.abs(r), np.abs(r)), r)


def _clamp(lo_fn: Fn, hi_fn: Fn) -> Fn:
    return lambda x, lo, hi: lo_fn(hi_fn(x, lo), hi)


def _copysign(x: Value, y: Value) -> Value:
    # The sign of a NaN is not specified, so a NaN ``y`` counts as positive.
    return np.where(np.isnan(y), np.abs(x), np.copysign(x, y))


# --- sign -----------------------------------------------------------------------------------
def _fsign(x: Value) -> Value:
    one = x.dtype.type(1)
    return np.where(x > 0, one, np.where(x < 0, -one, x))


# --- fma ------------------------------------------------------------------------------------
def _fma_f32(a: Value, b: Value, c: Value) -> Value:
    # a*b is exact in f64; (p, c) -> s + e exactly (TwoSum); rounding s to odd keeps the
    # information f32 rounding needs, so the final rounding is the single correct one.
    p = np.asarray(a, np.float64) * np.asarray(b, np.float64)
    c64 = np.asarray(c, np.float64)
    s = p + c64
    bb = s - p
    e = (p - (s - bb)) + (c64 - bb)
    bits = np.asarray(s).view(np.uint64)
    fix = np.isfinite(s) & (e != 0) & ((bits & np.uint64(1)) == 0)
    toward = np.where(e > 0, np.inf, -np.inf)
    s = np.where(fix, np.nextafter(s, toward), s)
    return s.astype(np.float32)


def _fma_f64_one(a: float, b: float, c: float) -> float:
    if not (np.isfinite(a) and np.isfinite(b) and np.isfinite(c)):
        return a * b + c
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:
        # Sign of an exact zero: IEEE's rules for adding the (exact) product and c.
        return (a * b + c) if (a == 0 or b == 0) else 0.0
    try:
        return float(exact)  # Fraction -> float is correctly rounded
    except OverflowError:
        return float("inf") if exact > 0 else float("-inf")


_fma_f64_vec = np.frompyfunc(_fma_f64_one, 3, 1)


def _fma_f64(a: Value, b: Value, c: Value) -> Value:
    return np.asarray(_fma_f64_vec(a, b, c), dtype=np.float64)


# --- transcendentals ------------------------------------------------------------------------
def _rsqrt(x: Value) -> Value:
    return 1.0 / np.sqrt(x)


_TRANSCENDENTAL: dict[Builtin, Fn] = {
    Builtin.RSQRT: _rsqrt, Builtin.EXP: np.exp, Builtin.EXP2: np.exp2, Builtin.EXPM1: np.expm1,
    Builtin.LOG: np.log, Builtin.LOG2: np.log2, Builtin.LOG10: np.log10,
    Builtin.LOG1P: np.log1p, Builtin.SIN: np.sin, Builtin.COS: np.cos, Builtin.TAN: np.tan,
    Builtin.ASIN: np.arcsin, Builtin.ACOS: np.arccos, Builtin.ATAN: np.arctan,
    Builtin.ATAN2: np.arctan2, Builtin.SINH: np.sinh, Builtin.COSH: np.cosh,
    Builtin.TANH: np.tanh, Builtin.POW: np.power, Builtin.CBRT: np.cbrt,
    Builtin.HYPOT: np.hypot,
}


def _in_f64(fn: Fn, t: ScalarType) -> Fn:
    if t is ScalarType.F64:
        return fn

    def wide(*args: Value) -> Value:
        return np.asarray(fn(*(np.asarray(a, np.float64) for a in args))).astype(t.dtype)

    return wide


# --- integer bit operations -------------------------------------------------------------
_UNSIGNED = {32: np.dtype(np.uint32), 64: np.dtype(np.uint64)}


def _unsigned(x: Value, bits: int) -> np.ndarray:
    return np.asarray(x).view(_UNSIGNED[bits])


def _popcount(t: ScalarType) -> Fn:
    # np.bitwise_count counts the bits of |x|: count the two's complement bits instead
    return lambda x: np.bitwise_count(_unsigned(x, t.bits)).astype(t.dtype)


def _smear_right(u: np.ndarray, bits: int) -> np.ndarray:
    shift = 1
    while shift < bits:
        u = u | (u >> u.dtype.type(shift))
        shift *= 2
    return u


def _clz(t: ScalarType) -> Fn:
    def clz(x: Value) -> Value:
        u = _unsigned(x, t.bits)
        return (t.bits - np.bitwise_count(_smear_right(u, t.bits)).astype(np.int64)).astype(t.dtype)

    return clz


def _ctz(t: ScalarType) -> Fn:
    def ctz(x: Value) -> Value:
        u = _unsigned(x, t.bits)
        low = (u & (~u + u.dtype.type(1))) - u.dtype.type(1)  # ones below the lowest set bit
        return np.bitwise_count(low).astype(t.dtype)  # ctz(0) == N: 0 - 1 is all ones

    return ctz


def _reverse_bits(t: ScalarType) -> Fn:
    def reverse(x: Value) -> Value:
        u = _unsigned(x, t.bits).copy()
        ut = u.dtype.type
        width, mask = t.bits // 2, (1 << t.bits) - 1
        while width >= 1:
            # swap adjacent groups of `width` bits
            pattern = 0
            for start in range(0, t.bits, 2 * width):
                pattern |= ((1 << width) - 1) << start
            lo = ut(pattern & mask)
            u = ((u & lo) << ut(width)) | ((u >> ut(width)) & lo)
            width //= 2
        return u.view(t.dtype)

    return reverse


def _mul_hi(t: ScalarType) -> Fn:
    if t.bits == 32:
        wide = np.int64 if t.is_signed else np.uint64

        def hi32(a: Value, b: Value) -> Value:
            p = np.asarray(a).astype(wide) * np.asarray(b).astype(wide)
            return (p >> wide(32)).astype(t.dtype)

        return hi32

    def hi64(a: Value, b: Value) -> Value:
        ua, ub = _unsigned(a, 64), _unsigned(b, 64)
        m32 = np.uint64(0xFFFFFFFF)
        s32 = np.uint64(32)
        a_lo, a_hi, b_lo, b_hi = ua & m32, ua >> s32, ub & m32, ub >> s32
        ll, lh, hl, hh = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi
        mid = (ll >> s32) + (lh & m32) + (hl & m32)
        hi = hh + (lh >> s32) + (hl >> s32) + (mid >> s32)
        if t.is_signed:
            # signed high word = unsigned high word - (a<0 ? b : 0) - (b<0 ? a : 0), mod 2^64
            hi = hi - np.where(np.asarray(a) < 0, ub, np.uint64(0))
            hi = hi - np.where(np.asarray(b) < 0, ua, np.uint64(0))
        return np.asarray(hi).view(t.dtype)

    return hi64


def _rotate(t: ScalarType, left: bool) -> Fn:
    def rot(x: Value, s: Value) -> Value:
        u = _unsigned(x, t.bits)
        ut = u.dtype.type
        k = _unsigned(s, t.bits) & ut(t.bits - 1)
        back = (ut(t.bits) - k) & ut(t.bits - 1)
        r = (u << k) | (u >> back) if left else (u >> k) | (u << back)
        return np.asarray(r).view(t.dtype)

    return rot


# --- the table ------------------------------------------------------------------------------
def _float_table(t: ScalarType) -> dict[Builtin, Fn]:
    table: dict[Builtin, Fn] = {
        Builtin.MIN: _fmin, Builtin.MAX: _fmax, Builtin.CLAMP: _clamp(_fmin, _fmax),
        Builtin.ABS: np.abs, Builtin.SIGN: _fsign,
        Builtin.FMA: _fma_f32 if t is ScalarType.F32 else _fma_f64,
        Builtin.SQRT: np.sqrt, Builtin.FLOOR: np.floor, Builtin.CEIL: np.ceil,
        Builtin.ROUND: np.rint, Builtin.TRUNC: np.trunc,
        Builtin.FRACT: lambda x: x - np.floor(x), Builtin.COPYSIGN: _copysign,
        Builtin.IS_NAN: np.isnan, Builtin.IS_INF: np.isinf, Builtin.IS_FINITE: np.isfinite,
    }
    table.update({b: _in_f64(fn, t) for b, fn in _TRANSCENDENTAL.items()})
    return table


def _int_table(t: ScalarType) -> dict[Builtin, Fn]:
    return {
        Builtin.MIN: np.minimum, Builtin.MAX: np.maximum,
        Builtin.CLAMP: _clamp(np.minimum, np.maximum), Builtin.ABS: np.abs,
        Builtin.SIGN: np.sign, Builtin.POPCOUNT: _popcount(t), Builtin.CLZ: _clz(t),
        Builtin.CTZ: _ctz(t), Builtin.REVERSE_BITS: _reverse_bits(t),
        Builtin.MUL_HI: _mul_hi(t), Builtin.ROTL: _rotate(t, True),
        Builtin.ROTR: _rotate(t, False),
    }


BUILTINS: dict[ScalarType, dict[Builtin, Fn]] = {
    **{t: _float_table(t) for t in ScalarType if t.is_float},
    **{t: _int_table(t) for t in ScalarType if t.is_int},
}


def _select(c: Value, a: Value, b: Value) -> Value:
    return np.where(c, a, b)


def builtin(fn: Builtin, arg_type: ScalarType, result_type: ScalarType) -> Fn:
    """The function computing builtin ``fn`` whose first value argument has ``arg_type``."""
    impl: Fn = _select if fn is Builtin.SELECT else BUILTINS[arg_type][fn]
    dtype = result_type.dtype

    def apply(*args: Any) -> Value:
        r = impl(*args)
        if isinstance(r, np.ndarray | np.generic) and r.dtype != dtype:
            r = np.asarray(r).astype(dtype)
        return as_value(r)

    return apply
