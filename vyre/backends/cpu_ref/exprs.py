"""Compile expressions to closures ``fn(dispatch) -> value`` (typed once, run many times).

Types are computed while compiling, bottom-up.  Kernels reach the backend type-resolved
(every literal typed), but an unsuffixed literal still gets the type its context gives it
(docs/semantics.md 1), so hand-built IR runs too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vyre.backends.cpu_ref import arith, builtins, convert
from vyre.backends.cpu_ref.atomics import run_atomic
from vyre.backends.cpu_ref.dispatch import Dispatch
from vyre.backends.cpu_ref.memory import checked_index, gather
from vyre.errors import BackendError
from vyre.ir.nodes import (
    Atomic,
    Binary,
    Bitcast,
    Buffer,
    Call,
    Cast,
    Kernel,
    Len,
    Lit,
    Load,
    Ref,
    Shared,
    ThreadId,
    Unary,
)
from vyre.ir.ops import (
    DEFAULT_FLOAT,
    DEFAULT_INT,
    INDEX_TYPE,
    ScalarType,
    Sig,
    UnOp,
)

Ev = Callable[[Dispatch], Any]


@dataclass(frozen=True)
class Storage:
    """Where a buffer or shared array lives in a Dispatch."""

    shared: bool
    slot: int
    elem: ScalarType
    size: int  # shared arrays only (buffers' lengths are per call)
    writable: bool


@dataclass
class Scope:
    """Names visible at a point of the kernel: name -> (slot, type)."""

    names: dict[str, tuple[int, ScalarType]] = field(default_factory=dict)
    parent: Scope | None = None

    def lookup(self, name: str) -> tuple[int, ScalarType]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        raise BackendError(f"the name '{name}' is not defined", code="V530",
                           fix="validate the program first (vyre.ir.validate.validate)")


def unsupported(what: str) -> BackendError:
    return BackendError(f"cpu_ref cannot run {what}", code="V530",
                        fix="validate and type-resolve the kernel first (vyre.compile does both)")


class ExprCompiler:
    """Turns expressions of one kernel into closures over a Dispatch."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.storage: dict[str, Storage] = {}
        n_buf = n_shared = 0
        for d in kernel.decls:
            if isinstance(d, Buffer):
                self.storage[d.name] = Storage(False, n_buf, d.elem, 0, d.access.writable)
                n_buf += 1
            elif isinstance(d, Shared):
                self.storage[d.name] = Storage(True, n_shared, d.elem, d.size, True)
                n_shared += 1
        self.n_slots = 0
        self.slot_types: list[ScalarType] = []

    def new_slot(self, t: ScalarType) -> int:
        self.slot_types.append(t)
        self.n_slots += 1
        return self.n_slots - 1

    # --- typing helpers ---------------------------------------------------------------
    def has_own_type(self, e: Any) -> bool:
        """Whether ``e``'s type does not depend on its context."""
        if isinstance(e, Lit):
            return e.type is not None or isinstance(e.value, bool)
        if isinstance(e, Binary):
            return e.op.is_comparison or e.op.is_logical or self.has_own_type(e.lhs) or \
                self.has_own_type(e.rhs)
        if isinstance(e, Unary):
            return e.op is UnOp.NOT or self.has_own_type(e.operand)
        if isinstance(e, Call):
            if e.fn.sig in (Sig.PRED_1,):
                return True
            value_args = e.args[1:] if e.fn.sig is Sig.SELECT else e.args
            return any(self.has_own_type(a) for a in value_args)
        return True

    # --- dispatch on node type ----------------------------------------------------------
    def compile(self, e: Any, scope: Scope, hint: ScalarType | None = None) -> tuple[Ev, ScalarType]:
        method = _EXPR_COMPILERS.get(type(e))
        if method is None:
            raise unsupported(f"the expression {type(e).__name__}")
        return method(self, e, scope, hint)

    def _lit(self, e: Lit, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        t = e.type
        if t is None:
            if isinstance(e.value, bool):
                t = ScalarType.BOOL
            elif hint is not None and (hint.is_float or not e.is_float_spelled) and hint is not ScalarType.BOOL:
                t = hint
            else:
                t = DEFAULT_FLOAT if e.is_float_spelled else DEFAULT_INT
        try:
            value = t.dtype.type(float(e.value) if t.is_float else e.value)
        except (OverflowError, ValueError, TypeError):
            raise unsupported(f"the literal {e.value!r} as {t} (out of range)") from None
        return (lambda d: value), t

    def _ref(self, e: Ref, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        slot, t = scope.lookup(e.name)
        return (lambda d: d.read(slot)), t

    def _thread_id(self, e: ThreadId, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        kind, axis = e.kind, e.axis
        return (lambda d: d.thread_id(kind, axis)), INDEX_TYPE

    def _len(self, e: Len, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        st = self._storage(e.buffer)
        if st.shared:
            size = np.uint32(st.size)
            return (lambda d: size), INDEX_TYPE
        slot = st.slot
        return (lambda d: np.uint32(d.buffer_lens[slot])), INDEX_TYPE

    def _storage(self, name: str) -> Storage:
        if name not in self.storage:
            raise unsupported(f"an access to the undeclared buffer '{name}'")
        return self.storage[name]

    def _load(self, e: Load, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        st = self._storage(e.buffer)
        index, _ = self.compile(e.index, scope, None)
        return self.loader(st, index), st.elem

    def operand(self, e: Any, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        """Compile an operand of an operator, whose result is always a fresh array: a load
        may then hand out a view of the buffer instead of a copy."""
        if isinstance(e, Load):
            st = self._storage(e.buffer)
            index, _ = self.compile(e.index, scope, None)
            return self.loader(st, index, view=True), st.elem
        return self.compile(e, scope, hint)

    def loader(self, st: Storage, index: Ev, *, view: bool = False) -> Ev:
        """``d -> st[index(d)]`` per active lane."""
        load_at = self.load_at(st, view=view)
        return lambda d: load_at(d, index(d))

    def load_at(self, st: Storage, *, view: bool = False) -> Callable[[Dispatch, Any], Any]:
        """``(d, i) -> st[i]`` per active lane, zero out of bounds."""
        slot = st.slot
        if st.shared:
            size = st.size

            def load_shared(d: Dispatch, i: Any) -> Any:
                if d.is_own_shared_slot(i, size):
                    return d.shared[slot][: d.n] if view else d.shared[slot][: d.n].copy()
                return gather(d.shared[slot], i, size, d.workgroup_base(size))

            return load_shared
        copy = st.writable and not view

        def load(d: Dispatch, i: Any) -> Any:
            buf = d.buffers[slot]
            if i is d.iota and d.active is None and d.n <= len(buf):
                # gid.x of a 1-D dispatch: a slice, copied if a later store could change it
                return buf[: d.n].copy() if copy else buf[: d.n]
            return gather(buf, i, d.buffer_lens[slot])

        return load

    def _unary(self, e: Unary, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        operand, t = self.compile(e.operand, scope, ScalarType.BOOL if e.op is UnOp.NOT else hint)
        fn = arith.unary(e.op, t)
        return (lambda d: fn(operand(d))), t

    def _binary(self, e: Binary, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        own_hint = None if (e.op.is_comparison or e.op.is_logical) else hint
        if e.op.is_logical:
            own_hint = ScalarType.BOOL
        if self.has_own_type(e.lhs) or not self.has_own_type(e.rhs):
            lhs, t = self.operand(e.lhs, scope, own_hint)
            rhs, _ = self.operand(e.rhs, scope, t)
        else:
            rhs, t = self.operand(e.rhs, scope, own_hint)
            lhs, _ = self.operand(e.lhs, scope, t)
        try:
            fn = arith.binary(e.op, t)
        except KeyError:
            raise unsupported(f"'{e.op.value}' on {t}") from None
        result = ScalarType.BOOL if e.op.is_comparison else t
        return (lambda d: fn(lhs(d), rhs(d))), result

    def _cast(self, e: Cast, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        operand, src = self.compile(e.operand, scope, None)
        fn = convert.cast(src, e.type)
        return (lambda d: fn(operand(d))), e.type

    def _bitcast(self, e: Bitcast, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        operand, src = self.compile(e.operand, scope, None)
        if src.bits != e.type.bits or ScalarType.BOOL in (src, e.type):
            raise unsupported(f"bitcast<{e.type}> of {src}")
        fn = convert.bitcast(src, e.type)
        return (lambda d: fn(operand(d))), e.type

    def _call(self, e: Call, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        sig = e.fn.sig
        value_args = list(range(1, len(e.args))) if sig is Sig.SELECT else list(range(len(e.args)))
        fns: list[Ev | None] = [None] * len(e.args)
        arg_hint = None if sig is Sig.PRED_1 else hint
        # The first argument with its own type fixes T for the unsuffixed literals.
        first = next((i for i in value_args if self.has_own_type(e.args[i])), value_args[0])
        fns[first], t = self.compile(e.args[first], scope, arg_hint)
        for i in value_args:
            if fns[i] is None:
                fns[i], _ = self.compile(e.args[i], scope, t)
        if sig is Sig.SELECT:
            fns[0], _ = self.compile(e.args[0], scope, ScalarType.BOOL)
        result = ScalarType.BOOL if sig is Sig.PRED_1 else t
        try:
            impl = builtins.builtin(e.fn, t, result)
        except KeyError:
            raise unsupported(f"{e.fn.value}() on {t}") from None
        args = tuple(fns)
        if len(args) == 1:
            a0 = args[0]
            return (lambda d: impl(a0(d))), result
        return (lambda d: impl(*(a(d) for a in args))), result

    def _atomic(self, e: Atomic, scope: Scope, hint: ScalarType | None) -> tuple[Ev, ScalarType]:
        return self.atomic(e, scope, run_atomic), self._storage(e.buffer).elem

    def atomic(self, e: Atomic, scope: Scope, apply: Callable[..., Any]) -> Ev:
        """``d -> apply(op, type, storage, positions, valid, operands)`` for the active lanes,
        in invocation order (``run_atomic`` returns the old values, ``update_atomic`` not)."""
        st = self._storage(e.buffer)
        t = st.elem
        index, _ = self.compile(e.index, scope, None)
        args = [self.compile(a, scope, t)[0] for a in e.args]
        op, slot, dtype = e.op, st.slot, t.dtype

        def atomic(d: Dispatch) -> Any:
            k = d.count()
            if st.shared:
                storage, length = d.shared[slot], st.size
            else:
                storage, length = d.buffers[slot], d.buffer_lens[slot]
            pos, valid = checked_index(index(d), length)
            pos = np.broadcast_to(pos, (k,))
            if st.shared:
                pos = pos + d.workgroup_base(length)
            valid = np.broadcast_to(valid, (k,))
            values = [np.broadcast_to(np.asarray(a(d), dtype), (k,)) for a in args]
            return apply(op, t, storage, pos, valid, values)

        return atomic


_EXPR_COMPILERS: dict[type, Callable[..., tuple[Ev, ScalarType]]] = {
    Lit: ExprCompiler._lit,
    Ref: ExprCompiler._ref,
    ThreadId: ExprCompiler._thread_id,
    Len: ExprCompiler._len,
    Load: ExprCompiler._load,
    Unary: ExprCompiler._unary,
    Binary: ExprCompiler._binary,
    Cast: ExprCompiler._cast,
    Bitcast: ExprCompiler._bitcast,
    Call: ExprCompiler._call,
    Atomic: ExprCompiler._atomic,
}

