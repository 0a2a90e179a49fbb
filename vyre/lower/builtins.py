"""Builtin calls (min, sqrt, clz, sin, ...): a table from Builtin to a small function.

Exactly-defined builtins use LLVM intrinsics whose semantics match docs/semantics.md with
no poison cases (ctlz/cttz with is_zero_poison=false, fshl/fshr for rotates, roundeven
for ties-to-even).  Float min/max are written with compares and selects, because the NaN
and signed-zero rules of VIR0 are not those of every intrinsic on every target.
Transcendentals go to the target's math library (libdevice on NVPTX, libm on the host).
"""

from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir

from vyre.errors import LoweringError
from vyre.ir.ops import TRANSCENDENTALS, Builtin, ScalarType
from vyre.lower import types as T
from vyre.lower.context import TV, Ctx
from vyre.lower.hooks import declare

BOOL = ScalarType.BOOL


def call(ctx: Ctx, fn: Builtin, args: list[TV]) -> TV:
    """Lower the builtin ``fn`` applied to already-lowered ``args``."""
    if fn in TRANSCENDENTALS:
        return TV(ctx.hooks.math(ctx, fn, args), args[0].t)
    impl = _BUILTINS.get(fn)
    if impl is None:
        raise LoweringError(
            f"cannot lower the builtin '{fn.value}'",
            code="V514",
            fix="this builtin is not supported by the LLVM backends; use cpu_ref",
        )
    return impl(ctx, args)


def _intr(ctx: Ctx, name: str, t: ScalarType, args: list[ir.Value], extra: list[ir.Value] = ()) -> ir.Value:
    """Call the overloaded intrinsic ``llvm.<name>.<type>`` returning ``t``."""
    ty = T.value_type(t)
    suffix = f"f{t.bits}" if t.is_float else f"i{t.bits}"
    all_args = list(args) + list(extra)
    f = declare(ctx.module, f"llvm.{name}.{suffix}", ty, [a.type for a in all_args])
    return ctx.builder.call(f, all_args)


def _unary_intr(name: str) -> Callable[[Ctx, list[TV]], TV]:
    return lambda ctx, a: TV(_intr(ctx, name, a[0].t, [a[0].v]), a[0].t)


# --- min / max / clamp ----------------------------------------------------------------
def _fminmax(ctx: Ctx, a: TV, c: TV, is_min: bool) -> ir.Value:
    b = ctx.builder
    less = b.fcmp_ordered("<", a.v, c.v)
    more = b.fcmp_ordered(">", a.v, c.v)
    # Equal values (or a NaN): combine the bits. For equal nonzero values the bits are the
    # same; for -0.0 and 0.0, OR gives -0.0 (min) and AND gives 0.0 (max).
    ib = T.bits_type(a.t)
    ab, cb = b.bitcast(a.v, ib), b.bitcast(c.v, ib)
    tie = b.bitcast(b.or_(ab, cb) if is_min else b.and_(ab, cb), a.v.type)
    first, second = (less, more) if is_min else (more, less)
    r = b.select(first, a.v, b.select(second, c.v, tie))
    # One NaN operand gives the other operand; two give NaN (c).
    r = b.select(b.fcmp_unordered("uno", c.v, c.v), a.v, r)
    return b.select(b.fcmp_unordered("uno", a.v, a.v), c.v, r)


def minmax(ctx: Ctx, a: TV, c: TV, is_min: bool) -> ir.Value:
    if a.t.is_float:
        return _fminmax(ctx, a, c, is_min)
    name = ("s" if a.t.is_signed else "u") + ("min" if is_min else "max")
    return _intr(ctx, name, a.t, [a.v, c.v])


def _min(ctx: Ctx, a: list[TV]) -> TV:
    return TV(minmax(ctx, a[0], a[1], True), a[0].t)


def _max(ctx: Ctx, a: list[TV]) -> TV:
    return TV(minmax(ctx, a[0], a[1], False), a[0].t)


def _clamp(ctx: Ctx, a: list[TV]) -> TV:
    x, lo, hi = a
    lower = TV(minmax(ctx, x, lo, False), x.t)
    return TV(minmax(ctx, lower, hi, True), x.t)


# --- sign, abs, select ----------------------------------------------------------------
def _abs(ctx: Ctx, a: list[TV]) -> TV:
    x = a[0]
    if x.t.is_float:
        return TV(_intr(ctx, "fabs", x.t, [x.v]), x.t)
    if not x.t.is_signed:
        return x
    b = ctx.builder
    neg = b.sub(ir.Constant(x.v.type, 0), x.v)  # wraps: abs(MIN) == MIN
    return TV(b.select(b.icmp_signed("<", x.v, ir.Constant(x.v.type, 0)), neg, x.v), x.t)


