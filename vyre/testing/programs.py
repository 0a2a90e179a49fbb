"""Hypothesis strategies that generate random valid, terminating, race-free VIR0 kernels.

Every generated kernel has one shape, chosen so that its result is fully determined by
docs/semantics.md whatever order invocations run in:

* ``lin`` is the invocation's linear global index; output buffer ``outN`` holds ``K`` slots
  per invocation and invocation ``lin`` writes (and reads back) only slots
  ``lin * K .. lin * K + K - 1``, or indexes that are out of bounds for every invocation.
* Input buffers (``inN``) are read-only, read at any index, in bounds or not.
* Shared memory is used in rounds at the top of the body, in uniform control flow: every
  invocation writes its own slot, ``barrier()``, then reads any slot; a later round starts
  with another barrier.  After the last round shared arrays are only read.
* Atomics either hit the invocation's own output slots (any op, old value used freely) or
  contended counters (``cntN``, shared ``shc``) with commutative integer ops whose final
  value does not depend on order; those discard the old value and nothing else reads them.
* Transcendental builtins appear only as the whole value stored into ``tr``, so their
  ULP error reaches the outputs unchanged and nowhere else (see ``vyre.testing.ulp``).
* Loops are bounded: ``for`` over short ranges (near MIN/MAX too, to test exact counting),
  ``while`` and ``loop`` with a hidden counter incremented first thing in every iteration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from hypothesis import strategies as st

from vyre.ir.nodes import (
    Assign,
    Atomic,
    Barrier,
    Binary,
    Bitcast,
    Break,
    Buffer,
    Call,
    Cast,
    Continue,
    Eval,
    Expr,
    Fence,
    For,
    If,
    Kernel,
    Len,
    Let,
    Lit,
    Load,
    Loop,
    Param,
    Ref,
    Return,
    Shared,
    Stmt,
    Store,
    ThreadId,
    Unary,
    VarDecl,
    While,
)
from vyre.ir.ops import (
    FLOAT_ATOMICS,
    TRANSCENDENTALS,
    Access,
    AtomicOp,
    BinOp,
    Builtin,
    IdKind,
    MemOrder,
    Placement,
    ScalarType,
    Scope,
    Sig,
    UnOp,
)
from vyre.testing.features import ALL_FEATURES
from vyre.testing.values import arrays, filled, finite_literals, scalars

T = ScalarType
U32 = ScalarType.U32
INTS = (T.I32, T.U32, T.I64, T.U64)
FLOATS = (T.F32, T.F64)
NUMERIC = INTS + FLOATS
ALL_TYPES = (T.U32, T.I32, T.BOOL, T.F32, T.I64, T.U64, T.F64)

_ARITH = (BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.REM)
_BITS = (BinOp.AND, BinOp.OR, BinOp.XOR)
_SHIFTS = (BinOp.SHL, BinOp.SHR)
_ORDERED = (BinOp.LT, BinOp.LE, BinOp.GT, BinOp.GE)
_EQUALITY = (BinOp.EQ, BinOp.NE)
# Contended atomics: integer ops whose final value is the same in every order.
# Ops only commute within a family (add then and != and then add), so each counter array
# gets one family.
_COMMUTATIVE_FAMILIES = ((AtomicOp.ADD, AtomicOp.SUB), (AtomicOp.AND,), (AtomicOp.OR,), (AtomicOp.XOR,),
                         (AtomicOp.MIN,), (AtomicOp.MAX,))
# Orders that make sense for each kind of atomic access (a load cannot release, ...).
_LOAD_ORDERS = (MemOrder.RELAXED, MemOrder.ACQUIRE, MemOrder.SEQ_CST)
_STORE_ORDERS = (MemOrder.RELAXED, MemOrder.RELEASE, MemOrder.SEQ_CST)
_RMW_ORDERS = tuple(MemOrder)
_FENCE_ORDERS = (MemOrder.SEQ_CST, MemOrder.ACQUIRE, MemOrder.RELEASE, MemOrder.ACQ_REL)
_SAME_WIDTH = {32: (T.I32, T.U32, T.F32), 64: (T.I64, T.U64, T.F64)}
# Non-transcendental builtins by the kind of result type they can produce.
_EXACT_FLOAT_FNS = tuple(
    b for b in Builtin if b.sig in (Sig.FLOAT_1, Sig.FLOAT_2, Sig.FLOAT_3) and b not in TRANSCENDENTALS
)
_NUM_FNS = tuple(b for b in Builtin if b.sig in (Sig.NUM_1, Sig.NUM_2, Sig.NUM_3))
_INT_FNS = tuple(b for b in Builtin if b.sig in (Sig.INT_1, Sig.INT_2))
_PRED_FNS = tuple(b for b in Builtin if b.sig is Sig.PRED_1)
_TRANSCENDENTAL_FNS = tuple(b for b in Builtin if b in TRANSCENDENTALS)
_SIG_ARITY = {Sig.FLOAT_1: 1, Sig.FLOAT_2: 2, Sig.FLOAT_3: 3, Sig.NUM_1: 1, Sig.NUM_2: 2,
              Sig.NUM_3: 3, Sig.INT_1: 1, Sig.INT_2: 2}


@dataclass(frozen=True)
class GenConfig:
    """Knobs for program generation; the defaults keep programs quick to compile and run."""

    features: frozenset[str] = ALL_FEATURES
    max_workgroup: int = 16  # invocations per workgroup
    max_workgroups: int = 4
    max_stmts: int = 5  # statements per block (before loop/terminator scaffolding)
    max_nesting: int = 2  # nested if/loop levels
    max_expr_depth: int = 3
    max_params: int = 3
    max_inputs: int = 3
    max_input_len: int = 10

    def has(self, feature: str) -> bool:
        return feature in self.features


@dataclass
class Case:
    """One generated test: a kernel, the arguments to call it with, and the grid (None: default)."""

    kernel: Kernel
    args: dict[str, Any]
    grid: tuple[int, ...] | None

    def fresh_args(self) -> dict[str, Any]:
        """Copies of the arguments, so a backend that writes in place cannot disturb another."""
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.args.items()}


@dataclass
class _Var:
    name: str
    type: ScalarType
    assignable: bool


@dataclass
class _Out:
    """An output buffer with ``slots`` elements per invocation."""

    name: str
    elem: ScalarType
    slots: int
    readable: bool


@dataclass
class _Gen:
    """Mutable state of one program draw: names in scope, buffers, and what may be read."""

    draw: st.DrawFn
    cfg: GenConfig
    types: tuple[ScalarType, ...]
    env: list[_Var] = field(default_factory=list)
    inputs: list[Buffer] = field(default_factory=list)
    outs: list[_Out] = field(default_factory=list)
    trans: _Out | None = None
    counters: list[Buffer] = field(default_factory=list)
    shared: list[Shared] = field(default_factory=list)
    shared_counter: Shared | None = None
    shared_readable: bool = False
    sizes: dict[str, int | None] = field(default_factory=dict)  # static sizes of buffers
    families: dict[str, tuple[AtomicOp, ...]] = field(default_factory=dict)  # of counter arrays
    counter: int = 0

    # --- small helpers ---------------------------------------------------------------
    def pick(self, options: Any) -> Any:
        return self.draw(st.sampled_from(tuple(options)))

    def chance(self, one_in: int) -> bool:
        """True about once in ``one_in`` draws; shrinks to False, so options shrink away."""
        return self.draw(st.integers(0, one_in - 1)) == one_in - 1

    def type_of(self, name: str) -> ScalarType:
        return next(v.type for v in reversed(self.env) if v.name == name)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def lit(self, t: ScalarType) -> Lit:
        value = self.draw(finite_literals(t))
        return _typed_lit(value, t)

    def small_lit(self, t: ScalarType, lo: int, hi: int) -> Lit:
        lo, hi = max(lo, int(t.min)), min(hi, int(t.max))
        return _typed_lit(self.draw(st.integers(lo, hi)), t)

    def context_lit(self, t: ScalarType) -> Lit:
        """A literal for a place whose type is known from context: sometimes unsuffixed."""
        lit = self.lit(t)
        if t is T.BOOL or not self.chance(3):
            return lit
        if t.is_float and self.chance(2):
            return Lit(self.draw(st.integers(-1000, 1000)), None)  # an integer-spelled float
        return Lit(lit.value, None)

    # --- expressions -----------------------------------------------------------------
    def expr(self, t: ScalarType, depth: int | None = None) -> Expr:
        """A random expression of type ``t``: no transcendentals, reads only what is safe."""
        if depth is None:
            depth = self.draw(st.integers(0, self.cfg.max_expr_depth))
        if depth <= 0:
            return self.leaf(t)
        kinds: list[Any] = []
        if any(b.elem is t for b in self.inputs):
            kinds.append(self.load_input)
        if any(o.readable and o.elem is t for o in self.outs):
            kinds.append(self.load_own)
        if self.shared_readable and any(s.elem is t for s in self.shared):
            kinds.append(self.load_shared)
        if t.is_numeric:
            kinds += [self.arith, self.unary]
        if t.is_int:
            kinds += [self.bits, self.shift, self.int_call]
        if t.is_float:
            kinds.append(self.float_call)
        if t is T.BOOL:
            kinds += [self.compare, self.logic, self.bits, self.unary, self.predicate]
        else:
            kinds.append(self.num_call)
            if any(s is not t and s in self.types for s in _SAME_WIDTH[t.bits]):
                kinds.append(self.bitcast)
        kinds += [self.cast, self.select, self.leaf]
        return self.pick(kinds)(t, depth - 1)

    def leaf(self, t: ScalarType, depth: int = 0) -> Expr:
        """A literal, a binding, an input element, an id or a length: data first, so values flow."""
        refs = [Ref(v.name) for v in self.env if v.type is t]
        inputs = [b for b in self.inputs if b.elem is t]
        kinds = ["lit"] + ["ref"] * 2 * bool(refs) + ["load"] * 2 * bool(inputs)
        if t is U32:
            kinds += ["id", "len"]
        kind = self.pick(kinds)
        if kind == "ref":
            return self.pick(refs)
        if kind == "load":
            buf = self.pick(inputs)
            index: Expr = self.pick([Ref("lin"), Binary(BinOp.REM, Ref("lin"), Len(buf.name))]
                                    + [Ref(v.name) for v in self.env if v.type.is_int][:4])
            if buf.size is not None and isinstance(index, Ref) and index.name != "lin":
                # a let bound to a literal is a constant index: V242 if outside a static size
                index = Binary(BinOp.ADD, index, _typed_lit(0, self.type_of(index.name)))
            return Load(buf.name, index)
        if kind == "id":
            return ThreadId(self.pick(IdKind), self.draw(st.integers(0, 2)))
        if kind == "len":
            names = [b.name for b in self.inputs] + [o.name for o in self.outs]
            return Len(self.pick(names + [s.name for s in self.shared]))
        return self.lit(t)

    def operand_pair(self, t: ScalarType, depth: int) -> tuple[Expr, Expr]:
        lhs = self.expr(t, depth)
        if not isinstance(lhs, Lit) and t is not T.BOOL and self.chance(3):
            return lhs, self.context_lit(t)
        return lhs, self.expr(t, depth)

    def arith(self, t: ScalarType, depth: int) -> Expr:
        return Binary(self.pick(_ARITH), *self.operand_pair(t, depth))

    def bits(self, t: ScalarType, depth: int) -> Expr:
        return Binary(self.pick(_BITS), *self.operand_pair(t, depth))

    def shift(self, t: ScalarType, depth: int) -> Expr:
        return Binary(self.pick(_SHIFTS), *self.operand_pair(t, depth))

    def logic(self, t: ScalarType, depth: int) -> Expr:
        return Binary(self.pick((BinOp.LAND, BinOp.LOR)), self.expr(T.BOOL, depth), self.expr(T.BOOL, depth))

    def compare(self, t: ScalarType, depth: int) -> Expr:
        operand = self.pick(self.types)
        ops = _EQUALITY + (_ORDERED if operand.is_numeric else ())
        return Binary(self.pick(ops), *self.operand_pair(operand, depth))

    def unary(self, t: ScalarType, depth: int) -> Expr:
        ops = {T.BOOL: (UnOp.NOT,)}.get(t, (UnOp.NEG, UnOp.BITNOT) if t.is_int else (UnOp.NEG,))
        operand = self.expr(t, depth)
        if isinstance(operand, Lit):  # the parser folds `-literal`; keep round trips exact
            return operand
        return Unary(self.pick(ops), operand)

    def cast(self, t: ScalarType, depth: int) -> Expr:
        source = self.pick(s for s in self.types if s is not t)
        return Cast(t, self.expr(source, depth))

    def bitcast(self, t: ScalarType, depth: int) -> Expr:
        source = self.pick(s for s in _SAME_WIDTH[t.bits] if s is not t and s in self.types)
        return Bitcast(t, self.expr(source, depth))

    def select(self, t: ScalarType, depth: int) -> Expr:
        return Call(Builtin.SELECT, (self.expr(T.BOOL, depth), self.expr(t, depth), self.expr(t, depth)))

    def _call(self, fn: Builtin, t: ScalarType, depth: int) -> Expr:
        return Call(fn, tuple(self.expr(t, depth) for _ in range(_SIG_ARITY[fn.sig])))

    def num_call(self, t: ScalarType, depth: int) -> Expr:
        return self._call(self.pick(_NUM_FNS), t, depth)

    def int_call(self, t: ScalarType, depth: int) -> Expr:
        return self._call(self.pick(_INT_FNS), t, depth)

    def float_call(self, t: ScalarType, depth: int) -> Expr:
        return self._call(self.pick(_EXACT_FLOAT_FNS), t, depth)

    def predicate(self, t: ScalarType, depth: int) -> Expr:
        source = self.pick(s for s in FLOATS if s in self.types)
        return Call(self.pick(_PRED_FNS), (self.expr(source, depth),))

    # --- memory ----------------------------------------------------------------------
    def any_index(self, length_of: str, depth: int) -> Expr:
        """An index that may land anywhere: in bounds, past the end, negative, huge."""
        it = self.pick(t for t in INTS if t in self.types)
        form = self.draw(st.integers(0, 4))
        if form == 0:
            size = self.sizes.get(length_of)
            # a constant index outside a static size is a validation error (V242)
            return self.small_lit(it, -2, 10) if size is None else self.small_lit(it, 0, size - 1)
        if form == 1:
            return Binary(BinOp.REM, self.expr(U32, depth), Len(length_of))
        if form == 2:
            return Binary(BinOp.ADD, Ref("lin"), self.small_lit(U32, 0, 3))
        if form == 3:
            return self.oob_index(length_of)
        index = self.expr(it, depth)
        if self.sizes.get(length_of) is not None and isinstance(index, Lit | Ref):
            index = Binary(BinOp.ADD, index, _typed_lit(0, it))  # not a constant: no V242
        return index

    def own_index(self, out: _Out) -> Expr:
        """One of this invocation's slots of ``out``, or an index out of bounds for everyone."""
        if self.chance(6):
            return self.oob_index(out.name)
        slot = self.draw(st.integers(0, out.slots - 1))
        if out.slots == 1:
            return Ref("lin")
        base = Binary(BinOp.MUL, Ref("lin"), Lit(out.slots, U32))
        return Binary(BinOp.ADD, base, Lit(slot, U32)) if slot else base

    def oob_index(self, buffer: str) -> Expr:
        """An index out of bounds for every invocation: computed from len() for static sizes."""
        options: list[Expr] = [Binary(BinOp.ADD, Len(buffer), self.small_lit(U32, 0, 2))]
        if T.I32 in self.types:
            options.append(Unary(UnOp.NEG, Binary(BinOp.ADD, Cast(T.I32, Len(buffer)), self.small_lit(T.I32, 0, 2))))
        if T.I64 in self.types:
            options.append(Binary(BinOp.ADD, Cast(T.I64, Len(buffer)), self.small_lit(T.I64, 0, 2)))
        if self.sizes.get(buffer) is None:
            options.append(Lit(2**32 - 1, U32))
            if T.I32 in self.types:
                options.append(_typed_lit(-self.draw(st.integers(1, 3)), T.I32))
            if T.I64 in self.types:
                options.append(Lit(-(2**63), T.I64))
            if T.U64 in self.types:
                options.append(Lit(2**64 - 1, T.U64))
        return self.pick(options)

    def counter_index(self, name: str, size: int) -> Expr:
        """A contended element of a counter array, or (rarely) one past its end."""
        if self.chance(8):
            return self.oob_index(name)
        return self.small_lit(U32, 0, size - 1)

    def load_input(self, t: ScalarType, depth: int) -> Expr:
        buf = self.pick(b for b in self.inputs if b.elem is t)
        return Load(buf.name, self.any_index(buf.name, depth))

    def load_own(self, t: ScalarType, depth: int) -> Expr:
        out = self.pick(o for o in self.outs if o.readable and o.elem is t)
        return Load(out.name, self.own_index(out))

    def load_shared(self, t: ScalarType, depth: int) -> Expr:
        sh = self.pick(s for s in self.shared if s.elem is t)
        return Load(sh.name, self.any_index(sh.name, depth))

    # --- statements ------------------------------------------------------------------
    def block(self, nesting: int, in_loop: bool, *, allow_bare_exit: bool = True) -> tuple[Stmt, ...]:
        """A nested block: its bindings go out of scope at its end."""
        saved = len(self.env)
        stmts: list[Stmt] = []
        for _ in range(self.draw(st.integers(0, self.cfg.max_stmts))):
            stmts += self.stmt(nesting, in_loop)
        if allow_bare_exit and self.chance(8):
            stmts.append(self.pick([Return()] + ([Break(), Continue()] if in_loop else [])))
        del self.env[saved:]
        return tuple(stmts)

    def stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        kinds = [self.let_stmt, self.var_stmt, self.store_stmt, self.store_stmt]
        if any(v.assignable for v in self.env):
            kinds += [self.assign_stmt, self.assign_stmt]
        if self.trans is not None:
            kinds.append(self.transcendental_stmt)
        if self.cfg.has("atomics"):
            kinds.append(self.atomic_stmt)
        if self.cfg.has("fence"):
            kinds.append(self.fence_stmt)
        kinds.append(self.exit_stmt)
        if nesting < self.cfg.max_nesting:
            kinds += [self.if_stmt, self.for_stmt, self.while_stmt, self.loop_stmt]
        return self.pick(kinds)(nesting, in_loop)

    def let_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        t = self.pick(self.types)
        name = self.fresh("v")
        annotated = self.chance(2)
        value = self.context_lit(t) if annotated and self.chance(4) else self.expr(t)
        self.env.append(_Var(name, t, assignable=False))
        return [Let(name, t if annotated else None, value)]

    def var_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        t = self.pick(self.types)
        name = self.fresh("m")
        annotated = self.chance(2)
        value = self.context_lit(t) if annotated and self.chance(3) else self.expr(t)
        self.env.append(_Var(name, t, assignable=True))
        return [VarDecl(name, t if annotated else None, value)]

    def assign_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        var = self.pick(v for v in self.env if v.assignable)
        op = None
        if self.chance(2):
            op = self.pick(_compound_ops(var.type))
        if op is None and var.type is T.BOOL:
            return [Assign(var.name, self.expr(T.BOOL))]
        return [Assign(var.name, self.expr(var.type), op)]

    def store_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        out = self.pick(self.outs)
        op = self.pick(_compound_ops(out.elem)) if out.readable and self.chance(3) else None
        if op is None and self.env and self.chance(2):
            value = self.observe(self.pick(self.env), out.elem)
        elif op is None and self.chance(5):
            value = self.context_lit(out.elem)
        else:
            value = self.expr(out.elem)
        return [Store(out.name, self.own_index(out), value, op)]

    def observe(self, var: _Var, elem: ScalarType) -> Expr:
        """A binding's value as an ``elem``, bit for bit where the widths allow it."""
        ref = Ref(var.name)
        if var.type is elem:
            return ref
        if var.type is not T.BOOL and var.type.bits == elem.bits:
            return Bitcast(elem, ref)
        return Cast(elem, ref)

    def transcendental_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        assert self.trans is not None
        fn = self.pick(_TRANSCENDENTAL_FNS)
        t = self.trans.elem
        args = tuple(self.expr(t, self.draw(st.integers(0, 2))) for _ in range(fn.arity))
        return [Store(self.trans.name, self.own_index(self.trans), Call(fn, args))]

    def atomic_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        own = [o for o in self.outs if o.readable]
        if self.counters and (not own or self.chance(2)):
            buf = self.pick(self.counters)
            index = self.counter_index(buf.name, buf.size or 1)
            op = self.pick(self.families[buf.name])
            return [Eval(Atomic(op, buf.name, index, (self.expr(buf.elem),), self.pick(_RMW_ORDERS)))]
        if not own:
            return self.store_stmt(nesting, in_loop)
        out = self.pick(own)
        op = self.pick(AtomicOp if out.elem.is_int else sorted(FLOAT_ATOMICS, key=list(AtomicOp).index))
        orders = {AtomicOp.LOAD: _LOAD_ORDERS, AtomicOp.STORE: _STORE_ORDERS}.get(op, _RMW_ORDERS)
        index = self.own_index(out)
        args = tuple(self.expr(out.elem) for _ in range(op.nargs))
        if op is AtomicOp.COMPARE_EXCHANGE and self.chance(2):
            args = (Load(out.name, index), args[1])  # expect the current value: the swap happens
        atomic = Atomic(op, out.name, index, args, self.pick(orders))
        form = self.draw(st.integers(0, 2))
        if form == 0:
            return [Eval(atomic)]
        name = self.fresh("a")
        self.env.append(_Var(name, out.elem, assignable=form == 2))
        if form == 1:
            return [Let(name, out.elem if self.chance(2) else None, atomic)]
        return [VarDecl(name, out.elem if self.chance(2) else None, atomic)]

    def fence_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        return [Fence(self.pick(_FENCE_ORDERS), self.pick(Scope))]

    def exit_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        exits: list[Stmt] = [Return()] + ([Break(), Continue()] if in_loop else [])
        return [If(self.expr(T.BOOL), (self.pick(exits),))]

    def if_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        cond = self.expr(T.BOOL)
        then = self.block(nesting + 1, in_loop)
        form = self.draw(st.integers(0, 2))
        if form == 0:
            return [If(cond, then)]
        if form == 1:
            return [If(cond, then, self.block(nesting + 1, in_loop))]
        # an else-if chain: `orelse` holding exactly one If
        (inner,) = self.if_stmt(nesting, in_loop)
        return [If(cond, then, (inner,))]

    def for_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        t = self.pick(t for t in INTS if t in self.types)
        lo, hi = int(t.min), int(t.max)
        form = self.draw(st.integers(0, 3))
        step: Expr | None = None
        if form == 0:  # a short literal range, maybe empty, maybe a zero or negative step
            start, end = self.small_lit(t, -4, 6), self.small_lit(t, -4, 6)
            if self.chance(2):
                step = self.small_lit(t, -2, 3)
        elif form == 1:  # at the top of the type: counting must not wrap around
            a, b = self.draw(st.integers(0, 9)), self.draw(st.integers(0, 3))
            start, end = _typed_lit(hi - a, t), _typed_lit(hi - b, t)
            step = self.small_lit(t, 1, 4)
        elif form == 2:  # at the bottom of the type
            a, b = self.draw(st.integers(0, 3)), self.draw(st.integers(0, 9))
            start, end = _typed_lit(lo + a, t), _typed_lit(lo + b, t)
            step = self.small_lit(t, 1, 3) if self.chance(2) else None
        else:  # a data-dependent end, evaluated once
            start = self.small_lit(t, -2, 2)
            end = Binary(BinOp.AND, self.expr(t, 1), _typed_lit(7, t))
            if self.chance(2):
                step = self.small_lit(t, 1, 3)
        if isinstance(end, Lit) and self.chance(4):
            start = Lit(start.value, None)  # an unsuffixed bound takes the other bound's type
        name = self.fresh("k")  # not "i": i32, i64 are reserved words
        saved = len(self.env)
        self.env.append(_Var(name, t, assignable=False))
        body = self.block(nesting + 1, True)
        del self.env[saved:]
        return [For(name, start, end, step, body)]

    def _counted(self, nesting: int) -> tuple[str, ScalarType, Stmt, Stmt, tuple[Stmt, ...]]:
        """A hidden counter, its declaration, its increment and a loop body."""
        t = self.pick(t for t in INTS if t in self.types)
        name = self.fresh("c")
        decl = VarDecl(name, t, _typed_lit(0, t))
        incr = Assign(name, _typed_lit(1, t), BinOp.ADD)
        self.env.append(_Var(name, t, assignable=False))
        body = self.block(nesting + 1, True)
        return name, t, decl, incr, body

    def while_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        saved = len(self.env)
        extra = self.expr(T.BOOL, 1)
        name, t, decl, incr, body = self._counted(nesting)
        del self.env[saved:]
        bound = Binary(BinOp.LT, Ref(name), self.small_lit(t, 0, 4))
        return [decl, While(Binary(BinOp.LAND, bound, extra), (incr, *body))]

    def loop_stmt(self, nesting: int, in_loop: bool) -> list[Stmt]:
        saved = len(self.env)
        name, t, decl, incr, body = self._counted(nesting)
        del self.env[saved:]
        exit_if = If(Binary(BinOp.GT, Ref(name), self.small_lit(t, 0, 4)), (Break(),))
        return [decl, Loop((incr, exit_if, *body))]

    # --- shared memory ---------------------------------------------------------------
    def shared_rounds(self, local_lin: Expr, wg_size: int) -> list[Stmt]:
        """Rounds of: write own slot, (contended atomics), barrier, read any slot.

        Sometimes the last rounds run in a ``for`` with literal bounds (uniform control flow),
        storing what they read into an output slot each time.
        """
        stmts: list[Stmt] = []
        for round_no in range(self.draw(st.integers(1, 2))):
            if round_no:
                stmts.append(Barrier())  # the previous round's reads happen before new writes
            stmts += self.shared_round(local_lin, wg_size)
        if self.chance(3):
            saved = len(self.env)
            var = self.fresh("r")
            self.env.append(_Var(var, U32, assignable=False))
            body = [Barrier(), *self.shared_round(local_lin, wg_size)]
            out = self.pick(self.outs)
            body.append(Store(out.name, self.own_index(out), self.expr(out.elem)))
            del self.env[saved:]
            stmts.append(For(var, Lit(0, U32), self.small_lit(U32, 0, 3), None, tuple(body)))
        return stmts

    def shared_round(self, local_lin: Expr, wg_size: int) -> list[Stmt]:
        stmts: list[Stmt] = []
        self.shared_readable = False
        for sh in self.shared:
            stmts.append(Store(sh.name, local_lin, self.expr(sh.elem)))
        if self.shared_counter is not None and self.chance(2):
            sc = self.shared_counter
            atomic = Atomic(self.pick(self.families[sc.name]), sc.name,
                            self.counter_index(sc.name, sc.size), (self.expr(sc.elem),),
                            self.pick(_RMW_ORDERS))
            stmts.append(If(self.expr(T.BOOL), (Eval(atomic),)) if self.chance(2) else Eval(atomic))
        stmts.append(Barrier())
        self.shared_readable = True
        for sh in self.shared:
            name = self.fresh("n")
            shift = self.draw(st.integers(0, sh.size))
            index = Binary(BinOp.REM, Binary(BinOp.ADD, local_lin, Lit(shift, U32)),
                           Lit(self.pick((wg_size, sh.size, sh.size + 1)), U32))
            stmts.append(Let(name, None, Load(sh.name, index)))
            self.env.append(_Var(name, sh.elem, assignable=False))
        if self.shared_counter is not None:
            name = self.fresh("n")
            stmts.append(Let(name, None, Load(self.shared_counter.name, Lit(0, U32))))
            self.env.append(_Var(name, self.shared_counter.elem, assignable=False))
        return stmts


