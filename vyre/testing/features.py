"""Which language features a kernel uses, and which ones each backend supports.

The conformance runner compares two backends only on programs both can run; a program using
a feature the candidate lacks still runs on the reference, as a sanity check that it is a
valid, terminating program.  Backend authors add their backend to ``CAPABILITIES``.
"""

from __future__ import annotations

from collections.abc import Iterator

from vyre.ir.nodes import (
    BLOCK_FIELDS,
    Atomic,
    Barrier,
    Binary,
    Bitcast,
    Buffer,
    Call,
    Cast,
    Fence,
    Kernel,
    Let,
    Load,
    Node,
    Shared,
    Stmt,
    Unary,
    VarDecl,
)
from vyre.ir.ops import TRANSCENDENTALS, Placement, ScalarType

# Every feature name the table below may mention, with what uses it.
FEATURES: dict[str, str] = {
    "barrier": "a barrier() statement",
    "shared": "a workgroup-shared array",
    "atomics": "an atomic on a global buffer",
    "shared_atomics": "an atomic on a shared array",
    "host_buffers": "a buffer with host placement",
    "fence": "a fence() statement",
    "transcendentals": "a builtin with a ULP bound (sin, exp, pow, ...)",
    "i64": "a 64-bit integer value",
    "f64": "a 64-bit float value",
    "multi_dim": "a 2-D or 3-D workgroup",
}
ALL_FEATURES = frozenset(FEATURES)

# What each backend can run. A backend missing a feature here gets programs using it run on
# the reference only (host_jit once lacked barriers; it splits the body at each barrier now).
CAPABILITIES: dict[str, frozenset[str]] = {
    "cpu_ref": ALL_FEATURES,
    "host_jit": ALL_FEATURES,
    "ptx": ALL_FEATURES,
}


def supported(backend: str) -> frozenset[str]:
    """The features ``backend`` runs; an unknown backend is assumed to run them all."""
    return CAPABILITIES.get(backend, ALL_FEATURES)


def walk_stmts(body: tuple[Stmt, ...]) -> Iterator[Stmt]:
    """Every statement of ``body``, nested blocks included, in source order."""
    for stmt in body:
        yield stmt
        for name in BLOCK_FIELDS.get(type(stmt), ()):
            yield from walk_stmts(getattr(stmt, name))


def stmt_exprs(stmt: Stmt) -> Iterator[Node]:
    """The expressions held directly by ``stmt`` (not those of nested statements)."""
    for name in ("value", "index", "cond", "start", "end", "step", "expr"):
        value = getattr(stmt, name, None)
        if value is not None and not isinstance(value, tuple):
            yield value


def walk_expr(expr: Node) -> Iterator[Node]:
    """``expr`` and all its subexpressions."""
    yield expr
    children: tuple = ()
    if isinstance(expr, Unary | Cast | Bitcast):
        children = (expr.operand,)
    elif isinstance(expr, Binary):
        children = (expr.lhs, expr.rhs)
    elif isinstance(expr, Call):
        children = expr.args
    elif isinstance(expr, Load):
        children = (expr.index,)
    elif isinstance(expr, Atomic):
        children = (expr.index, *expr.args)
    for child in children:
        yield from walk_expr(child)


def all_exprs(kernel: Kernel) -> Iterator[Node]:
    """Every expression node of ``kernel``."""
    for stmt in walk_stmts(kernel.body):
        for expr in stmt_exprs(stmt):
            yield from walk_expr(expr)


def _types_named(kernel: Kernel) -> set[ScalarType]:
    types: set[ScalarType] = set()
    for decl in kernel.decls:
        types.add(decl.elem if isinstance(decl, Buffer | Shared) else decl.type)
    for stmt in walk_stmts(kernel.body):
        if isinstance(stmt, Let | VarDecl) and stmt.type is not None:
            types.add(stmt.type)
    for expr in all_exprs(kernel):
        t = getattr(expr, "type", None)
        if isinstance(t, ScalarType):
            types.add(t)
    return types


def features_of(kernel: Kernel) -> frozenset[str]:
    """The features (keys of ``FEATURES``) that ``kernel`` uses.

    64-bit types are detected from declarations, annotations, casts and suffixed literals, so
    an unannotated ``let`` of an inferred i64 value is missed; pass a resolved kernel
    (``vyre.ir.infer.resolve``) when that matters.
    """
    found: set[str] = set()
    shared_names = {s.name for s in kernel.shared}
    if kernel.shared:
        found.add("shared")
    if any(b.placement is Placement.HOST for b in kernel.buffers):
        found.add("host_buffers")
    if kernel.workgroup3[1:] != (1, 1):
        found.add("multi_dim")
    for stmt in walk_stmts(kernel.body):
        if isinstance(stmt, Barrier):
            found.add("barrier")
        elif isinstance(stmt, Fence):
            found.add("fence")
    for expr in all_exprs(kernel):
        if isinstance(expr, Atomic):
            found.add("shared_atomics" if expr.buffer in shared_names else "atomics")
        elif isinstance(expr, Call) and expr.fn in TRANSCENDENTALS:
            found.add("transcendentals")
    types = _types_named(kernel)
    if types & {ScalarType.I64, ScalarType.U64}:
        found.add("i64")
    if ScalarType.F64 in types:
        found.add("f64")
    return frozenset(found)
