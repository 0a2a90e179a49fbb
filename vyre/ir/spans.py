"""Narrower spans for diagnostics: point the caret at a name or clause, not a whole statement.

Nodes carry the span of the whole construct (a kernel's span covers its body).  When the
source text is known (the parser remembers it), these helpers find the part of the first
line that a diagnostic is about; without the text they return the span unchanged.
"""

from __future__ import annotations

import re

from vyre.source import Span, source_line


def word_span(span: Span | None, word: str) -> Span | None:
    """The first whole-word ``word`` on ``span``'s first line, at or after its start."""
    if span is None:
        return None
    line = source_line(span)
    if line is None:
        return span
    pattern = rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])"
    for m in re.finditer(pattern, line):
        inside = span.end_line > span.line or m.end() <= span.end_col - 1
        if m.start() >= span.col - 1 and inside:
            return Span(span.file, span.line, m.start() + 1, span.line, m.end() + 1)
    return span


def clause_span(span: Span | None, keyword: str) -> Span | None:
    """``keyword(...)`` on ``span``'s first line, up to and including its closing parenthesis."""
    start = word_span(span, keyword)
    if start is None or start is span:
        return span
    line = source_line(start) or ""
    close = line.find(")", start.end_col - 1)
    if close < 0:
        return start
    return Span(start.file, start.line, start.col, start.line, close + 2)