def _typed_lit(value: bool | int | float, t: ScalarType) -> Lit:
    if t.is_float:
        value = float(np.float32(value)) if t is T.F32 else float(value)
    elif t.is_int:
        value = int(value)
    return Lit(value, t)


def _compound_ops(t: ScalarType) -> tuple[BinOp, ...]:
    if t is T.BOOL:
        return _BITS
    if t.is_float:
        return _ARITH
    return _ARITH + _BITS + _SHIFTS


def _linear(kind: IdKind, sizes: tuple[int, int, int]) -> Expr:
    """``id.x + id.y * sx + id.z * sx * sy`` with the u32 literals folded, terms of 1-extent axes dropped."""
    expr: Expr = ThreadId(kind, 0)
    stride = 1
    for axis in (1, 2):
        stride *= sizes[axis - 1]
        if sizes[axis] > 1:
            expr = Binary(BinOp.ADD, expr, Binary(BinOp.MUL, ThreadId(kind, axis), Lit(stride, U32)))
    return expr


def _dims(draw: st.DrawFn, limit: int, multi: bool) -> tuple[int, ...]:
    ndim = draw(st.integers(1, 3)) if multi else 1
    dims: list[int] = []
    budget = limit
    for _ in range(ndim):
        d = draw(st.integers(1, max(1, min(budget, 8))))
        dims.append(d)
        budget = max(1, budget // d)
    return tuple(dims)


@st.composite
def cases(draw: st.DrawFn, config: GenConfig | None = None) -> Case:
    """A random valid kernel together with arguments and a grid to run it with."""
    cfg = config or GenConfig()
    types = tuple(t for t in ALL_TYPES
                  if not (t in (T.I64, T.U64) and not cfg.has("i64"))
                  and not (t is T.F64 and not cfg.has("f64")))
    multi = cfg.has("multi_dim")
    wg = _dims(draw, cfg.max_workgroup, multi)
    grid = _dims(draw, cfg.max_workgroups, multi)
    wg3 = wg + (1,) * (3 - len(wg))
    grid3 = grid + (1,) * (3 - len(grid))
    wg_size = math.prod(wg3)
    total = wg_size * math.prod(grid3)
    g = _Gen(draw, cfg, types)
    decls: list[Any] = []
    args: dict[str, Any] = {}

    for i in range(draw(st.integers(0, cfg.max_params))):
        t = g.pick(types)
        decls.append(Param(f"p{i}", t))
        g.env.append(_Var(f"p{i}", t, assignable=False))
        value = draw(scalars(t))
        args[f"p{i}"] = value
    for i in range(draw(st.integers(0, cfg.max_inputs))):
        t = g.pick(t for t in types if t is not T.BOOL)
        length = draw(st.integers(0, cfg.max_input_len))
        static = length > 0 and g.chance(3)
        buf = Buffer(f"in{i}", t, length if static else None, Access.READ)
        decls.append(buf)
        g.inputs.append(buf)
        args[buf.name] = draw(arrays(t, length))
    for i in range(draw(st.integers(1, 2))):
        t = g.pick(t for t in types if t is not T.BOOL)
        slots = draw(st.integers(1, 3))
        access = Access.READ_WRITE if g.chance(3) or not g.chance(2) else Access.WRITE
        static = g.chance(3)
        placement = Placement.HOST if cfg.has("host_buffers") and g.chance(6) else Placement.GLOBAL
        buf = Buffer(f"out{i}", t, total * slots if static else None, access, placement)
        decls.append(buf)
        g.outs.append(_Out(buf.name, t, slots, access.readable))
        if access is Access.WRITE and static and g.chance(3):
            continue  # left out of the call: starts zeroed
        args[buf.name] = draw(filled(t, total * slots))
    if cfg.has("transcendentals") and g.chance(2):
        t = g.pick(t for t in FLOATS if t in types)
        slots = draw(st.integers(1, 2))
        decls.append(Buffer("tr", t, None, Access.WRITE))
        g.trans = _Out("tr", t, slots, readable=False)
        args["tr"] = draw(filled(t, total * slots))
    if cfg.has("atomics") and g.chance(3):
        t = g.pick(t for t in INTS if t in types)
        size = draw(st.integers(1, 3))
        placement = Placement.HOST if cfg.has("host_buffers") and g.chance(4) else Placement.GLOBAL
        buf = Buffer("cnt", t, size, Access.READ_WRITE, placement)
        decls.append(buf)
        g.counters.append(buf)
        g.families[buf.name] = g.pick(_COMMUTATIVE_FAMILIES)
        args["cnt"] = draw(arrays(t, size))
    use_shared = cfg.has("shared") and cfg.has("barrier") and g.chance(3)
    if use_shared:
        t = g.pick(t for t in types if t is not T.BOOL)
        sh = Shared("sh", t, wg_size + draw(st.integers(0, 2)))
        decls.append(sh)
        g.shared.append(sh)
        if cfg.has("shared_atomics") and g.chance(2):
            sc = Shared("shc", g.pick(t for t in INTS if t in types), draw(st.integers(1, 2)))
            decls.append(sc)
            g.shared_counter = sc
            g.families[sc.name] = g.pick(_COMMUTATIVE_FAMILIES)

    g.sizes = {d.name: d.size for d in decls if not isinstance(d, Param)}
    body: list[Stmt] = [Let("lin", None, _linear(IdKind.GID, _extent(wg3, grid3)))]
    g.env.append(_Var("lin", U32, assignable=False))
    if use_shared:
        body.append(Let("llin", None, _linear(IdKind.LID, wg3)))
        g.env.append(_Var("llin", U32, assignable=False))
        body += g.shared_rounds(Ref("llin"), wg_size)
    for _ in range(draw(st.integers(1, cfg.max_stmts))):
        body += g.stmt(0, False)
    for out in g.outs:  # make sure every output is written with something interesting
        value = g.observe(g.pick(g.env), out.elem) if g.chance(2) else g.expr(out.elem)
        body.append(Store(out.name, g.own_index(out), value))
    if g.trans is not None:
        body += g.transcendental_stmt(0, False)

    kernel = Kernel("k", wg, tuple(decls), tuple(body))
    grid_arg: tuple[int, ...] | None = grid
    largest = max([len(v) for v in args.values() if isinstance(v, np.ndarray)]
                  + [b.size or 0 for b in kernel.buffers])
    if len(wg) == 1 and len(grid) == 1 and -(-largest // wg[0]) == grid[0] and g.chance(3):
        grid_arg = None  # the default grid covers exactly the same invocations
    return Case(kernel, args, grid_arg)


def _extent(wg3: tuple[int, int, int], grid3: tuple[int, int, int]) -> tuple[int, int, int]:
    return wg3[0] * grid3[0], wg3[1] * grid3[1], wg3[2] * grid3[2]


def kernels(config: GenConfig | None = None) -> st.SearchStrategy[Kernel]:
    """Random valid kernels (without arguments); see ``cases`` for the shape they take."""
    return cases(config).map(lambda case: case.kernel)


def config_for(features: frozenset[str] | None = None, **overrides: Any) -> GenConfig:
    """A GenConfig restricted to ``features`` (default: all), with field overrides."""
    cfg = GenConfig() if features is None else GenConfig(features=frozenset(features))
    return replace(cfg, **overrides)
