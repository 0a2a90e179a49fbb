"""Barrier uniformity (V250): every invocation of a workgroup must reach each barrier together.

A value is *non-uniform* when invocations of one workgroup may disagree on it: ``gid`` and
``lid``, buffer and shared loads, atomic results, and bindings derived from them (a ``var``
also becomes non-uniform when it is assigned under non-uniform control).  ``wid``, ``nwg``,
params, ``len()`` and literals are uniform.  A barrier is rejected when

* it is nested in an ``if``/``while``/``for`` whose condition or range is non-uniform, or
* a ``break``/``continue`` under non-uniform control lets some invocations skip it in the
  same loop (before or after it: the next iteration comes back to it), or a ``return``
  under non-uniform control precedes it or sits in an enclosing loop.

Loops make this a fixpoint: a var tainted late in a loop body taints its uses earlier in the
body on the next iteration, so the body is walked until nothing new is learned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vyre.ir.nodes import (
    Assign,
    Atomic,
    Barrier,
    Break,
    Continue,
    Expr,
    For,
    If,
    Kernel,
    Let,
    Load,
    Loop,
    Ref,
    Return,
    Stmt,
    ThreadId,
    VarDecl,
    While,
)
from vyre.ir.ops import IdKind
from vyre.ir.rules import walk_expr
from vyre.source import Span

Report = Callable[[str, str, str, "Span | None"], None]

_NON_UNIFORM_IDS = (IdKind.GID, IdKind.LID)
_NESTED_FIX = ("move barrier() out of the {what}, or make its {part} depend only on "
               "wid, nwg, params, len() and constants")
_EXIT_FIX = ("move the {word} after the barrier, or wrap the work in an if instead of "
             "leaving early")


@dataclass
class _Level:
    """One level of nested control flow and, if so, why invocations may diverge there."""

    clause: str | None = None  # completes "barrier() ..., but <clause>"
    root: str | None = None  # the non-uniform source, e.g. "gid.x"
    fix: str = ""
    loop: Stmt | None = None


def _at(node: object) -> str:
    span = getattr(node, "span", None)
    return f" (line {span.line})" if span is not None else ""


class _Uniformity:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.taint: dict[int, str] = {}  # id(binding statement) -> non-uniform root
        self.exits: dict[int, _Level] = {}  # id(loop) -> a divergent exit inside it
        self.found: list[tuple[Barrier, _Level]] = []

    def run(self) -> list[tuple[Barrier, _Level]]:
        while True:
            before = (len(self.taint), len(self.exits))
            self.found = []
            self.scopes: list[dict[str, tuple[int, int]]] = [{}]  # name -> (key, level index)
            self.levels = [_Level()]
            self.block(self.kernel.body)
            if (len(self.taint), len(self.exits)) == before:
                return self.found

    # --- values ------------------------------------------------------------------------
    def root(self, *exprs: Expr | None) -> str | None:
        """What makes the value of ``exprs`` non-uniform, or None when it is uniform."""
        for e in exprs:
            if e is None:
                continue
            for x in walk_expr(e):
                match x:
                    case ThreadId(kind=kind, axis=axis) if kind in _NON_UNIFORM_IDS:
                        return f"{kind.value}.{'xyz'[axis] if axis in (0, 1, 2) else axis}"
                    case Load(buffer=b):
                        return f"a load from '{b}'"
                    case Atomic(op=op):
                        return f"the result of {op.spelling}"
                    case Ref(name=name):
                        found = self.lookup(name)
                        if found is not None and found[0] in self.taint:
                            return self.taint[found[0]]
        return None

    def lookup(self, name: str) -> tuple[int, int] | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def bind(self, name: str, node: Stmt, root: str | None) -> None:
        self.scopes[-1][name] = (id(node), len(self.levels))
        if root is not None:
            self.taint.setdefault(id(node), root)

    def divergence(self, start: int = 0) -> _Level | None:
        """The innermost diverging level at index ``start`` or deeper."""
        for level in reversed(self.levels[start:]):
            if level.clause is not None:
                return level
        return None

    # --- statements --------------------------------------------------------------------
    def block(self, stmts: tuple[Stmt, ...], level: _Level | None = None, bound: tuple = ()) -> None:
        self.levels.append(level or _Level())
        self.scopes.append({})
        for name, node, root in bound:
            self.bind(name, node, root)
        for s in stmts:
            self.stmt(s)
        self.scopes.pop()
        self.levels.pop()

    def nested(self, node: Stmt, what: str, part: str, root: str | None) -> _Level:
        if root is None:
            return _Level()
        return _Level(f"it is inside {what} whose {part} depends on {root}{_at(node)}", root,
                      _NESTED_FIX.format(what=what.split(" ", 1)[1], part=part))

    def loop_level(self, node: Stmt, level: _Level) -> _Level:
        if level.clause is None and id(node) in self.exits:
            level = _Level(**vars(self.exits[id(node)]))
        level.loop = node
        return level

    def stmt(self, s: Stmt) -> None:
        match s:
            case Let(name=name, value=v) | VarDecl(name=name, value=v):
                self.bind(name, s, self.root(v))
            case Assign(name=name, value=v):
                found = self.lookup(name)
                if found is not None:
                    key, decl_level = found
                    div = self.divergence(decl_level)
                    root = self.root(v) or (div.root if div is not None else None)
                    if root is not None:
                        self.taint.setdefault(key, root)
            case If(cond=c, then=then, orelse=orelse):
                r = self.root(c)
                self.block(then, self.nested(s, "an if", "condition", r))
                self.block(orelse, self.nested(s, "an if", "condition", r))
            case While(cond=c, body=body):
                level = self.nested(s, "a while loop", "condition", self.root(c))
                self.block(body, self.loop_level(s, level))
            case For(var=var, start=a, end=b, step=st, body=body):
                r = self.root(a, b, st)
                level = self.nested(s, "a for loop", "range", r)
                self.block(body, self.loop_level(s, level), ((var, s, r),))
            case Loop(body=body):
                self.block(body, self.loop_level(s, _Level()))
            case Break() | Continue():
                self.leave(s, type(s).__name__.lower())
            case Return():
                self.leave(s, "return")
            case Barrier():
                div = self.divergence()
                if div is not None:
                    self.found.append((s, div))

    def leave(self, s: Stmt, word: str) -> None:
        """An early exit: when it diverges, later barriers in its reach are skipped by some."""
        loops = [i for i, lv in enumerate(self.levels) if lv.loop is not None]
        if word != "return" and not loops:
            return  # break outside a loop: reported by the rules check
        start = loops[-1] + 1 if word != "return" else 0
        div = self.divergence(start)
        if div is None:
            return
        exit_level = _Level(
            f"the {word}{_at(s)} depends on {div.root}, so some invocations may skip the barrier",
            div.root, _EXIT_FIX.format(word=word),
        )
        # The rest of the reach diverges now; earlier barriers in the loops on the next pass.
        affected = loops[-1:] if word != "return" else loops + [0]
        for i in affected:
            level = self.levels[i]
            if level.loop is not None:
                self.exits.setdefault(id(level.loop), exit_level)
            if level.clause is None:
                self.levels[i] = _Level(exit_level.clause, exit_level.root, exit_level.fix, level.loop)


def check_uniformity(kernel: Kernel, report: Report) -> None:
    """Report V250 for every barrier that not all invocations of a workgroup reach together."""
    for barrier, level in _Uniformity(kernel).run():
        report(
            "V250",
            f"barrier() must be reached by all invocations of a workgroup together, but {level.clause}",
            level.fix,
            barrier.span,
        )
