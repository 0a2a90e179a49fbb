"""Expression lowering: one small function per node type and per operator, in tables.

No instruction here carries nsw/nuw/exact or fast-math flags, and every operation whose
LLVM form has undefined or poison cases (division, shifts, float-to-int) is guarded so it
produces exactly the result docs/semantics.md defines.
"""

from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir

from vyre.errors import LoweringError
from vyre.ir import nodes as n
from vyre.ir.ops import BinOp, IdKind, ScalarType, UnOp
from vyre.lower import types as T
from vyre.lower.context import TV, Ctx

BOOL = ScalarType.BOOL


def lower_expr(ctx: Ctx, e: n.Expr) -> TV:
    """Lower expression ``e`` at the builder's position."""
    fn = _EXPR.get(type(e))
    if fn is None:
        raise LoweringError(
            f"cannot lower the expression {type(e).__name__} ({e!r})",
            code="V514",
            fix="this construct is not supported by the LLVM backends; use cpu_ref",
            span=getattr(e, "span", None),
        )
    return fn(ctx, e)


# --- leaves ---------------------------------------------------------------------------
def _lit(ctx: Ctx, e: n.Lit) -> TV:
    t = e.type
    if t is None:  # resolve() types every literal; this keeps unresolved input usable
        t = BOOL if isinstance(e.value, bool) else ScalarType.F32 if isinstance(e.value, float) else ScalarType.U32
    return TV(T.const(t, e.value), t)


def _ref(ctx: Ctx, e: n.Ref) -> TV:
    b = ctx.lookup(e.name)
    if b.mutable or b.lanes:
        return TV(ctx.builder.load(ctx.slot(b), typ=T.value_type(b.type)), b.type)
    return TV(b.value, b.type)


def _thread_id(ctx: Ctx, e: n.ThreadId) -> TV:
    u32 = ScalarType.U32
    if e.kind is IdKind.GID:
        # gid = wid * workgroup + lid, wrapping like every u32 operation.
        size = ir.Constant(T.I32, ctx.kernel.workgroup3[e.axis])
        wid = ctx.hooks.thread_id(ctx, IdKind.WID, e.axis)
        lid = ctx.hooks.thread_id(ctx, IdKind.LID, e.axis)
        return TV(ctx.builder.add(ctx.builder.mul(wid, size), lid), u32)
    return TV(ctx.hooks.thread_id(ctx, e.kind, e.axis), u32)


def _len(ctx: Ctx, e: n.Len) -> TV:
    return TV(ctx.buffer(e.buffer).length, ScalarType.U32)


def _load(ctx: Ctx, e: n.Load) -> TV:
    from vyre.lower.memory import load

    return load(ctx, e.buffer, lower_expr(ctx, e.index))


def _atomic(ctx: Ctx, e: n.Atomic) -> TV:
    from vyre.lower.memory import atomic

    return atomic(ctx, e)


def _call(ctx: Ctx, e: n.Call) -> TV:
    from vyre.lower.builtins import call

    return call(ctx, e.fn, [lower_expr(ctx, a) for a in e.args])


# --- unary ----------------------------------------------------------------------------
def _unary(ctx: Ctx, e: n.Unary) -> TV:
    a = lower_expr(ctx, e.operand)
    b = ctx.builder
    if e.op is UnOp.NEG:
        if a.t.is_float:
            return TV(b.fneg(a.v), a.t)  # flips the sign bit, also of 0 and NaN
        return TV(b.sub(ir.Constant(a.v.type, 0), a.v), a.t)
    if e.op in (UnOp.NOT, UnOp.BITNOT):
        return TV(b.not_(a.v), a.t)
    raise LoweringError(f"cannot lower unary operator '{e.op.value}'", code="V514",
                        fix="use a supported operator", span=e.span)


# --- binary ---------------------------------------------------------------------------
def _binary(ctx: Ctx, e: n.Binary) -> TV:
    return binary(ctx, e.op, lower_expr(ctx, e.lhs), lower_expr(ctx, e.rhs))


