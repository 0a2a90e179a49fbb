"""Printing IR as canonical VIR0 text: ``to_text(module_or_kernel)``.

The canonical form has a ``vir0`` header, two-space indentation, one declaration or
statement per line, the fewest parentheses that keep the tree (``BinOp.precedence``, all
binary operators left-associative), ``else if`` chains, and leaves out defaults (a
``relaxed`` atomic ordering, ``fence()`` with seq_cst/device).  ``parse(to_text(m)) == m``
for every well-formed module, and printing is a fixed point.

The printer works line by line (``lines``) and tags each line with the node it comes from,
so that the formatter (vyre/ir/fmt.py) can put comments back beside the right line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import NamedTuple

from vyre.ir.literals import format_literal
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
    Node,
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
from vyre.ir.ops import AXES, UNARY_PRECEDENCE, MemOrder, Placement, Scope, UnOp

INDENT = "  "
_ATOM = UNARY_PRECEDENCE + 1


class Line(NamedTuple):
    """One output line.  ``anchor`` says which source position it stands for:
    ``("node", node)`` for a node's first line, ``("close", node, i)`` for the line holding
    the closing brace of ``node``'s i-th block, ``("header",)`` for ``vir0``, None for a
    blank line."""

    depth: int
    text: str
    anchor: tuple | None


# --- expressions ------------------------------------------------------------------------------
def _is_negative_lit(e: Lit) -> bool:
    v = e.value
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return str(v).startswith("-")  # also -0.0
    return v < 0


def _precedence(e: Node) -> int:
    if isinstance(e, Binary):
        return e.op.precedence
    if isinstance(e, Unary) or (isinstance(e, Lit) and _is_negative_lit(e)):
        return UNARY_PRECEDENCE
    return _ATOM


def _wrap(e: Node, parens: bool) -> str:
    text = expr_to_text(e)
    return f"({text})" if parens else text


def _unary(e: Unary) -> str:
    x = e.operand
    # `-1` would read back as the literal -1, so a negated non-negative literal keeps parens.
    folded = e.op is UnOp.NEG and isinstance(x, Lit) and not isinstance(x.value, bool) \
        and not _is_negative_lit(x)
    return e.op.value + _wrap(x, folded or _precedence(x) < UNARY_PRECEDENCE)


def _binary(e: Binary) -> str:
    p = e.op.precedence
    lhs = _wrap(e.lhs, _precedence(e.lhs) < p)
    rhs = _wrap(e.rhs, _precedence(e.rhs) <= p)
    return f"{lhs} {e.op.value} {rhs}"


def _args(args: tuple) -> str:
    return ", ".join(expr_to_text(a) for a in args)


def _atomic(e: Atomic) -> str:
    parts = [f"{e.buffer}[{expr_to_text(e.index)}]", *(expr_to_text(a) for a in e.args)]
    if e.order is not MemOrder.RELAXED:
        parts.append(e.order.value)
    return f"{e.op.spelling}({', '.join(parts)})"


# A hook that may supply a literal's spelling (None: the canonical one); `vyre fmt` uses it
# to keep the hexadecimal literals the author wrote.
literal_spelling: ContextVar[Callable[[Lit], str | None] | None] = ContextVar("literal_spelling", default=None)


def _literal(e: Lit) -> str:
    hook = literal_spelling.get()
    spelled = hook(e) if hook is not None else None
    return spelled if spelled is not None else format_literal(e)


_EXPR_PRINTERS = {
    Lit: _literal,
    Ref: lambda e: e.name,
    ThreadId: lambda e: f"{e.kind.value}.{AXES[e.axis]}",
    Len: lambda e: f"len({e.buffer})",
    Load: lambda e: f"{e.buffer}[{expr_to_text(e.index)}]",
    Unary: _unary,
    Binary: _binary,
    Cast: lambda e: f"{e.type.value}({expr_to_text(e.operand)})",
    Bitcast: lambda e: f"bitcast<{e.type.value}>({expr_to_text(e.operand)})",
    Call: lambda e: f"{e.fn.value}({_args(e.args)})",
    Atomic: _atomic,
}


def expr_to_text(e: Node) -> str:
    """One expression in VIR0 syntax, e.g. for quoting it in an error message."""
    try:
        printer = _EXPR_PRINTERS[type(e)]
    except KeyError:
        raise TypeError(f"not a VIR0 expression: {type(e).__name__}") from None
    return printer(e)


# --- statements and declarations ----------------------------------------------------------------
def _annotated(kw: str, name: str, typ, value: Node) -> str:
    ann = f": {typ.value}" if typ is not None else ""
    return f"{kw} {name}{ann} = {expr_to_text(value)}"


def _assign_op(op) -> str:
    return "=" if op is None else op.value + "="


def _fence(s: Fence) -> str:
    if s.scope is not Scope.DEVICE:
        return f"fence({s.order.value}, {s.scope.value})"
    if s.order is not MemOrder.SEQ_CST:
        return f"fence({s.order.value})"
    return "fence()"


_SIMPLE = {
    Let: lambda s: _annotated("let", s.name, s.type, s.value),
    VarDecl: lambda s: _annotated("var", s.name, s.type, s.value),
    Assign: lambda s: f"{s.name} {_assign_op(s.op)} {expr_to_text(s.value)}",
    Store: lambda s: f"{s.buffer}[{expr_to_text(s.index)}] {_assign_op(s.op)} {expr_to_text(s.value)}",
    Break: lambda s: "break",
    Continue: lambda s: "continue",
    Return: lambda s: "return",
    Barrier: lambda s: "barrier()",
    Fence: _fence,
    Eval: lambda s: expr_to_text(s.expr),
    Param: lambda d: f"param {d.name}: {d.type.value}",
    Buffer: lambda d: (
        f"buffer {d.name}: {d.elem.value}[{'' if d.size is None else d.size}] {d.access.value}"
        + (" host" if d.placement is Placement.HOST else "")
    ),
    Shared: lambda d: f"shared {d.name}: {d.elem.value}[{d.size}]",
}


def _block(stmts: tuple, depth: int) -> Iterator[Line]:
    for s in stmts:
        yield from _stmt(s, depth)


def _if(s: If, depth: int, prefix: str, anchor: tuple) -> Iterator[Line]:
    yield Line(depth, f"{prefix}if {expr_to_text(s.cond)} {{", anchor)
    yield from _block(s.then, depth + 1)
    if len(s.orelse) == 1 and isinstance(s.orelse[0], If):
        yield from _if(s.orelse[0], depth, "} else ", ("close", s, 0))
    elif s.orelse:
        yield Line(depth, "} else {", ("close", s, 0))
        yield from _block(s.orelse, depth + 1)
        yield Line(depth, "}", ("close", s, 1))
    else:
        yield Line(depth, "}", ("close", s, 0))


def _stmt(s: Node, depth: int) -> Iterator[Line]:
    simple = _SIMPLE.get(type(s))
    if simple is not None:
        yield Line(depth, simple(s), ("node", s))
        return
    if isinstance(s, If):
        yield from _if(s, depth, "", ("node", s))
        return
    if isinstance(s, For):
        step = f" step {expr_to_text(s.step)}" if s.step is not None else ""
        head = f"for {s.var} in {expr_to_text(s.start)}..{expr_to_text(s.end)}{step} {{"
    elif isinstance(s, While):
        head = f"while {expr_to_text(s.cond)} {{"
    elif isinstance(s, Loop):
        head = "loop {"
    else:
        raise TypeError(f"not a VIR0 statement: {type(s).__name__}")
    yield Line(depth, head, ("node", s))
    yield from _block(s.body, depth + 1)
    yield Line(depth, "}", ("close", s, 0))


def _kernel(k: Kernel) -> Iterator[Line]:
    dims = ", ".join(str(d) for d in k.workgroup)
    yield Line(0, f"kernel {k.name} workgroup({dims}) {{", ("node", k))
    for d in k.decls:
        yield Line(1, _SIMPLE[type(d)](d), ("node", d))
    yield from _block(k.body, 1)
    yield Line(0, "}", ("close", k, 0))


def lines(node: Module | Kernel) -> Iterator[Line]:
    """The canonical text of ``node`` as tagged lines, header included."""
    kernels = node.kernels if isinstance(node, Module) else (node,)
    yield Line(0, "vir0", ("header",))
    for k in kernels:
        yield Line(0, "", None)
        yield from _kernel(k)


def render(rows: list[Line] | Iterator[Line]) -> str:
    return "".join((INDENT * r.depth + r.text if r.text else "") + "\n" for r in rows)


def to_text(node: Module | Kernel) -> str:
    """The canonical VIR0 text of a module, or of a single kernel as a one-kernel file."""
    if not isinstance(node, Module | Kernel):
        raise TypeError(f"to_text takes a Module or a Kernel, not {type(node).__name__}")
    return render(lines(node))


def stmt_to_text(stmt: Node, depth: int = 0) -> str:
    """One statement (with its nested blocks) in VIR0 syntax, without a trailing newline."""
    return render(_stmt(stmt, depth)).rstrip("\n")
