"""Shape checks for hand-built IR (V299): every field of every node has a type VIR0 allows.

The parser and the wire decoder only build well-shaped trees, but ``vyre.ir.nodes`` are plain
dataclasses, so Python code can put a ``str`` where a ``ScalarType`` belongs or a list where a
tuple belongs.  The other validator passes assume well-shaped trees; ``check_shape`` runs
first and, when it finds a problem, the kernel's semantic checks are skipped so that no
Python exception escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vyre.ir import nodes as n
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
from vyre.source import Span

Report = Callable[[str, str, str, "Span | None"], None]

EXPRS = (n.Lit, n.Ref, n.ThreadId, n.Len, n.Load, n.Unary, n.Binary, n.Cast, n.Bitcast, n.Call, n.Atomic)
STMTS = (n.Let, n.VarDecl, n.Assign, n.Store, n.If, n.For, n.While, n.Loop, n.Break, n.Continue,
         n.Return, n.Barrier, n.Fence, n.Eval)
DECLS = (n.Param, n.Buffer, n.Shared)

# Field kinds: a class (or tuple of classes) the value must be an instance of, or a marker.
EXPR, STMTS_T, EXPRS_T, OPT_EXPR, OPT_TYPE, NAME, INT, OPT_INT, COMPOUND = (
    "expr", "stmts", "exprs", "expr?", "type?", "name", "int", "int?", "op?")

FIELDS: dict[type, dict[str, Any]] = {
    n.Lit: {"value": (bool, int, float), "type": OPT_TYPE},
    n.Ref: {"name": NAME},
    n.ThreadId: {"kind": IdKind, "axis": INT},
    n.Len: {"buffer": NAME},
    n.Load: {"buffer": NAME, "index": EXPR},
    n.Unary: {"op": UnOp, "operand": EXPR},
    n.Binary: {"op": BinOp, "lhs": EXPR, "rhs": EXPR},
    n.Cast: {"type": ScalarType, "operand": EXPR},
    n.Bitcast: {"type": ScalarType, "operand": EXPR},
    n.Call: {"fn": Builtin, "args": EXPRS_T},
    n.Atomic: {"op": AtomicOp, "buffer": NAME, "index": EXPR, "args": EXPRS_T, "order": MemOrder},
    n.Let: {"name": NAME, "type": OPT_TYPE, "value": EXPR},
    n.VarDecl: {"name": NAME, "type": OPT_TYPE, "value": EXPR},
    n.Assign: {"name": NAME, "value": EXPR, "op": COMPOUND},
    n.Store: {"buffer": NAME, "index": EXPR, "value": EXPR, "op": COMPOUND},
    n.If: {"cond": EXPR, "then": STMTS_T, "orelse": STMTS_T},
    n.For: {"var": NAME, "start": EXPR, "end": EXPR, "step": OPT_EXPR, "body": STMTS_T},
    n.While: {"cond": EXPR, "body": STMTS_T},
    n.Loop: {"body": STMTS_T},
    n.Fence: {"order": MemOrder, "scope": Scope},
    n.Eval: {"expr": EXPR},
    n.Param: {"name": NAME, "type": ScalarType},
    n.Buffer: {"name": NAME, "elem": ScalarType, "size": OPT_INT, "access": Access, "placement": Placement},
    n.Shared: {"name": NAME, "elem": ScalarType, "size": INT},
}


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _ok(kind: Any, v: object) -> bool:
    """Whether ``v`` fits a field of this kind (nested nodes are checked separately)."""
    if kind == EXPR:
        return isinstance(v, EXPRS)
    if kind == OPT_EXPR:
        return v is None or isinstance(v, EXPRS)
    if kind == EXPRS_T:
        return isinstance(v, tuple) and all(isinstance(x, EXPRS) for x in v)
    if kind == STMTS_T:
        return isinstance(v, tuple) and all(isinstance(x, STMTS) for x in v)
    if kind == OPT_TYPE:
        return v is None or isinstance(v, ScalarType)
    if kind == NAME:
        return isinstance(v, str)
    if kind == INT:
        return _is_int(v)
    if kind == OPT_INT:
        return v is None or _is_int(v)
    if kind == COMPOUND:
        return v is None or v in COMPOUND_OPS
    return isinstance(v, kind)


class _Shape:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.ok = True

    def bad(self, node: object, message: str) -> None:
        self.ok = False
        self.report("V299", message, "build nodes with the field types documented in vyre.ir.nodes "
                    "(or use vyre.ir.builder)", getattr(node, "span", None))

    def node(self, x: object) -> None:
        table = FIELDS.get(type(x))
        if table is None:
            if not isinstance(x, STMTS):  # Break, Return ... have no fields to check
                self.bad(x, f"{type(x).__name__} is not a VIR0 node here")
            return
        for name, kind in table.items():
            v = getattr(x, name)
            if not _ok(kind, v):
                self.bad(x, f"field '{name}' of {type(x).__name__} holds {v!r}, which VIR0 does not allow there")
                continue
            if isinstance(v, tuple):
                for item in v:
                    self.node(item)
            elif isinstance(v, EXPRS):
                self.node(v)
        if isinstance(x, n.ThreadId) and _is_int(x.axis) and x.axis not in (0, 1, 2):
            self.bad(x, f"{x.kind.value if isinstance(x.kind, IdKind) else 'id'} has no axis {x.axis}; "
                     "the axes are 0 (x), 1 (y) and 2 (z)")

    def kernel(self, k: object) -> None:
        if not isinstance(k, n.Kernel):
            self.bad(k, f"expected a Kernel, but got {type(k).__name__}")
            return
        if not isinstance(k.name, str):
            self.bad(k, f"the kernel name {k.name!r} is not a str")
        if not isinstance(k.workgroup, tuple) or not all(_is_int(d) for d in k.workgroup):
            self.bad(k, f"the workgroup size {k.workgroup!r} is not a tuple of ints")
        if not isinstance(k.decls, tuple) or not all(isinstance(d, DECLS) for d in k.decls):
            self.bad(k, "the kernel's decls are not a tuple of Param, Buffer and Shared nodes")
        else:
            for d in k.decls:
                self.node(d)
        if not _ok(STMTS_T, k.body):
            self.bad(k, "the kernel body is not a tuple of statement nodes")
        else:
            for s in k.body:
                self.node(s)


def check_shape(kernel: object, report: Report) -> bool:
    """Report V299 for every ill-shaped node of ``kernel``; True when it is well shaped."""
    shape = _Shape(report)
    try:
        shape.kernel(kernel)
    except RecursionError:
        shape.bad(kernel, "the kernel nests expressions or blocks too deeply to check")
    return shape.ok
