"""Source positions, and the registry of source texts used to quote lines in errors."""

from __future__ import annotations

from dataclasses import dataclass

# Source texts by file name, so an error raised far from the parser can quote the line.
_SOURCES: dict[str, str] = {}


@dataclass(frozen=True, order=True)
class Span:
    """A region of a source file; lines and columns start at 1, the end column is exclusive."""

    file: str | None
    line: int
    col: int
    end_line: int
    end_col: int

    def location(self) -> str:
        return f"{self.file or '<input>'}:{self.line}:{self.col}"


def remember_source(file: str, text: str) -> None:
    """Record ``text`` as the contents of ``file`` for later error rendering."""
    _SOURCES[file] = text


def source_line(span: Span, text: str | None = None) -> str | None:
    """The line ``span`` starts on, from ``text`` or from the remembered source of its file."""
    if text is None and span.file is not None:
        text = _SOURCES.get(span.file)
    if text is None:
        return None
    lines = text.splitlines()
    if 1 <= span.line <= len(lines):
        return lines[span.line - 1]
    return None