def binary(ctx: Ctx, op: BinOp, a: TV, c: TV) -> TV:
    """``a op c`` for two values of the same type (also used by compound assignment)."""
    if a.t is not c.t:
        raise LoweringError(
            f"the operands of '{op.value}' have different types ({a.t} and {c.t})",
            code="V514",
            fix="lower a validated, resolved kernel (vyre.ir.validate, then vyre.ir.infer.resolve)",
        )
    if op is BinOp.REM and a.t.is_float:
        return TV(ctx.hooks.fmod(ctx, a, c), a.t)  # C fmod: a library call on both targets
    kind = "f" if a.t.is_float else "b" if a.t is BOOL else "s" if a.t.is_signed else "u"
    fn = _BINARY.get((op, kind))
    if fn is None:
        raise LoweringError(
            f"cannot lower '{op.value}' on {a.t} operands",
            code="V514",
            fix="validate the module first; this operator is not defined for this type",
        )
    v = fn(ctx.builder, a, c)
    return TV(v, BOOL if op.is_comparison else a.t)


def _int_min(t: ScalarType) -> ir.Constant:
    return ir.Constant(T.value_type(t), -(1 << (t.bits - 1)))


def _div(b: ir.IRBuilder, a: TV, c: TV) -> ir.Value:
    ty = a.v.type
    zero, one = ir.Constant(ty, 0), ir.Constant(ty, 1)
    by_zero = b.icmp_unsigned("==", c.v, zero)
    bad = by_zero
    if a.t.is_signed:
        # MIN / -1 overflows; dividing by 1 instead gives the wrapped quotient MIN.
        overflow = b.and_(b.icmp_signed("==", a.v, _int_min(a.t)), b.icmp_signed("==", c.v, ir.Constant(ty, -1)))
        bad = b.or_(by_zero, overflow)
    safe = b.select(bad, one, c.v)
    q = b.sdiv(a.v, safe) if a.t.is_signed else b.udiv(a.v, safe)
    return b.select(by_zero, zero, q)


def _rem(b: ir.IRBuilder, a: TV, c: TV) -> ir.Value:
    ty = a.v.type
    zero, one = ir.Constant(ty, 0), ir.Constant(ty, 1)
    by_zero = b.icmp_unsigned("==", c.v, zero)
    bad = by_zero
    if a.t.is_signed:
        # MIN % -1 is 0, which is also MIN % 1.
        bad = b.or_(by_zero, b.icmp_signed("==", c.v, ir.Constant(ty, -1)))
    safe = b.select(bad, one, c.v)
    r = b.srem(a.v, safe) if a.t.is_signed else b.urem(a.v, safe)
    return b.select(by_zero, a.v, r)


def _shift_amount(b: ir.IRBuilder, a: TV, c: TV) -> ir.Value:
    return b.and_(c.v, ir.Constant(c.v.type, a.t.bits - 1))


_Fn = Callable[[ir.IRBuilder, TV, TV], ir.Value]
_CMP = {BinOp.EQ: "==", BinOp.NE: "!=", BinOp.LT: "<", BinOp.LE: "<=", BinOp.GT: ">", BinOp.GE: ">="}
_BINARY: dict[tuple[BinOp, str], _Fn] = {}

for _k in "su":
    _BINARY.update({
        (BinOp.ADD, _k): lambda b, a, c: b.add(a.v, c.v),
        (BinOp.SUB, _k): lambda b, a, c: b.sub(a.v, c.v),
        (BinOp.MUL, _k): lambda b, a, c: b.mul(a.v, c.v),
        (BinOp.DIV, _k): _div,
        (BinOp.REM, _k): _rem,
        (BinOp.AND, _k): lambda b, a, c: b.and_(a.v, c.v),
        (BinOp.OR, _k): lambda b, a, c: b.or_(a.v, c.v),
        (BinOp.XOR, _k): lambda b, a, c: b.xor(a.v, c.v),
        (BinOp.SHL, _k): lambda b, a, c: b.shl(a.v, _shift_amount(b, a, c)),
    })
_BINARY[(BinOp.SHR, "s")] = lambda b, a, c: b.ashr(a.v, _shift_amount(b, a, c))
_BINARY[(BinOp.SHR, "u")] = lambda b, a, c: b.lshr(a.v, _shift_amount(b, a, c))
for _op, _s in _CMP.items():
    _BINARY[(_op, "s")] = lambda b, a, c, s=_s: b.icmp_signed(s, a.v, c.v)
    _BINARY[(_op, "u")] = lambda b, a, c, s=_s: b.icmp_unsigned(s, a.v, c.v)
    # Ordered compares are false on NaN; != is the unordered one, true on NaN.
    _BINARY[(_op, "f")] = (lambda b, a, c, s=_s: b.fcmp_unordered(s, a.v, c.v)) if _op is BinOp.NE \
        else (lambda b, a, c, s=_s: b.fcmp_ordered(s, a.v, c.v))