def _sign(ctx: Ctx, a: list[TV]) -> TV:
    x = a[0]
    b = ctx.builder
    ty = x.v.type
    if x.t.is_float:
        one, minus = ir.Constant(ty, 1.0), ir.Constant(ty, -1.0)
        zero = ir.Constant(ty, 0.0)
        r = b.select(b.fcmp_ordered("<", x.v, zero), minus, x.v)  # NaN and +-0 stay
        return TV(b.select(b.fcmp_ordered(">", x.v, zero), one, r), x.t)
    zero = ir.Constant(ty, 0)
    if not x.t.is_signed:
        return TV(b.zext(b.icmp_unsigned("!=", x.v, zero), ty), x.t)
    pos = b.zext(b.icmp_signed(">", x.v, zero), ty)
    neg = b.zext(b.icmp_signed("<", x.v, zero), ty)
    return TV(b.sub(pos, neg), x.t)


def _select(ctx: Ctx, a: list[TV]) -> TV:
    return TV(ctx.builder.select(a[0].v, a[1].v, a[2].v), a[1].t)


# --- float arithmetic -----------------------------------------------------------------
def _fma(ctx: Ctx, a: list[TV]) -> TV:
    return TV(_intr(ctx, "fma", a[0].t, [x.v for x in a]), a[0].t)


def _copysign(ctx: Ctx, a: list[TV]) -> TV:
    # The sign of a NaN is not specified (hardware differs), so a NaN y counts as positive.
    x, y = a
    b = ctx.builder
    signed = _intr(ctx, "copysign", x.t, [x.v, y.v])
    positive = _intr(ctx, "fabs", x.t, [x.v])
    return TV(b.select(b.fcmp_unordered("uno", y.v, y.v), positive, signed), x.t)


def _fract(ctx: Ctx, a: list[TV]) -> TV:
    x = a[0]
    return TV(ctx.builder.fsub(x.v, _intr(ctx, "floor", x.t, [x.v])), x.t)


def _is_nan(ctx: Ctx, a: list[TV]) -> TV:
    return TV(ctx.builder.fcmp_unordered("uno", a[0].v, a[0].v), BOOL)


def _is_inf(ctx: Ctx, a: list[TV]) -> TV:
    x = a[0]
    inf = ir.Constant(x.v.type, float("inf"))
    return TV(ctx.builder.fcmp_ordered("==", _intr(ctx, "fabs", x.t, [x.v]), inf), BOOL)


def _is_finite(ctx: Ctx, a: list[TV]) -> TV:
    x = a[0]
    inf = ir.Constant(x.v.type, float("inf"))
    return TV(ctx.builder.fcmp_ordered("<", _intr(ctx, "fabs", x.t, [x.v]), inf), BOOL)


# --- integer bits ---------------------------------------------------------------------
def _count_zeros(name: str) -> Callable[[Ctx, list[TV]], TV]:
    def lower(ctx: Ctx, a: list[TV]) -> TV:
        # is_zero_poison = false: clz(0) == ctz(0) == N.
        return TV(_intr(ctx, name, a[0].t, [a[0].v], [ir.Constant(T.I1, 0)]), a[0].t)

    return lower


def _mul_hi(ctx: Ctx, a: list[TV]) -> TV:
    x, y = a
    b = ctx.builder
    wide = ir.IntType(2 * x.t.bits)
    ext = b.sext if x.t.is_signed else b.zext
    p = b.mul(ext(x.v, wide), ext(y.v, wide))
    return TV(b.trunc(b.lshr(p, ir.Constant(wide, x.t.bits)), x.v.type), x.t)


def _rotate(name: str) -> Callable[[Ctx, list[TV]], TV]:
    def lower(ctx: Ctx, a: list[TV]) -> TV:
        # Funnel shifts take the amount modulo the bit width, as VIR0 rotates do.
        x, s = a
        return TV(_intr(ctx, name, x.t, [x.v, x.v, s.v]), x.t)

    return lower


_BUILTINS: dict[Builtin, Callable[[Ctx, list[TV]], TV]] = {
    Builtin.MIN: _min,
    Builtin.MAX: _max,
    Builtin.CLAMP: _clamp,
    Builtin.ABS: _abs,
    Builtin.SIGN: _sign,
    Builtin.SELECT: _select,
    Builtin.FMA: _fma,
    Builtin.SQRT: _unary_intr("sqrt"),
    Builtin.FLOOR: _unary_intr("floor"),
    Builtin.CEIL: _unary_intr("ceil"),
    Builtin.TRUNC: _unary_intr("trunc"),
    Builtin.ROUND: _unary_intr("roundeven"),
    Builtin.FRACT: _fract,
    Builtin.COPYSIGN: _copysign,
    Builtin.IS_NAN: _is_nan,
    Builtin.IS_INF: _is_inf,
    Builtin.IS_FINITE: _is_finite,
    Builtin.POPCOUNT: _unary_intr("ctpop"),
    Builtin.CLZ: _count_zeros("ctlz"),
    Builtin.CTZ: _count_zeros("cttz"),
    Builtin.REVERSE_BITS: _unary_intr("bitreverse"),
    Builtin.MUL_HI: _mul_hi,
    Builtin.ROTL: _rotate("fshl"),
    Builtin.ROTR: _rotate("fshr"),
}
