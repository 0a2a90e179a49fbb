"""Statement lowering: a table from statement type to a small function.

Control flow is built from basic blocks; after ``break``, ``continue`` and ``return`` the
rest of a block is emitted into a fresh unreachable block that LLVM deletes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from llvmlite import ir

from vyre.errors import LoweringError
from vyre.ir import nodes as n
from vyre.ir.ops import ScalarType
from vyre.lower import types as T
from vyre.lower.context import TV, Binding, Ctx
from vyre.lower.expr import binary, cast, lower_expr
from vyre.lower.memory import load, store


def lower_block(ctx: Ctx, stmts: Sequence[n.Stmt]) -> None:
    """Lower a statement list in a new scope."""
    ctx.scopes.append({})
    try:
        for s in stmts:
            lower_stmt(ctx, s)
    finally:
        ctx.scopes.pop()


def lower_stmt(ctx: Ctx, s: n.Stmt) -> None:
    fn = _STMT.get(type(s))
    if fn is None:
        raise LoweringError(
            f"cannot lower the statement {type(s).__name__}",
            code="V514",
            fix="this construct is not supported by the LLVM backends; use cpu_ref",
            span=getattr(s, "span", None),
        )
    fn(ctx, s)


def typed(ctx: Ctx, declared: ScalarType | None, value: n.Expr) -> TV:
    v = lower_expr(ctx, value)
    # resolve() makes the two agree; a literal typed differently is converted exactly.
    return v if declared is None or declared is v.t else cast(ctx, v, declared)


def _let(ctx: Ctx, s: n.Let) -> None:
    v = typed(ctx, s.type, s.value)
    if ctx.lanes is not None:
        _bind_lanes(ctx, s.name, v, mutable=False)
    else:
        ctx.bind(s.name, Binding(v.v, v.t, mutable=False))


def _var(ctx: Ctx, s: n.VarDecl) -> None:
    v = typed(ctx, s.type, s.value)
    if ctx.lanes is not None:
        _bind_lanes(ctx, s.name, v, mutable=True)
        return
    slot = ctx.alloca(T.value_type(v.t), name=s.name)
    ctx.builder.store(v.v, slot)
    ctx.bind(s.name, Binding(slot, v.t, mutable=True))


def _bind_lanes(ctx: Ctx, name: str, v: TV, mutable: bool) -> None:
    # One slot per invocation: the binding may be read in a later region, after a barrier.
    assert ctx.lanes is not None
    array = ctx.lane_array(T.value_type(v.t), name)
    binding = Binding(array, v.t, mutable=mutable, lanes=True)
    ctx.bind(name, binding)
    ctx.builder.store(v.v, ctx.slot(binding))


def _assign(ctx: Ctx, s: n.Assign) -> None:
    b = ctx.lookup(s.name)
    v = lower_expr(ctx, s.value)
    slot = ctx.slot(b)
    if s.op is not None:
        old = TV(ctx.builder.load(slot, typ=T.value_type(b.type)), b.type)
        v = binary(ctx, s.op, old, v)
    ctx.builder.store(v.v, slot)


def _store(ctx: Ctx, s: n.Store) -> None:
    idx = lower_expr(ctx, s.index)
    v = lower_expr(ctx, s.value)
    if s.op is not None:
        v = binary(ctx, s.op, load(ctx, s.buffer, idx), v)
    store(ctx, s.buffer, idx, v)


def _if(ctx: Ctx, s: n.If) -> None:
    b = ctx.builder
    cond = lower_expr(ctx, s.cond).v
    then = ctx.new_block("if.then")
    other = ctx.new_block("if.else") if s.orelse else None
    end = ctx.new_block("if.end")
    b.cbranch(cond, then, other or end)
    b.position_at_end(then)
    lower_block(ctx, s.then)
    _branch(ctx, end)
    if other is not None:
        b.position_at_end(other)
        lower_block(ctx, s.orelse)
        _branch(ctx, end)
    b.position_at_end(end)


def _for(ctx: Ctx, s: n.For) -> None:
    """``for v in a..c step d``: runs while v < c, counted without wrap-around.

    The next value is taken only when ``c - v > d``, which (with ``d > 0`` and ``v < c``)
    is ``v + d < c`` computed without overflow; the difference of two values of the loop's
    type with ``v < c`` always fits its unsigned counterpart.
    """
    b = ctx.builder
    start = lower_expr(ctx, s.start)
    end = typed(ctx, start.t, s.end)
    t = start.t
    step = typed(ctx, t, s.step) if s.step is not None else TV(T.const(t, 1), t)
    ty = T.value_type(t)
    zero = ir.Constant(ty, 0)
    lt = b.icmp_signed if t.is_signed else b.icmp_unsigned
    runs = b.and_(lt(">", step.v, zero), lt("<", start.v, end.v))
    body = ctx.new_block("for.body")
    latch = ctx.new_block("for.next")
    done = ctx.new_block("for.end")
    slot = ctx.alloca(ty, name=s.var)
    b.store(start.v, slot)
    b.cbranch(runs, body, done)

    b.position_at_end(body)
    ctx.scopes.append({s.var: Binding(b.load(slot, typ=ty), t, mutable=False)})
    ctx.loops.append((latch, done))
    try:
        lower_block(ctx, s.body)
    finally:
        ctx.loops.pop()
        ctx.scopes.pop()
    _branch(ctx, latch)

    b.position_at_end(latch)
    v = b.load(slot, typ=ty)
    more = b.icmp_unsigned(">", b.sub(end.v, v), step.v)
    b.store(b.add(v, step.v), slot)
    b.cbranch(more, body, done)
    b.position_at_end(done)


def _while(ctx: Ctx, s: n.While) -> None:
    b = ctx.builder
    head, body, done = ctx.new_block("while.head"), ctx.new_block("while.body"), ctx.new_block("while.end")
    b.branch(head)
    b.position_at_end(head)
    b.cbranch(lower_expr(ctx, s.cond).v, body, done)
    b.position_at_end(body)
    _loop_body(ctx, s.body, head, done)
    b.position_at_end(done)


def _loop(ctx: Ctx, s: n.Loop) -> None:
    b = ctx.builder
    body, done = ctx.new_block("loop.body"), ctx.new_block("loop.end")
    b.branch(body)
    b.position_at_end(body)
    _loop_body(ctx, s.body, body, done)
    b.position_at_end(done)


def _loop_body(ctx: Ctx, stmts: Sequence[n.Stmt], again: ir.Block, done: ir.Block) -> None:
    ctx.loops.append((again, done))
    try:
        lower_block(ctx, stmts)
    finally:
        ctx.loops.pop()
    _branch(ctx, again)


def _jump(ctx: Ctx, target: ir.Block) -> None:
    ctx.builder.branch(target)
    ctx.builder.position_at_end(ctx.new_block("dead"))


def _break(ctx: Ctx, s: n.Break) -> None:
    target = _innermost(ctx, s)[1]
    if not _leave_region(ctx, 1):
        _jump(ctx, target)


def _continue(ctx: Ctx, s: n.Continue) -> None:
    target = _innermost(ctx, s)[0]
    if not _leave_region(ctx, 2):
        _jump(ctx, target)


def _leave_region(ctx: Ctx, request: int) -> bool:
    """A break/continue whose loop encloses the current barrier region: ask the workgroup
    level to take it after every invocation's turn (it is uniform, so all ask)."""
    lanes = ctx.lanes
    if lanes is None or lanes.next_lane is None or len(ctx.loops) != lanes.depth:
        return False
    ctx.builder.store(ir.Constant(T.I8, request), lanes.request)
    _jump(ctx, lanes.next_lane)
    return True


