"""Parsing VIR0 text into IR: ``parse(text, file)`` and ``load(path)``.

The grammar is grammar/vir0.lark (LALR).  Well-formed text is parsed by the fast driver in
vyre/ir/lalr.py on tables exported from Lark, calling ``_TreeBuilder``'s methods to build
vyre.ir.nodes with source spans as each rule is reduced.  Text that does not parse goes
through Lark itself, whose exceptions vyre/ir/syntax_errors.py turns into plain words.
Every problem comes out as a VyreSyntaxError (codes V1xx); no other exception escapes
``parse`` for any input.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from vyre.errors import VyreError, VyreSyntaxError
from vyre.ir import lalr
from vyre.ir.grammar import COMMENTS, NewlinePostLexer, get_parser, get_tables
from vyre.ir.literals import LiteralError, parse_number
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
    AXES,
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
from vyre.source import Span, remember_source

MAX_WORKGROUP_DIMS = 3
# Passes over the IR (printer, validator, lowering) recurse on it, so the nesting of
# expressions and blocks is bounded well inside Python's recursion limit.
MAX_DEPTH = 200
_DECLS = (Param, Buffer, Shared)
_ATOMICS = {op.spelling: op for op in AtomicOp}
_BUILTINS = {b.value: b for b in Builtin}


class Layout:
    """Where things are in the source, beyond node spans; used by the formatter.

    ``comments`` are the comment tokens (str with ``.line`` and ``.column``); ``closes``
    maps ``id(node)`` of a kernel or compound statement to the (line, col) of the closing
    brace of each of its blocks, in order; ``header`` is where ``vir0`` is.
    """

    __slots__ = ("text", "header", "comments", "closes")

    def __init__(self, text: str) -> None:
        self.text = text
        self.header: tuple[int, int] = (1, 1)
        self.comments: list[Any] = []
        self.closes: dict[int, list[tuple[int, int]]] = {}


class _Block:
    __slots__ = ("items", "close", "span")

    def __init__(self, items: tuple[Any, ...], close: tuple[int, int], span: Span) -> None:
        self.items, self.close, self.span = items, close, span


def _fail(message: str, fix: str, span: Span | None, code: str) -> VyreSyntaxError:
    return VyreSyntaxError(message, fix=fix, code=code, span=span)


class _TreeBuilder:
    """Builds IR nodes rule by rule: ``self.<rule>(meta, children)``.

    Raises VyreSyntaxError for what the grammar admits but VIR0 does not (a malformed
    number, a declaration inside a block, ...).  Tokens are Lark's or vyre.ir.lalr's Tok.
    """

    def __init__(self, file: str | None, layout: Layout) -> None:
        self.file = file
        self.layout = layout
        self._lines: list[str] | None = None

    # --- helpers ------------------------------------------------------------------------
    def _span(self, meta: Any) -> Span:
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, tok: Any) -> Span:
        return Span(self.file, tok.line, tok.column, tok.end_line, tok.end_column)

    def _char_at(self, span: Span) -> str:
        if self._lines is None:
            self._lines = self.layout.text.split("\n")
        line = self._lines[span.line - 1]
        return line[span.col - 1] if span.col - 1 < len(line) else ""

    def _stmts(self, block: _Block) -> tuple[Any, ...]:
        for item in block.items:
            if isinstance(item, _DECLS):
                kind = type(item).__name__.lower()
                raise _fail(
                    f"a '{kind}' declaration cannot appear inside a block",
                    "move 'shared'/'param'/'buffer' declarations to the top of the kernel body",
                    item.span, "V115")
        return block.items

    def _int(self, tok: Any, what: str) -> int:
        lit = self._number(tok)
        if not isinstance(lit.value, int) or isinstance(lit.value, bool) or lit.type is not None:
            raise _fail(f"{what} must be a plain integer, but got '{tok}'",
                        f"write {what} as a whole number without a suffix, e.g. 256",
                        self._tspan(tok), "V112")
        return lit.value

    def _number(self, tok: Any) -> Lit:
        try:
            return parse_number(str(tok))
        except LiteralError as e:
            raise _fail(e.message, e.fix, self._tspan(tok), "V112") from None

    # --- module and kernel ----------------------------------------------------------------
    def start(self, meta: Any, ch: list) -> Module:
        header = ch[0]
        self.layout.header = (header.line, header.column)
        return Module(tuple(ch[1:]), span=self._span(meta))

    def kernel(self, meta: Any, ch: list) -> Kernel:
        name, *dims, block = ch
        if len(dims) > MAX_WORKGROUP_DIMS:
            extra = dims[MAX_WORKGROUP_DIMS]
            raise _fail(
                f"workgroup has {len(dims)} dimensions, but at most 3 are allowed",
                "give the workgroup size as workgroup(x), workgroup(x, y) or workgroup(x, y, z)",
                self._tspan(extra), "V113")
        workgroup = tuple(self._int(d, "a workgroup size") for d in dims)
        decls: list = []
        body: list = []
        for item in block.items:
            if isinstance(item, _DECLS):
                if body:
                    raise _fail(
                        f"declaration of '{item.name}' after the first statement",
                        "move all param, buffer and shared declarations above the statements",
                        item.span, "V115")
                decls.append(item)
            else:
                body.append(item)
        node = Kernel(str(name), workgroup, tuple(decls), tuple(body), span=self._span(meta))
        self.layout.closes[id(node)] = [block.close]
        return node

    def block(self, meta: Any, ch: list) -> _Block:
        return _Block(tuple(ch), (meta.end_line, meta.end_column - 1), self._span(meta))

    # --- declarations -----------------------------------------------------------------------
    def param(self, meta: Any, ch: list) -> Param:
        return Param(str(ch[0]), ch[1], span=self._span(meta))

    def buffer(self, meta: Any, ch: list) -> Buffer:
        name, elem, size, access, host = ch
        return Buffer(str(name), elem, None if size is None else self._int(size, "a buffer size"),
                      access, Placement.HOST if host is not None else Placement.GLOBAL,
                      span=self._span(meta))

    def shared(self, meta: Any, ch: list) -> Shared:
        name, elem, size = ch
        if size is None:
            raise _fail(f"shared array '{name}' has no size",
                        f"give shared arrays a static size, e.g. shared {name}: {elem.value}[256]",
                        self._span(meta), "V117")
        return Shared(str(name), elem, self._int(size, "a shared array size"), span=self._span(meta))

    def type(self, meta: Any, ch: list) -> ScalarType:
        return ScalarType(ch[0].value)

    def access(self, meta: Any, ch: list) -> Access:
        return Access(ch[0].value)

    def order(self, meta: Any, ch: list) -> MemOrder:
        return MemOrder(ch[0].value)

    def scope(self, meta: Any, ch: list) -> Scope:
        return Scope(ch[0].value)

    def id_kind(self, meta: Any, ch: list) -> IdKind:
        return IdKind(ch[0].value)

    def assign_op(self, meta: Any, ch: list) -> BinOp | None:
        op = ch[0].value
        return None if op == "=" else BinOp(op[:-1])

    # --- statements -------------------------------------------------------------------------
    def let(self, meta: Any, ch: list) -> Let:
        return Let(str(ch[0]), ch[1], ch[2], span=self._span(meta))

    def var(self, meta: Any, ch: list) -> VarDecl:
        return VarDecl(str(ch[0]), ch[1], ch[2], span=self._span(meta))

    def assign(self, meta: Any, ch: list) -> Assign:
        return Assign(str(ch[0]), ch[2], ch[1], span=self._span(meta))

    def store(self, meta: Any, ch: list) -> Store:
        return Store(str(ch[0]), ch[1], ch[3], ch[2], span=self._span(meta))

    def if_stmt(self, meta: Any, ch: list) -> If:
        cond, then = ch[0], ch[1]
        closes = [then.close]
        orelse: tuple = ()
        if len(ch) == 3:
            other = ch[2]
            if isinstance(other, _Block):
                orelse = self._stmts(other)
                closes.append(other.close)
            else:
                orelse = (other,)
        node = If(cond, self._stmts(then), orelse, span=self._span(meta))
        self.layout.closes[id(node)] = closes
        return node

    def for_stmt(self, meta: Any, ch: list) -> For:
        var, start, end, step, body = ch
        node = For(str(var), start, end, step, self._stmts(body), span=self._span(meta))
        self.layout.closes[id(node)] = [body.close]
        return node

    def while_stmt(self, meta: Any, ch: list) -> While:
        node = While(ch[0], self._stmts(ch[1]), span=self._span(meta))
        self.layout.closes[id(node)] = [ch[1].close]
        return node

    def loop_stmt(self, meta: Any, ch: list) -> Loop:
        node = Loop(self._stmts(ch[0]), span=self._span(meta))
        self.layout.closes[id(node)] = [ch[0].close]
        return node

    def break_stmt(self, meta: Any, ch: list) -> Break:
        return Break(span=self._span(meta))

    def continue_stmt(self, meta: Any, ch: list) -> Continue:
        return Continue(span=self._span(meta))

    def return_stmt(self, meta: Any, ch: list) -> Return:
        return Return(span=self._span(meta))

    def barrier_stmt(self, meta: Any, ch: list) -> Barrier:
        return Barrier(span=self._span(meta))

    def fence_stmt(self, meta: Any, ch: list) -> Fence:
        order, scope = ch
        return Fence(order or MemOrder.SEQ_CST, scope or Scope.DEVICE, span=self._span(meta))

    def fence_scope(self, meta: Any, ch: list) -> Fence:
        return Fence(MemOrder.SEQ_CST, ch[0], span=self._span(meta))

    def eval_stmt(self, meta: Any, ch: list) -> Eval:
        expr = ch[0]
        if not isinstance(expr, Atomic):
            name = expr.fn.value if isinstance(expr, Call) else "the call"
            raise _fail(
                f"the result of {name}(...) is computed and then thrown away",
                f"only atomic operations can stand alone as statements; use the value, "
                f"e.g. let v = {name}(...)",
                expr.span, "V118")
        return Eval(expr, span=self._span(meta))

    # --- expressions ------------------------------------------------------------------------
    def binary(self, meta: Any, ch: list) -> Binary:
        return Binary(BinOp(ch[1].value), ch[0], ch[2], span=self._span(meta))

    def unary(self, meta: Any, ch: list) -> Unary | Lit:
        op, operand = ch
        # `-1` is the literal -1 (so INT_MIN is expressible), but `-(1)` stays a negation.
        if (op.value == "-" and isinstance(operand, Lit) and not isinstance(operand.value, bool)
                and self._char_at(operand.span).isdigit()):
            return Lit(-operand.value, operand.type, span=self._span(meta))
        return Unary(UnOp(op.value), operand, span=self._span(meta))

    def number(self, meta: Any, ch: list) -> Lit:
        return replace(self._number(ch[0]), span=self._span(meta))

    def true(self, meta: Any, ch: list) -> Lit:
        return Lit(True, ScalarType.BOOL, span=self._span(meta))

    def false(self, meta: Any, ch: list) -> Lit:
        return Lit(False, ScalarType.BOOL, span=self._span(meta))

    def ref(self, meta: Any, ch: list) -> Ref:
        return Ref(str(ch[0]), span=self._span(meta))

    def thread_id(self, meta: Any, ch: list) -> ThreadId:
        kind, axis = ch
        if axis not in AXES:
            raise _fail(f"'{kind.value}' has components .x, .y and .z, not .{axis}",
                        f"write {kind.value}.x, {kind.value}.y or {kind.value}.z",
                        self._tspan(axis), "V114")
        return ThreadId(kind, AXES.index(str(axis)), span=self._span(meta))

    def length(self, meta: Any, ch: list) -> Len:
        return Len(str(ch[0]), span=self._span(meta))

    def load(self, meta: Any, ch: list) -> Load:
        return Load(str(ch[0]), ch[1], span=self._span(meta))

    def cast(self, meta: Any, ch: list) -> Cast:
        return Cast(ch[0], ch[1], span=self._span(meta))

    def bitcast(self, meta: Any, ch: list) -> Bitcast:
        return Bitcast(ch[1], ch[3], span=self._span(meta))

    def paren(self, meta: Any, ch: list) -> Any:
        # The span grows to cover the parentheses; `unary` relies on that to tell -(1) from -1.
        return replace(ch[0], span=self._span(meta))

    def args(self, meta: Any, ch: list) -> tuple[tuple, MemOrder | None]:
        return tuple(ch[:-1]), ch[-1]

    def order_only(self, meta: Any, ch: list) -> tuple[tuple, MemOrder | None]:
        return (), ch[0]

    def call(self, meta: Any, ch: list) -> Call | Atomic:
        name_tok, args = ch
        name = str(name_tok)
        exprs, order = args if args is not None else ((), None)
        span = self._span(meta)
        if name in _ATOMICS:
            if not exprs or not isinstance(exprs[0], Load):
                raise _fail(
                    f"the first argument of {name} must be a buffer element like buf[i]",
                    f"write {name}(buf[i], ...), naming the buffer or shared array element to update",
                    exprs[0].span if exprs else span, "V116")
            target = exprs[0]
            return Atomic(_ATOMICS[name], target.buffer, target.index, exprs[1:],
                          order or MemOrder.RELAXED, span=span)
        if name in _BUILTINS:
            if order is not None:
                raise _fail(f"{name}(...) does not take a memory ordering",
                            "memory orderings are only for atomic_* operations; remove it",
                            span, "V116")
            return Call(_BUILTINS[name], exprs, span=span)
        from vyre.ir.syntax_errors import unknown_function

        raise unknown_function(name, self._tspan(name_tok))

    def callbacks(self) -> dict[str, Any]:
        """The rule callbacks for the fast driver, by rule name."""
        return {name: getattr(self, name) for name in dir(self)
                if not name.startswith("_") and name != "callbacks"}


def parse_with_layout(text: str, file: str | None = None) -> tuple[Module, Layout]:
    """Parse ``text`` and also return where its comments and closing braces are."""
    if not isinstance(text, str):
        raise VyreSyntaxError(f"expected VIR0 source text (a str), but got {type(text).__name__}",
                              fix="pass the contents of the .vir file as a str", code="V100")
    name = file if file is not None else "<input>"
    remember_source(name, text)
    layout = Layout(text)
    tables = get_tables()
    if tables is None:
        return _parse_with_lark(text, name, layout), layout
    try:
        tokens = NewlinePostLexer().process(tables.tokens(text, layout.comments))
        module = tables.parse(tokens, _TreeBuilder(name, layout).callbacks(), MAX_DEPTH)
    except lalr.TooDeep as e:
        m = e.meta
        raise _too_deep(Span(name, m.line, m.column, m.line, m.column + 1), text) from None
    except (lalr.NotParsed, VyreError, RecursionError):
        # Lark re-parses to explain the problem.  It reports grammar errors anywhere in the
        # text before problems the tree builder finds, so errors come out the same either way.
        layout = Layout(text)
        module = _parse_with_lark(text, name, layout)
    return module, layout


def _parse_with_lark(text: str, name: str, layout: Layout) -> Module:
    from lark import Transformer
    from lark.exceptions import UnexpectedInput, VisitError

    from vyre.ir import syntax_errors

    builder = _TreeBuilder(name, layout)

    class _Adapter(Transformer):
        def __default__(self, data: str, children: list, meta: Any) -> Any:
            return getattr(builder, data)(meta, children)

    COMMENTS.sink = layout.comments
    try:
        tree = get_parser().parse(text)
        return _Adapter(visit_tokens=False).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, VyreError):
            raise _with_source(e.orig_exc, text) from None
        if isinstance(e.orig_exc, RecursionError):
            raise _too_deep(Span(name, 1, 1, 1, 2), text) from None
        raise  # a bug in the tree builder: let it show
    except UnexpectedInput as e:
        raise syntax_errors.translate(e, text, name) from None
    except RecursionError:
        raise _too_deep(Span(name, 1, 1, 1, 2), text) from None
    finally:
        COMMENTS.sink = None


def _with_source(err: VyreError, text: str) -> VyreError:
    err.source = text
    err.args = (err.render(),)
    return err


def _too_deep(span: Span, text: str | None = None) -> VyreSyntaxError:
    return VyreSyntaxError(
        f"the program nests more than {MAX_DEPTH} levels deep (blocks, parentheses and each "
        "operator of a chain like a + b + c count as levels)",
        fix="split long or deeply nested expressions with `let` bindings",
        code="V120", span=span, source=text)


def parse(text: str, file: str | None = None) -> Module:
    """Parse VIR0 ``text`` into a Module; spans name ``file`` (default ``<input>``).

    Raises VyreSyntaxError (codes V1xx) with the position, the source line and a Fix: hint.
    """
    return parse_with_layout(text, file)[0]


def load(path: str | os.PathLike[str]) -> Module:
    """Read a ``.vir`` file (UTF-8) and parse it."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise VyreSyntaxError(f"cannot read '{name}': no such file", code="V121",
                              fix="check the path of the .vir file") from None
    except UnicodeDecodeError as e:
        raise VyreSyntaxError(f"'{name}' is not UTF-8 text (byte {e.start} is invalid)",
                              code="V121", fix="save the file as UTF-8") from None
    except OSError as e:
        raise VyreSyntaxError(f"cannot read '{name}': {e.strerror or e}", code="V121",
                              fix="check the path and its permissions") from None
    return parse(text, name)
