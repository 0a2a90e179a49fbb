"""Bounds-checked memory access: loads, stores and atomics on buffers and shared arrays.

Every access compares its index with the length first and only then forms an ``inbounds``
address, so out-of-bounds loads read nothing and give zero, stores are dropped and atomics
are dropped and give zero (docs/semantics.md section 7).  Host-mapped buffers are accessed
with relaxed system-scope atomic loads and stores, so a loop polling one keeps its loads
after optimisation and sees what the host writes.
"""

from __future__ import annotations

from llvmlite import ir

from vyre.ir import nodes as n
from vyre.ir.ops import AtomicOp, MemOrder, Placement, ScalarType
from vyre.lower import types as T
from vyre.lower.context import TV, BufferRef, Ctx
from vyre.lower.hooks import LLVM_ORDER

# cmpxchg's failure ordering may not contain a release.
_FAIL_ORDER = {
    MemOrder.RELAXED: "monotonic", MemOrder.RELEASE: "monotonic", MemOrder.ACQUIRE: "acquire",
    MemOrder.ACQ_REL: "acquire", MemOrder.SEQ_CST: "seq_cst",
}
# An atomic load cannot release: release reads as relaxed, acq_rel as acquire.
_LOAD_ORDER = {
    MemOrder.RELAXED: "monotonic", MemOrder.RELEASE: "monotonic", MemOrder.ACQUIRE: "acquire",
    MemOrder.ACQ_REL: "acquire", MemOrder.SEQ_CST: "seq_cst",
}
# VIR0 atomic -> LLVM atomicrmw operation, by element kind (s: signed, u: unsigned, f: float).
_RMW = {
    AtomicOp.ADD: {"s": "add", "u": "add", "f": "fadd"},
    AtomicOp.SUB: {"s": "sub", "u": "sub", "f": "fsub"},
    AtomicOp.AND: {"s": "and", "u": "and"},
    AtomicOp.OR: {"s": "or", "u": "or"},
    AtomicOp.XOR: {"s": "xor", "u": "xor"},
    AtomicOp.MIN: {"s": "min", "u": "umin"},
    AtomicOp.MAX: {"s": "max", "u": "umax"},
    AtomicOp.EXCHANGE: {"s": "xchg", "u": "xchg", "f": "xchg"},
    AtomicOp.STORE: {"s": "xchg", "u": "xchg", "f": "xchg"},  # returns the old value
}


def _index64(ctx: Ctx, idx: TV) -> ir.Value:
    """The index as i64, so that any integer type compares mathematically with the length."""
    b = ctx.builder
    if idx.t.bits == 64:
        return idx.v  # an unsigned compare sends negative i64 indices out of bounds
    return b.sext(idx.v, T.I64) if idx.t.is_signed else b.zext(idx.v, T.I64)


def _guard(ctx: Ctx, buf: BufferRef, idx: TV, tag: str) -> tuple[ir.Value, ir.Block]:
    """Branch on the bounds check and enter the in-bounds block; returns the element's
    address and the block where both paths meet."""
    b = ctx.builder
    i64 = _index64(ctx, idx)
    ok = b.icmp_unsigned("<", i64, b.zext(buf.length, T.I64))
    inside = ctx.new_block(f"{tag}.{buf.name}.in")
    merge = ctx.new_block(f"{tag}.{buf.name}.end")
    b.cbranch(ok, inside, merge)
    b.position_at_end(inside)
    ptr = b.gep(buf.ptr, [i64], inbounds=True, source_etype=T.value_type(buf.elem))
    return ptr, merge


def _store_atomic(b: ir.IRBuilder, value: ir.Value, ptr: ir.Value, order: str, align: int) -> None:
    # IRBuilder.store_atomic checks the pointee type, which opaque pointers do not have.
    b._insert(ir.instructions.StoreAtomicInstr(b.block, value, ptr, order, align))


def _align(t: ScalarType) -> int:
    return t.bits // 8


def _join(ctx: Ctx, value: ir.Value, t: ScalarType, before: ir.Block, merge: ir.Block) -> TV:
    """Finish the in-bounds block with ``value``; zero on the out-of-bounds path."""
    b = ctx.builder
    inside = b.block
    b.branch(merge)
    b.position_at_end(merge)
    phi = b.phi(T.value_type(t))
    phi.add_incoming(value, inside)
    phi.add_incoming(T.zero(t), before)
    return TV(phi, t)


def load(ctx: Ctx, name: str, idx: TV) -> TV:
    """``name[idx]``, zero when out of bounds."""
    buf = ctx.buffer(name)
    before = ctx.builder.block
    ptr, merge = _guard(ctx, buf, idx, "load")
    ty = T.value_type(buf.elem)
    if buf.placement is Placement.HOST:
        v = ctx.builder.load_atomic(ptr, "monotonic", _align(buf.elem), typ=ty)
    else:
        v = ctx.builder.load(ptr, typ=ty)
    return _join(ctx, v, buf.elem, before, merge)


def store(ctx: Ctx, name: str, idx: TV, value: TV) -> None:
    """``name[idx] = value``, dropped when out of bounds."""
    buf = ctx.buffer(name)
    ptr, merge = _guard(ctx, buf, idx, "store")
    if buf.placement is Placement.HOST:
        _store_atomic(ctx.builder, value.v, ptr, "monotonic", _align(buf.elem))
    else:
        ctx.builder.store(value.v, ptr)
    ctx.builder.branch(merge)
    ctx.builder.position_at_end(merge)


def atomic(ctx: Ctx, e: n.Atomic) -> TV:
    """An atomic on ``e.buffer[e.index]``; returns the old value, or zero when out of bounds."""
    from vyre.lower.expr import lower_expr

    buf = ctx.buffer(e.buffer)
    idx = lower_expr(ctx, e.index)
    args = [lower_expr(ctx, a) for a in e.args]
    b = ctx.builder
    before = b.block
    ptr, merge = _guard(ctx, buf, idx, "atomic")
    t = buf.elem
    ss = ctx.hooks.syncscope(buf.scope)
    scoped = f'syncscope("{ss}") ' if ss else ""
    if e.op is AtomicOp.LOAD:
        old = b.load_atomic(ptr, scoped + _LOAD_ORDER[e.order], _align(t), typ=T.value_type(t))
    elif e.op is AtomicOp.COMPARE_EXCHANGE:
        pair = b.cmpxchg(ptr, args[0].v, args[1].v, scoped + LLVM_ORDER[e.order], _FAIL_ORDER[e.order])
        old = b.extract_value(pair, 0)
    else:
        kind = "f" if t.is_float else "s" if t.is_signed else "u"
        op = _RMW[e.op][kind]
        old = ctx.hooks.atomic_rmw(ctx, op, ptr, args[0], e.order, buf.scope, buf.placement is None)
    return _join(ctx, old, t, before, merge)
