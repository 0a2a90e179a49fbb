"""Statement-level rules of VIR0: control flow, atomics placement, memory access, constant bounds.

One walk over a kernel body (``check_rules``) reports, through a callback:

* V252 ``break``/``continue`` outside a loop, V253 statements after ``return``/``break``/
  ``continue`` in the same block;
* V243 atomics nested inside expressions, V244 statement expressions that are not atomics,
  V229 atomic operations the element type does not support, V245 orderings LLVM rejects;
* V240/V241 writes to ``read`` and reads from ``write`` buffers;
* V242 constant indexes (a literal, or a ``let`` bound to one) outside a static size;

Names and types are the typechecker's job (``vyre.ir.typecheck``); unknown names are
skipped here so each problem is reported once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from vyre.ir.nodes import (
    Assign,
    Atomic,
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
    Let,
    Lit,
    Load,
    Loop,
    Ref,
    Return,
    Shared,
    Stmt,
    Store,
    Unary,
    VarDecl,
    While,
)
from vyre.ir.ops import FLOAT_ATOMICS, AtomicOp, MemOrder, UnOp
from vyre.source import Span

Report = Callable[[str, str, str, "Span | None"], None]

# LLVM (and the C++ memory model) reject these orderings on these operations.
_BAD_ORDERS: dict[AtomicOp, frozenset[MemOrder]] = {
    AtomicOp.LOAD: frozenset({MemOrder.RELEASE, MemOrder.ACQ_REL}),
}


def subexprs(e: Expr) -> Iterator[Expr]:
    """The direct operands of ``e``."""
    match e:
        case Load(index=i):
            yield i
        case Unary(operand=x) | Cast(operand=x) | Bitcast(operand=x):
            yield x
        case Binary(lhs=lhs, rhs=rhs):
            yield lhs
            yield rhs
        case Call(args=args):
            yield from args
        case Atomic(index=i, args=args):
            yield i
            yield from args


def walk_expr(e: Expr) -> Iterator[Expr]:
    """``e`` and every expression inside it, outermost first."""
    stack = [e]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(reversed(list(subexprs(x))))


def stmt_exprs(s: Stmt) -> tuple[Expr, ...]:
    """The expressions a statement evaluates itself (not those of nested blocks)."""
    match s:
        case Let(value=v) | VarDecl(value=v) | Assign(value=v):
            return (v,)
        case Store(index=i, value=v):
            return (i, v)
        case If(cond=c) | While(cond=c):
            return (c,)
        case For(start=a, end=b, step=c):
            return (a, b) if c is None else (a, b, c)
        case Eval(expr=x):
            return (x,)
    return ()


class _Rules:
    def __init__(self, kernel: Kernel, report: Report) -> None:
        self.report = report
        self.decls: dict[str, Buffer | Shared] = {}
        for d in kernel.decls:
            if isinstance(d, Buffer | Shared):
                self.decls.setdefault(d.name, d)
        self.consts: list[dict[str, int | None]] = [{}]
        self.loops = 0
        self.span = kernel.span

    def error(self, code: str, message: str, fix: str, node: object) -> None:
        self.report(code, message, fix, getattr(node, "span", None) or self.span)

    # --- blocks ------------------------------------------------------------------------
    def block(self, stmts: tuple[Stmt, ...], loop: bool = False) -> None:
        self.consts.append({})
        self.loops += loop
        ended: Stmt | None = None
        reported = False
        for s in stmts:
            if ended is not None and not reported:
                word = type(ended).__name__.lower()
                self.error("V253", f"this statement can never run: it follows a '{word}' in the same block",
                           f"remove it, or move the '{word}' to the end of the block", s)
                reported = True  # one report per block; the rest is still checked
            self.stmt(s)
            if isinstance(s, Return | Break | Continue):
                ended = s
        self.loops -= loop
        self.consts.pop()

    def stmt(self, s: Stmt) -> None:
        self.span = s.span or self.span
        for e in stmt_exprs(s):
            self.expr(e, top=isinstance(s, Eval | Let | VarDecl))
        match s:
            case Let(name=name, value=v):
                self.consts[-1][name] = self.const(v)
            case VarDecl(name=name):
                self.consts[-1][name] = None
            case Store(buffer=b, index=i, op=op):
                what = "a store" if op is None else f"the compound store '{op.value}='"
                self.access(b, s, write=True, read=op is not None, what=what)
                self.bounds(b, i)
            case Eval(expr=x):
                if not isinstance(x, Atomic):
                    self.error("V244", "an expression statement must be an atomic operation; its value would be lost",
                               "bind the value with `let v = ...`, or remove the statement", s)
            case If(then=then, orelse=orelse):
                self.block(then)
                self.block(orelse)
            case For(var=v, body=body):
                self.consts.append({v: None})
                self.block(body, loop=True)
                self.consts.pop()
            case While(body=body) | Loop(body=body):
                self.block(body, loop=True)
            case Break() | Continue():
                if self.loops == 0:
                    word = type(s).__name__.lower()
                    self.error("V252", f"'{word}' outside of a loop",
                               "use 'return' to end the invocation, or put it inside for/while/loop", s)
            case Fence(order=order):
                if order is MemOrder.RELAXED:
                    self.error("V245", "a fence cannot be relaxed: it would order nothing",
                               "use fence(acquire), fence(release), fence(acq_rel) or fence(seq_cst)", s)

    # --- expressions --------------------------------------------------------------------
    def expr(self, e: Expr, top: bool) -> None:
        for i, x in enumerate(walk_expr(e)):
            match x:
                case Load(buffer=b, index=idx):
                    self.access(b, x, write=False, read=True, what="a load")
                    self.bounds(b, idx)
                case Atomic():
                    if i > 0 or not top:
                        self.error("V243", f"'{x.op.spelling}' may only be a statement or the initializer of let/var",
                                   f"bind it first: `let old = {x.op.spelling}(...)`, then use 'old'", x)
                    self.atomic(x)

    def atomic(self, a: Atomic) -> None:
        load = a.op is AtomicOp.LOAD
        self.access(a.buffer, a, write=not load, read=True, what=f"'{a.op.spelling}'")
        self.bounds(a.buffer, a.index)
        d = self.decls.get(a.buffer)
        if d is not None and d.elem.is_float and a.op not in FLOAT_ATOMICS:
            allowed = ", ".join(sorted(o.spelling for o in FLOAT_ATOMICS))
            self.error("V229", f"'{a.op.spelling}' is not available for {d.elem} elements",
                       f"float elements allow {allowed}; use an integer buffer for bitwise, min/max and compare-exchange atomics",
                       a)
        if a.order in _BAD_ORDERS.get(a.op, ()):
            self.error("V245", f"'{a.op.spelling}' cannot have the ordering {a.order.value}",
                       "a load can be relaxed, acquire or seq_cst", a)

    def access(self, name: str, node: object, *, write: bool, read: bool, what: str) -> None:
        d = self.decls.get(name)
        if not isinstance(d, Buffer):
            return  # shared arrays are always read_write; unknown names are reported elsewhere
        if write and not d.access.writable:
            self.error("V240", f"{what} writes to '{name}', which is declared read",
                       f"declare it `buffer {name}: {d.elem}[{'' if d.size is None else d.size}] read_write`", node)
        if read and not d.access.readable:
            self.error("V241", f"{what} reads from '{name}', which is declared write",
                       f"declare it `buffer {name}: {d.elem}[{'' if d.size is None else d.size}] read_write`", node)

    # --- constant bounds ---------------------------------------------------------------
    def const(self, e: Expr) -> int | None:
        """The integer value of ``e`` when it is a literal or a let bound to one."""
        match e:
            case Lit(value=v) if isinstance(v, int) and not isinstance(v, bool):
                return v
            case Unary(op=UnOp.NEG, operand=Lit(value=v)) if isinstance(v, int) and not isinstance(v, bool):
                return -v
            case Ref(name=name):
                for scope in reversed(self.consts):
                    if name in scope:
                        return scope[name]
        return None

    def bounds(self, name: str, index: Expr) -> None:
        d = self.decls.get(name)
        size = d.size if d is not None else None
        if size is None:
            return
        i = self.const(index)
        if i is not None and not 0 <= i < size:
            kind = "shared array" if isinstance(d, Shared) else "buffer"
            self.error("V242", f"the index {i} is out of bounds for the {kind} '{name}' of size {size}",
                       f"use an index from 0 to {size - 1}, or enlarge '{name}'", index)


def check_rules(kernel: Kernel, report: Report) -> None:
    """Report every statement-level rule broken in ``kernel``'s body."""
    _Rules(kernel, report).block(kernel.body)
