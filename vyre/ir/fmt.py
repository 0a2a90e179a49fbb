"""Formatting VIR0 source: ``format_text(text, file)``.

The result is the printer's canonical text (vyre/ir/printer.py) with the comments kept:
comments on their own line stay before the item that follows them, at its indentation (or
the block's, before a closing brace); comments after code stay at the end of that line; a
comment inside a statement that spans several lines moves to the end of the joined line.
Single blank lines between items are kept; runs of them become one.  Formatting is
idempotent: ``format_text(format_text(x)) == format_text(x)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vyre.errors import VyreError
from vyre.ir.literals import parse_number
from vyre.ir.nodes import BLOCK_FIELDS, Kernel, Lit
from vyre.ir.parse import Layout, parse_with_layout
from vyre.ir.printer import INDENT, Line, lines, literal_spelling

_HEX_LITERAL = re.compile(r"-?0[xX][0-9a-fA-F]+(?:[iu](?:32|64))?")


@dataclass
class _Out:
    depth: int
    text: str
    opens: bool = False  # the line opens a block, so no blank line may follow it
    is_comment: bool = False
    comments: list[str] = field(default_factory=list)
    comment_col: int = 0  # source column of the first trailing comment

    def render(self) -> str:
        if not self.text:
            return ""
        code = INDENT * self.depth + self.text
        if not self.comments:
            return code
        # A lone trailing comment keeps its column when it still fits, so aligned comment
        # columns survive; otherwise two spaces separate code and comment.
        gap = self.comment_col - 1 - len(code) if len(self.comments) == 1 else 0
        return code + " " * max(2, gap) + "  ".join(self.comments)


class _Formatter:
    def __init__(self, text: str, layout: Layout) -> None:
        self.src = text.split("\n")
        self.layout = layout
        self.comments = sorted(layout.comments, key=lambda c: (c.line, c.column))
        self.next_comment = 0
        self.out: list[_Out] = []
        self.last_line = 0  # source line of the last thing emitted
        self.force_blank = False

    # --- positions --------------------------------------------------------------------------
    def _start(self, row: Line) -> tuple[int, int]:
        kind = row.anchor[0]
        if kind == "header":
            return self.layout.header
        node = row.anchor[1]
        if kind == "close":
            return self.layout.closes[id(node)][row.anchor[2]]
        return node.span.line, node.span.col

    def _end_line(self, row: Line) -> int:
        line = self._start(row)[0]
        if row.anchor[0] == "node":
            node = row.anchor[1]
            if not isinstance(node, Kernel) and type(node) not in BLOCK_FIELDS:
                return node.span.end_line
        return line

    def _blank_between(self, a: int, b: int) -> bool:
        return any(not self.src[i - 1].strip() for i in range(a + 1, b))

    def _same_code(self, tok, text: str) -> bool:
        """Whether the code before ``tok`` on its source line is already ``text``."""
        return self.src[tok.line - 1][: tok.column - 1].strip() == text

    def _is_trailing(self, tok) -> bool:
        return bool(self.src[tok.line - 1][: tok.column - 1].strip())

    # --- emitting -----------------------------------------------------------------------------
    def _blank_before(self, line: int, closing: bool = False, comment: bool = False) -> None:
        prev = self.out[-1] if self.out else None
        if prev is None or prev.opens or closing:
            self.force_blank = False
            return
        # A kernel is set off by a blank line, unless comments lead into it: then the
        # source decides, as it does everywhere else.
        forced = self.force_blank and not comment and not prev.is_comment
        if forced or self._blank_between(self.last_line, line):
            self.out.append(_Out(0, ""))
        if not comment:
            self.force_blank = False

    def _flush_comments(self, before: tuple[int, int] | None, depth: int) -> None:
        while self.next_comment < len(self.comments):
            tok = self.comments[self.next_comment]
            if before is not None and (tok.line, tok.column) >= before:
                return
            self.next_comment += 1
            text = str(tok).rstrip()
            last = self.out[-1] if self.out else None
            if self._is_trailing(tok) and last is not None and last.text:
                if not last.comments and self._same_code(tok, last.text):
                    last.comment_col = tok.column
                last.comments.append(text)
            else:
                self._blank_before(tok.line, comment=True)
                self.out.append(_Out(depth, text, is_comment=True))
            self.last_line = tok.line

    def run(self, rows: list[Line]) -> str:
        for row in rows:
            if row.anchor is None:
                self.force_blank = True
                continue
            start = self._start(row)
            closing = row.anchor[0] == "close"
            self._flush_comments(start, row.depth + 1 if closing else row.depth)
            self._blank_before(start[0], closing)
            self.out.append(_Out(row.depth, row.text, opens=row.text.endswith("{")))
            self.last_line = self._end_line(row)
        self._flush_comments(None, 0)
        return "".join(o.render() + "\n" for o in self.out)


def format_text(text: str, file: str | None = None) -> str:
    """Canonical formatting of VIR0 ``text`` that keeps its comments.

    Raises VyreSyntaxError when ``text`` does not parse (nothing is formatted then).
    """
    module, layout = parse_with_layout(text, file)
    token = literal_spelling.set(_hex_spelling(text.split("\n")))
    try:
        return _Formatter(text, layout).run(list(lines(module)))
    finally:
        literal_spelling.reset(token)


def _hex_spelling(src: list[str]):  # type: ignore[no-untyped-def]
    """A printer hook that keeps hexadecimal literals as written (masks read better in hex)."""

    def spelling(lit: Lit) -> str | None:
        span = lit.span
        if span is None or span.line != span.end_line or not 1 <= span.line <= len(src):
            return None
        written = "".join(src[span.line - 1][span.col - 1 : span.end_col - 1].split())
        if not _HEX_LITERAL.fullmatch(written):
            return None
        negative = written.startswith("-")
        try:
            parsed = parse_number(written.lstrip("-"))
        except VyreError:
            return None
        value = -parsed.value if negative else parsed.value
        return written.lower() if Lit(value, parsed.type) == lit else None

    return spelling
