"""Barriers without threads: a workgroup as a sequence of regions (used by the host target).

Between two barriers, each invocation runs independently, so the code between barriers (a
*region*) becomes a loop over the workgroup's invocations, one after another.  Statements
that contain a barrier (``if``/``while``/``for``/``loop``) stay at the workgroup level: the
validator (V250) guarantees their conditions and ranges are uniform, so they are evaluated
once, with invocation 0's bindings.  Bindings get one slot per invocation (they may be read
after a barrier); ``return`` marks an invocation done; a ``break``/``continue`` of a
workgroup-level loop (uniform, again by V250) is taken after the region.
"""

from __future__ import annotations

from collections.abc import Sequence

from llvmlite import ir

from vyre.ir import nodes as n
from vyre.lower import types as T
from vyre.lower.context import Binding, Ctx, Lanes
from vyre.lower.expr import lower_expr
from vyre.lower.stmt import lower_stmt, typed

ZERO = ir.Constant(T.I32, 0)


def has_barrier(stmts: Sequence[n.Stmt]) -> bool:
    """True when a barrier() occurs anywhere in ``stmts``."""
    for s in stmts:
        if isinstance(s, n.Barrier):
            return True
        for name in n.BLOCK_FIELDS.get(type(s), ()):
            if has_barrier(getattr(s, name)):
                return True
    return False


def lower_body(ctx: Ctx, body: Sequence[n.Stmt]) -> None:
    """Lower a kernel body with barriers for one workgroup, invocations in lid order."""
    size = ctx.kernel.invocations_per_workgroup
    b = ctx.builder
    remaining = ctx.alloca(T.I32, name="remaining")
    request = ctx.alloca(T.I8, name="request")
    exit_block = ctx.new_block("workgroup.end")
    ctx.lanes = Lanes(size, ZERO, None, remaining, request, exit_block)
    done = ctx.lanes.done = ctx.lane_array(T.I8, "done")
    b.store(ir.Constant(ir.ArrayType(T.I8, size), None), done)
    b.store(ir.Constant(T.I32, size), remaining)
    b.store(ir.Constant(T.I8, 0), request)
    _set_lid(ctx, ZERO)
    _block(ctx, body)
    if not b.block.is_terminated:
        b.branch(exit_block)
    b.position_at_end(exit_block)


def _block(ctx: Ctx, stmts: Sequence[n.Stmt]) -> None:
    ctx.scopes.append({})
    run: list[n.Stmt] = []
    for s in stmts:
        if isinstance(s, n.Barrier) or has_barrier([s]):
            _region(ctx, run)
            run = []
            if not isinstance(s, n.Barrier):
                _STRUCTURED[type(s)](ctx, s)
        else:
            run.append(s)
    _region(ctx, run)
    ctx.scopes.pop()


def _set_lid(ctx: Ctx, linear: ir.Value) -> None:
    b = ctx.builder
    wx, wy, _ = ctx.kernel.workgroup3
    cx, cy, cxy = (ir.Constant(T.I32, v) for v in (wx, wy, wx * wy))
    ctx.ids[("lid", 0)] = b.urem(linear, cx) if wx > 1 else ZERO
    ctx.ids[("lid", 1)] = b.urem(b.udiv(linear, cx), cy) if wy > 1 else ZERO
    ctx.ids[("lid", 2)] = b.udiv(linear, cxy) if ctx.kernel.workgroup3[2] > 1 else ZERO


