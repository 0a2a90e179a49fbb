"""Compile statements to closures ``run(dispatch)`` that execute all active lanes in lockstep.

Divergence is handled with the dispatch's active set: an ``if`` runs each branch on the
lanes that take it; ``break``/``continue``/``return`` take lanes out of the active set and
record them (``Dispatch.loop``, ``Dispatch.alive``) so the enclosing ``if``/loop knows who
comes back.  Whether a block *can* take lanes out is known statically, so blocks without
exits skip that bookkeeping.  Uniform conditions and uniform ``for`` bounds (numpy scalars)
run the plain Python control flow with no masks at all.

Executing statement by statement over every lane satisfies ``barrier()``: no lane starts
the statement after a barrier before every lane of its workgroup has finished the one
before it.  Fences order nothing further in lockstep execution.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from vyre.backends.cpu_ref import arith
from vyre.backends.cpu_ref.atomics import update_atomic
from vyre.backends.cpu_ref.dispatch import EMPTY, Dispatch, LoopMasks
from vyre.backends.cpu_ref.exprs import ExprCompiler, Scope, unsupported
from vyre.backends.cpu_ref.memory import scatter
from vyre.ir.nodes import (
    Assign,
    Atomic,
    Barrier,
    Break,
    Continue,
    Eval,
    Fence,
    For,
    If,
    Let,
    Loop,
    Return,
    Store,
    VarDecl,
    While,
)
from vyre.ir.ops import ScalarType

Run = Callable[[Dispatch], None]


# --- static exit analysis -------------------------------------------------------------------
def can_leave_iteration(block: Sequence[Any]) -> bool:
    """Whether ``block`` may `break` or `continue` the loop that encloses it."""
    for s in block:
        if isinstance(s, Break | Continue):
            return True
        if isinstance(s, If) and (can_leave_iteration(s.then) or can_leave_iteration(s.orelse)):
            return True
    return False


def can_return(block: Sequence[Any]) -> bool:
    for s in block:
        if isinstance(s, Return):
            return True
        if isinstance(s, If) and (can_return(s.then) or can_return(s.orelse)):
            return True
        if isinstance(s, For | While | Loop) and can_return(s.body):
            return True
    return False


def _is_scalar(v: Any) -> bool:
    return not isinstance(v, np.ndarray)


class StmtCompiler(ExprCompiler):
    """Turns a kernel body into one closure."""

    def block(self, stmts: Sequence[Any], scope: Scope) -> Run:
        inner = Scope(parent=scope)
        runs = [self.stmt(s, inner) for s in stmts]
        if len(runs) == 1:
            return runs[0]

        def run_block(d: Dispatch) -> None:
            for r in runs:
                if d.active is not None and len(d.active) == 0:
                    return
                r(d)

        return run_block

    def stmt(self, s: Any, scope: Scope) -> Run:
        method = _STMT_COMPILERS.get(type(s))
        if method is None:
            raise unsupported(f"the statement {type(s).__name__}")
        return method(self, s, scope)

    # --- bindings ---------------------------------------------------------------------
    def _declare(self, s: Let | VarDecl, scope: Scope) -> Run:
        value, t = self.compile(s.value, scope, s.type)
        if s.type is not None and s.type is not t:
            raise unsupported(f"'{s.name}: {s.type}' initialised with a {t} value")
        slot = self.new_slot(t)
        scope.names[s.name] = (slot, t)
        dtype = t.dtype

        def declare(d: Dispatch) -> None:
            d.write(slot, value(d), dtype, fresh=True)

        return declare

    def _assign(self, s: Assign, scope: Scope) -> Run:
        slot, t = scope.lookup(s.name)
        value, _ = self.compile(s.value, scope, t)
        dtype = t.dtype
        if s.op is not None:
            fn = arith.binary(s.op, t)
            rhs = value

            def value(d: Dispatch) -> Any:
                return fn(d.read(slot), rhs(d))

        def assign(d: Dispatch) -> None:
            d.write(slot, value(d), dtype, fresh=False)

        return assign

    def _store(self, s: Store, scope: Scope) -> Run:
        st = self._storage(s.buffer)
        t = st.elem
        index, _ = self.compile(s.index, scope, None)
        value, _ = self.compile(s.value, scope, t)
        slot = st.slot
        if s.op is not None:
            # `buf[i] op= v`: one load and one store, sharing the index
            fn = arith.binary(s.op, t)
            load_at = self.load_at(st, view=True)

            def store_op(d: Dispatch) -> None:
                i = index(d)
                _store_value(d, st, slot, i, fn(load_at(d, i), value(d)))

            return store_op

        def store(d: Dispatch) -> None:
            _store_value(d, st, slot, index(d), value(d))

        return store

    def _eval(self, s: Eval, scope: Scope) -> Run:
        if not isinstance(s.expr, Atomic):
            raise unsupported("an expression statement that is not an atomic")
        # nobody reads the old values of a statement's atomic: update in order, cheaper
        value = self.atomic(s.expr, scope, update_atomic)

        def run_eval(d: Dispatch) -> None:
            value(d)

        return run_eval

    # --- control flow -----------------------------------------------------------------
    def _if(self, s: If, scope: Scope) -> Run:
        cond, _ = self.compile(s.cond, scope, ScalarType.BOOL)
        then = self.block(s.then, scope)
        orelse = self.block(s.orelse, scope) if s.orelse else None
        exits = any(f(b) for f in (can_leave_iteration, can_return) for b in (s.then, s.orelse))

        def run_if(d: Dispatch) -> None:
            c = cond(d)
            if _is_scalar(c):
                if c:
                    then(d)
                elif orelse is not None:
                    orelse(d)
                return
            entry = d.active
            taken = int(np.count_nonzero(c))
            if taken == len(c):
                then(d)
                return
            if taken == 0:
                if orelse is not None:
                    orelse(d)
                return
            d.active = d.select(entry, c)
            then(d)
            if orelse is not None:
                d.active = d.select(entry, ~c)
                orelse(d)
            d.active = d.survivors(entry) if exits else entry

        return run_if

    def _loop_body(self, body: Sequence[Any], scope: Scope) -> tuple[Run, bool, bool]:
        return self.block(body, scope), can_leave_iteration(body), can_return(body)

    def _while(self, s: While | Loop, scope: Scope) -> Run:
        cond = self.compile(s.cond, scope, ScalarType.BOOL)[0] if isinstance(s, While) else None
        body, leaves, returns = self._loop_body(s.body, scope)

        def run_while(d: Dispatch) -> None:
            entry, outer = d.active, d.loop
            d.loop = LoopMasks(np.zeros(d.n, bool), np.zeros(d.n, bool)) if leaves else None
            cur = entry
            try:
                while True:
                    d.active = cur
                    if cond is not None:
                        cur = d.select(cur, cond(d))
                        if cur is not None and len(cur) == 0:
                            break
                        d.active = cur
                    body(d)
                    if leaves or returns:
                        cur = _next_iteration(d, cur)[0]
                        if cur is not None and len(cur) == 0:
                            break
            finally:
                d.loop = outer
            d.active = d.survivors(entry) if returns else entry

        return run_while

    def _for(self, s: For, scope: Scope) -> Run:
        start_hint = None
        if not self.has_own_type(s.start) and self.has_own_type(s.end):
            _, start_hint = self.compile(s.end, scope, None)
        start, t = self.compile(s.start, scope, start_hint)
        end, _ = self.compile(s.end, scope, t)
        step = self.compile(s.step, scope, t)[0] if s.step is not None else None
        one = t.dtype.type(1)
        inner = Scope(parent=scope)
        slot = self.new_slot(t)
        inner.names[s.var] = (slot, t)
        body, leaves, returns = self._loop_body(s.body, inner)
        dtype = t.dtype

        def run_for(d: Dispatch) -> None:
            lo, hi = start(d), end(d)
            by = step(d) if step is not None else one
            if not (leaves or returns) and _is_scalar(lo) and _is_scalar(hi) and _is_scalar(by):
                _uniform_for(d, slot, lo, hi, by, body)
                return
            _divergent_for(d, slot, dtype, lo, hi, by, body, leaves, returns)

        return run_for

    def _break(self, s: Break | Continue, scope: Scope) -> Run:
        is_break = isinstance(s, Break)

        def leave(d: Dispatch) -> None:
            loop = d.loop
            if loop is None:
                raise unsupported("`break` or `continue` outside a loop")
            lanes = slice(None) if d.active is None else d.active
            loop.stopped[lanes] = True
            if is_break:
                loop.broken[lanes] = True
            d.active = EMPTY

        return leave

    def _return(self, s: Return, scope: Scope) -> Run:
        def ret(d: Dispatch) -> None:
            if d.alive is None:
                d.alive = np.ones(d.n, dtype=bool)
            d.alive[slice(None) if d.active is None else d.active] = False
            d.active = EMPTY

        return ret

    def _nothing(self, s: Barrier | Fence, scope: Scope) -> Run:
        return lambda d: None


def _store_value(d: Dispatch, st: Any, slot: int, index: Any, value: Any) -> None:
    if st.shared:
        if d.is_own_shared_slot(index, st.size):
            d.shared[slot][: d.n] = value
            return
        base = d.workgroup_base(st.size)
        scatter(d.shared[slot], index, value, st.size, d.count(), base)
        return
    buf = d.buffers[slot]
    if index is d.iota and d.active is None and d.n <= len(buf):
        buf[: d.n] = value
        return
    scatter(buf, index, value, d.buffer_lens[slot], d.count())


def _next_iteration(d: Dispatch, cur: np.ndarray | None) -> tuple[np.ndarray | None, Any]:
    """The lanes that run the next iteration (not returned, not broken out), and the mask
    over ``cur`` that picks them (True when all of ``cur`` continue)."""
    mask: Any = True
    if d.alive is not None:
        mask = d.alive if cur is None else d.alive[cur]
    if d.loop is not None:
        mask = mask & ~(d.loop.broken if cur is None else d.loop.broken[cur])
    nxt = d.select(cur, mask)
    if d.loop is not None:
        d.loop.stopped[slice(None) if nxt is None else nxt] = False
    return nxt, mask


def _uniform_for(d: Dispatch, slot: int, lo: Any, hi: Any, by: Any, body: Run) -> None:
    if not by > 0:
        return
    entry = d.active
    v = lo
    while v < hi:
        d.slots[slot] = v
        d.active = entry
        body(d)
        nxt = v + by
        if nxt <= v:  # wrapped around: the mathematical value is past `hi`
            break
        v = nxt
    d.active = entry


def _divergent_for(d: Dispatch, slot: int, dtype: np.dtype, lo: Any, hi: Any, by: Any,
                   body: Run, leaves: bool, returns: bool) -> None:
    entry, outer = d.active, d.loop
    k = d.count()
    v, hi_, by_ = (np.broadcast_to(np.asarray(x, dtype), (k,)) for x in (lo, hi, by))
    ok = (by_ > 0) & (v < hi_)
    cur = d.select(entry, ok)
    if not ok.all():
        v, hi_, by_ = v[ok], hi_[ok], by_[ok]
    d.loop = LoopMasks(np.zeros(d.n, bool), np.zeros(d.n, bool)) if leaves else None
    try:
        while cur is None or len(cur):
            d.active = cur
            d.write(slot, v, dtype, fresh=True)
            body(d)
            if leaves or returns:
                cur, keep = _next_iteration(d, cur)
                if np.ndim(keep) == 1:
                    v, hi_, by_ = v[keep], hi_[keep], by_[keep]
            following = v + by_
            ok = (following > v) & (following < hi_)
            cur = d.select(cur, ok)
            v, hi_, by_ = following[ok], hi_[ok], by_[ok]
    finally:
        d.loop = outer
    d.active = d.survivors(entry) if returns else entry


_STMT_COMPILERS: dict[type, Callable[..., Run]] = {
    Let: StmtCompiler._declare,
    VarDecl: StmtCompiler._declare,
    Assign: StmtCompiler._assign,
    Store: StmtCompiler._store,
    Eval: StmtCompiler._eval,
    If: StmtCompiler._if,
    While: StmtCompiler._while,
    Loop: StmtCompiler._while,
    For: StmtCompiler._for,
    Break: StmtCompiler._break,
    Continue: StmtCompiler._break,
    Return: StmtCompiler._return,
    Barrier: StmtCompiler._nothing,
    Fence: StmtCompiler._nothing,
}