_BINARY.update({
    (BinOp.ADD, "f"): lambda b, a, c: b.fadd(a.v, c.v),
    (BinOp.SUB, "f"): lambda b, a, c: b.fsub(a.v, c.v),
    (BinOp.MUL, "f"): lambda b, a, c: b.fmul(a.v, c.v),
    (BinOp.DIV, "f"): lambda b, a, c: b.fdiv(a.v, c.v),
    (BinOp.EQ, "b"): lambda b, a, c: b.icmp_unsigned("==", a.v, c.v),
    (BinOp.NE, "b"): lambda b, a, c: b.icmp_unsigned("!=", a.v, c.v),
    (BinOp.AND, "b"): lambda b, a, c: b.and_(a.v, c.v),
    (BinOp.OR, "b"): lambda b, a, c: b.or_(a.v, c.v),
    (BinOp.XOR, "b"): lambda b, a, c: b.xor(a.v, c.v),
    # Both sides are evaluated: expressions have no side effects and loads never fault.
    (BinOp.LAND, "b"): lambda b, a, c: b.and_(a.v, c.v),
    (BinOp.LOR, "b"): lambda b, a, c: b.or_(a.v, c.v),
})


# --- conversions ----------------------------------------------------------------------
def _cast(ctx: Ctx, e: n.Cast) -> TV:
    return cast(ctx, lower_expr(ctx, e.operand), e.type)


def cast(ctx: Ctx, a: TV, to: ScalarType) -> TV:
    """The value conversion ``to(a)`` of docs/semantics.md section 6."""
    b = ctx.builder
    src, ty = a.t, T.value_type(to)
    if src is to:
        return a
    if to is BOOL:
        if src.is_float:
            return TV(b.fcmp_unordered("!=", a.v, ir.Constant(a.v.type, 0.0)), BOOL)  # NaN -> true
        return TV(b.icmp_unsigned("!=", a.v, ir.Constant(a.v.type, 0)), BOOL)
    if src is BOOL:
        if to.is_float:
            return TV(b.uitofp(a.v, ty), to)
        return TV(b.zext(a.v, ty), to)
    if src.is_int and to.is_int:
        if to.bits < src.bits:
            return TV(b.trunc(a.v, ty), to)
        if to.bits > src.bits:
            return TV(b.sext(a.v, ty) if src.is_signed else b.zext(a.v, ty), to)
        return TV(a.v, to)
    if src.is_int:  # to float
        return TV(b.sitofp(a.v, ty) if src.is_signed else b.uitofp(a.v, ty), to)
    if to.is_int:  # float to int saturates, NaN -> 0
        name = f"llvm.fpto{'s' if to.is_signed else 'u'}i.sat.i{to.bits}.{_fsuffix(src)}"
        fn = _intrinsic(ctx, name, ty, [a.v.type])
        return TV(b.call(fn, [a.v]), to)
    if to.bits < src.bits:
        return TV(b.fptrunc(a.v, ty), to)
    return TV(b.fpext(a.v, ty), to)


def _bitcast(ctx: Ctx, e: n.Bitcast) -> TV:
    a = lower_expr(ctx, e.operand)
    b = ctx.builder
    to = e.type
    if a.t.is_float:
        bits = b.bitcast(a.v, T.bits_type(a.t))
        # Every NaN becomes the canonical quiet NaN, so payloads are never observable.
        canon = ir.Constant(bits.type, 0x7FC00000 if a.t.bits == 32 else 0x7FF8000000000000)
        bits = b.select(b.fcmp_unordered("uno", a.v, a.v), canon, bits)
        return TV(bits if to.is_int else b.bitcast(bits, T.value_type(to)), to)
    return TV(b.bitcast(a.v, T.value_type(to)) if to.is_float else a.v, to)


def _fsuffix(t: ScalarType) -> str:
    return "f32" if t is ScalarType.F32 else "f64"


def _intrinsic(ctx: Ctx, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
    from vyre.lower.hooks import declare

    return declare(ctx.module, name, ret, args)


_EXPR: dict[type, Callable[[Ctx, n.Expr], TV]] = {
    n.Lit: _lit,
    n.Ref: _ref,
    n.ThreadId: _thread_id,
    n.Len: _len,
    n.Load: _load,
    n.Unary: _unary,
    n.Binary: _binary,
    n.Cast: _cast,
    n.Bitcast: _bitcast,
    n.Call: _call,
    n.Atomic: _atomic,
}