def _region(ctx: Ctx, stmts: Sequence[n.Stmt]) -> None:
    """Run ``stmts`` for each invocation that has not returned, then act on requests."""
    if not stmts or ctx.builder.block.is_terminated:
        return
    lanes = ctx.lanes
    assert lanes is not None
    b = ctx.builder
    pre = b.block
    head, body, nxt, out = (ctx.new_block(f"lane.{x}") for x in ("head", "body", "next", "out"))
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(T.I32, name="lane")
    i.add_incoming(ZERO, pre)
    flag = b.load(b.gep(lanes.done, [ZERO, i], inbounds=True), typ=T.I8)
    b.cbranch(b.icmp_unsigned("!=", flag, ir.Constant(T.I8, 0)), nxt, body)

    b.position_at_end(body)
    lanes.index, lanes.next_lane, lanes.depth = i, nxt, len(ctx.loops)
    _set_lid(ctx, i)
    for s in stmts:
        lower_stmt(ctx, s)
    if not b.block.is_terminated:
        b.branch(nxt)
    lanes.index, lanes.next_lane = ZERO, None
    b.position_at_end(nxt)
    step = b.add(i, ir.Constant(T.I32, 1))
    i.add_incoming(step, nxt)
    b.cbranch(b.icmp_unsigned("<", step, ir.Constant(T.I32, lanes.size)), head, out)

    b.position_at_end(out)
    _set_lid(ctx, ZERO)
    live = ctx.new_block("lane.live")
    b.cbranch(b.icmp_unsigned("==", b.load(lanes.remaining, typ=T.I32), ZERO), lanes.exit, live)
    b.position_at_end(live)
    if ctx.loops:
        req = b.load(lanes.request, typ=T.I8)
        b.store(ir.Constant(T.I8, 0), lanes.request)
        after = ctx.new_block("lane.after")
        cont, brk = ctx.loops[-1]
        switch = b.switch(req, after)
        switch.add_case(ir.Constant(T.I8, 1), brk)
        switch.add_case(ir.Constant(T.I8, 2), cont)
        b.position_at_end(after)


def _uniform(ctx: Ctx, e: n.Expr) -> ir.Value:
    # Uniform by V250: any invocation's value will do; invocation 0's is at hand.
    return lower_expr(ctx, e).v


def _if(ctx: Ctx, s: n.If) -> None:
    b = ctx.builder
    then, other, end = ctx.new_block("wg.then"), ctx.new_block("wg.else"), ctx.new_block("wg.endif")
    b.cbranch(_uniform(ctx, s.cond), then, other)
    for block, stmts in ((then, s.then), (other, s.orelse)):
        b.position_at_end(block)
        _block(ctx, stmts)
        if not b.block.is_terminated:
            b.branch(end)
    b.position_at_end(end)


def _loop_body(ctx: Ctx, stmts: Sequence[n.Stmt], again: ir.Block, done: ir.Block) -> None:
    ctx.loops.append((again, done))
    try:
        _block(ctx, stmts)
    finally:
        ctx.loops.pop()
    if not ctx.builder.block.is_terminated:
        ctx.builder.branch(again)


def _while(ctx: Ctx, s: n.While) -> None:
    b = ctx.builder
    head, body, done = ctx.new_block("wg.while"), ctx.new_block("wg.body"), ctx.new_block("wg.endwhile")
    b.branch(head)
    b.position_at_end(head)
    b.cbranch(_uniform(ctx, s.cond), body, done)
    b.position_at_end(body)
    _loop_body(ctx, s.body, head, done)
    b.position_at_end(done)


def _loop(ctx: Ctx, s: n.Loop) -> None:
    b = ctx.builder
    body, done = ctx.new_block("wg.loop"), ctx.new_block("wg.endloop")
    b.branch(body)
    b.position_at_end(body)
    _loop_body(ctx, s.body, body, done)
    b.position_at_end(done)


def _for(ctx: Ctx, s: n.For) -> None:
    """A workgroup-level for: the same exact counting as stmt._for, with a shared counter."""
    b = ctx.builder
    start = lower_expr(ctx, s.start)
    t = start.t
    end = typed(ctx, t, s.end)
    step = typed(ctx, t, s.step) if s.step is not None else None
    ty = T.value_type(t)
    step_v = step.v if step is not None else T.const(t, 1)
    slot = ctx.alloca(ty, name=s.var)
    b.store(start.v, slot)
    body, latch, done = ctx.new_block("wg.for"), ctx.new_block("wg.fornext"), ctx.new_block("wg.endfor")
    lt = b.icmp_signed if t.is_signed else b.icmp_unsigned
    runs = b.and_(lt(">", step_v, ir.Constant(ty, 0)), lt("<", start.v, end.v))
    b.cbranch(runs, body, done)
    b.position_at_end(body)
    ctx.scopes.append({s.var: Binding(slot, t, mutable=True)})  # read-only: V2xx forbids assignment
    try:
        _loop_body(ctx, s.body, latch, done)
    finally:
        ctx.scopes.pop()
    b.position_at_end(latch)
    v = b.load(slot, typ=ty)
    more = b.icmp_unsigned(">", b.sub(end.v, v), step_v)
    nxt = b.add(v, step_v)
    b.store(nxt, slot)
    b.cbranch(more, body, done)
    b.position_at_end(done)


_STRUCTURED = {n.If: _if, n.While: _while, n.Loop: _loop, n.For: _for}