def _innermost(ctx: Ctx, s: n.Stmt) -> tuple[ir.Block, ir.Block]:
    if not ctx.loops:
        raise LoweringError(
            f"'{type(s).__name__.lower()}' outside a loop",
            code="V514",
            fix="validate the module first (vyre.ir.validate.validate)",
            span=s.span,
        )
    return ctx.loops[-1]


def _return(ctx: Ctx, s: n.Return) -> None:
    lanes = ctx.lanes
    if lanes is not None and lanes.next_lane is not None:
        # This invocation is finished: later regions skip it.
        b = ctx.builder
        flag = b.gep(lanes.done, [ir.Constant(T.I32, 0), lanes.index], inbounds=True)
        b.store(ir.Constant(T.I8, 1), flag)
        b.store(b.sub(b.load(lanes.remaining, typ=T.I32), ir.Constant(T.I32, 1)), lanes.remaining)
        _jump(ctx, lanes.next_lane)
        return
    ctx.builder.ret_void()
    ctx.builder.position_at_end(ctx.new_block("dead"))


def _barrier(ctx: Ctx, s: n.Barrier) -> None:
    ctx.hooks.barrier(ctx)


def _fence(ctx: Ctx, s: n.Fence) -> None:
    ctx.hooks.fence(ctx, s.order, s.scope)


def _eval(ctx: Ctx, s: n.Eval) -> None:
    lower_expr(ctx, s.expr)


def _branch(ctx: Ctx, target: ir.Block) -> None:
    if not ctx.builder.block.is_terminated:
        ctx.builder.branch(target)


_STMT: dict[type, Callable[[Ctx, n.Stmt], None]] = {
    n.Let: _let,
    n.VarDecl: _var,
    n.Assign: _assign,
    n.Store: _store,
    n.If: _if,
    n.For: _for,
    n.While: _while,
    n.Loop: _loop,
    n.Break: _break,
    n.Continue: _continue,
    n.Return: _return,
    n.Barrier: _barrier,
    n.Fence: _fence,
    n.Eval: _eval,
}
