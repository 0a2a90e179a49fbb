"""Hypothesis strategies for syntactically valid VIR0 IR.

Strategies are built once and cached (building them is slow for hypothesis).

``modules()`` generates any well-formed AST that the VIR0 text syntax can express: every
node kind, every operator, literal and ordering, nested blocks and ``else if`` chains.  The
programs are not type-correct (names are not resolved, operand types do not match); use
``vyre.testing`` for valid, runnable programs.  Other test modules (printer round trips,
the wire format) import ``modules()``, ``kernels()``, ``exprs()`` and ``stmts()`` from here.
"""

from __future__ import annotations

from functools import cache

from hypothesis import strategies as st

from vyre.ir.grammar import RESERVED_WORDS
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
    Fence,
    For,
    If,
    Kernel,
    Len,
    Let,
    Lit,
    Load,
    Loop,
    Module,
    Param,
    Ref,
    Return,
    Shared,
    Store,
    ThreadId,
    Unary,
    VarDecl,
    While,
)
from vyre.ir.ops import (
    COMPOUND_OPS,
    Access,
    AtomicOp,
    BinOp,
    Builtin,
    IdKind,
    MemOrder,
    Placement,
    ScalarType,
    Scope,
    UnOp,
)

# Builtin names and the `atomic_` prefix are not reserved by the grammar, but generated
# names avoid them for readability.
RESERVED = RESERVED_WORDS | {b.value for b in Builtin}

INT_TYPES = [t for t in ScalarType if t.is_int]
FLOAT_TYPES = [t for t in ScalarType if t.is_float]


# A fixed pool keeps generation fast; it includes near-misses of keywords to exercise the lexer.
NAME_POOL = (
    "a", "b", "i", "j", "x", "y", "acc", "buf", "out", "tile", "_t", "v0", "n_1", "Kx",
    "iff", "lets", "elsewhere", "format", "gidx", "lengths", "u32x", "f", "step_", "in2",
    "atomic", "truth", "falsey", "loops", "varx", "fence_", "sharedly",
)


@cache
def names() -> st.SearchStrategy[str]:
    """Identifiers that are not reserved words."""
    return st.sampled_from(NAME_POOL)


@cache
def lits() -> st.SearchStrategy[Lit]:
    """Literals of every kind; values may be out of range for their type (that is V230)."""
    ints = st.one_of(
        st.integers(-(2**64), 2**65),
        st.sampled_from([0, 1, -1, 2**31 - 1, -(2**31), 2**32 - 1, 2**63 - 1, -(2**63), 2**64 - 1]),
    )
    floats = st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, -0.0, 1.0, 0.5, 1e-3, 2.5, 1e16, 5e-324, 1.7976931348623157e308]),
    )
    return st.one_of(
        st.booleans().map(lambda b: Lit(b, ScalarType.BOOL)),
        st.builds(Lit, ints, st.sampled_from([None, *INT_TYPES])),
        st.builds(Lit, floats, st.sampled_from([None, *FLOAT_TYPES])),
    )


@cache
def _leaves() -> st.SearchStrategy:
    return st.one_of(
        lits(),
        st.builds(Ref, names()),
        st.builds(ThreadId, st.sampled_from(list(IdKind)), st.integers(0, 2)),
        st.builds(Len, names()),
    )


def _calls(children: st.SearchStrategy) -> st.SearchStrategy[Call]:
    # One branch per arity instead of flatmap, which is slow to draw from.
    by_arity: dict[int, list[Builtin]] = {}
    for b in Builtin:
        by_arity.setdefault(b.arity, []).append(b)
    return st.one_of(
        st.builds(Call, st.sampled_from(fns), st.tuples(*[children] * n))
        for n, fns in sorted(by_arity.items())
    )


@cache
def exprs(max_leaves: int = 12) -> st.SearchStrategy:
    """Pure expressions (no atomics) of bounded size."""
    return st.recursive(
        _leaves(),
        lambda children: st.one_of(
            st.builds(Load, names(), children),
            st.builds(Unary, st.sampled_from(list(UnOp)), children),
            st.builds(Binary, st.sampled_from(list(BinOp)), children, children),
            st.builds(Cast, st.sampled_from(list(ScalarType)), children),
            st.builds(Bitcast, st.sampled_from(list(ScalarType)), children),
            _calls(children),
        ),
        max_leaves=max_leaves,
    )


@cache
def atomics() -> st.SearchStrategy[Atomic]:
    small = exprs(max_leaves=4)
    by_nargs: dict[int, list[AtomicOp]] = {}
    for op in AtomicOp:
        by_nargs.setdefault(op.nargs, []).append(op)
    return st.one_of(
        st.builds(Atomic, st.sampled_from(ops), names(), small, st.tuples(*[small] * n),
                  st.sampled_from(list(MemOrder)))
        for n, ops in sorted(by_nargs.items())
    )


@cache
def _init() -> st.SearchStrategy:
    return st.one_of(exprs(), atomics())


def _opt_type() -> st.SearchStrategy[ScalarType | None]:
    return st.sampled_from([None, *ScalarType])


@cache
def _simple_stmts() -> st.SearchStrategy:
    e = exprs(max_leaves=8)
    return st.one_of(
        st.builds(Let, names(), _opt_type(), _init()),
        st.builds(VarDecl, names(), _opt_type(), _init()),
        st.builds(Assign, names(), e, st.sampled_from([None, *COMPOUND_OPS])),
        st.builds(Store, names(), e, e, st.sampled_from([None, *COMPOUND_OPS])),
        st.just(Break()),
        st.just(Continue()),
        st.just(Return()),
        st.just(Barrier()),
        st.builds(Fence, st.sampled_from(list(MemOrder)), st.sampled_from(list(Scope))),
        st.builds(Eval, atomics()),
    )


def _blocks(stmt: st.SearchStrategy) -> st.SearchStrategy[tuple]:
    return st.lists(stmt, max_size=3).map(tuple)


def _compound(stmt: st.SearchStrategy) -> st.SearchStrategy:
    e = exprs(max_leaves=6)
    block = _blocks(stmt)
    if_ = st.deferred(
        lambda: st.builds(If, e, block, st.one_of(st.just(()), block, if_.map(lambda i: (i,))))
    )
    return st.one_of(
        if_,
        st.builds(For, names(), e, e, st.one_of(st.none(), e), block),
        st.builds(While, e, block),
        st.builds(Loop, block),
    )


@cache
def stmts() -> st.SearchStrategy:
    """Any statement, with nested blocks of bounded depth."""
    return st.recursive(_simple_stmts(), _compound, max_leaves=6)


@cache
def decls() -> st.SearchStrategy:
    size = st.integers(0, 2**33)
    return st.one_of(
        st.builds(Param, names(), st.sampled_from(list(ScalarType))),
        st.builds(
            Buffer,
            names(),
            st.sampled_from(list(ScalarType)),
            st.one_of(st.none(), size),
            st.sampled_from(list(Access)),
            st.sampled_from(list(Placement)),
        ),
        st.builds(Shared, names(), st.sampled_from(list(ScalarType)), size),
    )


@cache
def kernels() -> st.SearchStrategy[Kernel]:
    return st.builds(
        Kernel,
        names(),
        st.lists(st.integers(1, 1024), min_size=1, max_size=3).map(tuple),
        st.lists(decls(), max_size=5).map(tuple),
        st.lists(stmts(), max_size=5).map(tuple),
    )


@cache
def modules() -> st.SearchStrategy[Module]:
    """Modules of one or two kernels (names not necessarily distinct)."""
    return st.builds(Module, st.lists(kernels(), min_size=1, max_size=2).map(tuple))
