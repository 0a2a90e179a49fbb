"""Unary and binary operators on numpy values, by operand type (docs/semantics.md 2-4).

Every function takes and returns numpy scalars or arrays of the operand dtype.  Callers run
under ``np.errstate(all="ignore")``: numpy's fixed-width integers wrap, which is VIR0's
integer semantics, and float overflow or invalid results are IEEE values, not errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from vyre.ir.ops import BinOp, ScalarType, UnOp

Value = Any  # a numpy scalar (uniform over the lanes) or a 1-D array (one per active lane)
BinFn = Callable[[Value, Value], Value]


def as_value(x: Any) -> Value:
    """Turn numpy's 0-d array results back into scalars so uniform values stay uniform."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return x[()]
    return x


# --- integer division: truncating, with the total results of section 2 ----------------
def _safe_divisor(a: Value, b: Value, t: ScalarType) -> Value:
    bad = b == 0
    if t.is_signed:
        bad = bad | ((a == t.dtype.type(t.min)) & (b == t.dtype.type(-1)))
    return np.where(bad, t.dtype.type(1), b)


def _int_div(t: ScalarType) -> BinFn:
    def div(a: Value, b: Value) -> Value:
        sb = _safe_divisor(a, b, t)
        r = np.fmod(a, sb)  # C remainder: sign of the dividend
        q = (a - r) // sb  # exact, so floor == trunc
        return as_value(np.where(b == 0, t.dtype.type(0), q).astype(t.dtype, copy=False))

    return div


def _int_rem(t: ScalarType) -> BinFn:
    def rem(a: Value, b: Value) -> Value:
        r = np.fmod(a, _safe_divisor(a, b, t))  # MIN % -1 becomes MIN % 1 == 0
        return as_value(np.where(b == 0, a, r).astype(t.dtype, copy=False))

    return rem


def _shift(fn: Callable[[Value, Value], Value], t: ScalarType) -> BinFn:
    mask = t.dtype.type(t.bits - 1)

    def shift(a: Value, s: Value) -> Value:
        return fn(a, s & mask)

    return shift


def _int_binops(t: ScalarType) -> dict[BinOp, BinFn]:
    return {
        BinOp.ADD: np.add, BinOp.SUB: np.subtract, BinOp.MUL: np.multiply,
        BinOp.DIV: _int_div(t), BinOp.REM: _int_rem(t),
        BinOp.AND: np.bitwise_and, BinOp.OR: np.bitwise_or, BinOp.XOR: np.bitwise_xor,
        BinOp.SHL: _shift(np.left_shift, t), BinOp.SHR: _shift(np.right_shift, t),
        **_COMPARE,
    }


_COMPARE: dict[BinOp, BinFn] = {
    BinOp.EQ: np.equal, BinOp.NE: np.not_equal, BinOp.LT: np.less, BinOp.LE: np.less_equal,
    BinOp.GT: np.greater, BinOp.GE: np.greater_equal,
}

_FLOAT_BINOPS: dict[BinOp, BinFn] = {
    BinOp.ADD: np.add, BinOp.SUB: np.subtract, BinOp.MUL: np.multiply,
    BinOp.DIV: np.divide, BinOp.REM: np.fmod, **_COMPARE,
}

_BOOL_BINOPS: dict[BinOp, BinFn] = {
    BinOp.LAND: np.logical_and, BinOp.LOR: np.logical_or,
    BinOp.AND: np.logical_and, BinOp.OR: np.logical_or, BinOp.XOR: np.logical_xor,
    BinOp.EQ: np.equal, BinOp.NE: np.not_equal,
}

BINARY: dict[ScalarType, dict[BinOp, BinFn]] = {
    **{t: _int_binops(t) for t in ScalarType if t.is_int},
    ScalarType.F32: _FLOAT_BINOPS,
    ScalarType.F64: _FLOAT_BINOPS,
    ScalarType.BOOL: _BOOL_BINOPS,
}


def binary(op: BinOp, t: ScalarType) -> BinFn:
    """The function computing ``a op b`` for operands of type ``t``."""
    fn = BINARY[t][op]

    def apply(a: Value, b: Value) -> Value:
        return as_value(fn(a, b))

    return apply


UNARY: dict[tuple[UnOp, str], Callable[[Value], Value]] = {
    (UnOp.NEG, "int"): np.negative,  # wraps: -MIN == MIN, -1u == MAX
    (UnOp.NEG, "float"): np.negative,  # flips the sign bit, also of zeros and NaN
    (UnOp.BITNOT, "int"): np.invert,
    (UnOp.NOT, "bool"): np.logical_not,
}


def type_class(t: ScalarType) -> str:
    return "bool" if t is ScalarType.BOOL else ("float" if t.is_float else "int")


def unary(op: UnOp, t: ScalarType) -> Callable[[Value], Value]:
    fn = UNARY[(op, type_class(t))]

    def apply(a: Value) -> Value:
        return as_value(fn(a))

    return apply
