"""The one error hierarchy of vyre.

Every error says what went wrong, where (``file:line:col``, the source line and a caret
when a position is known) and ends with a ``Fix:`` hint.  Diagnostics carry a stable code
(``V1xx`` syntax, ``V2xx`` validation, ``V3xx`` wire format, ``V4xx`` arguments,
``V5xx`` backends and drivers, ``V6xx`` cache, ``V7xx`` command line); docs/errors.md
lists them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from vyre.source import Span, source_line


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a program: a stable code, a message, a position and a fix."""

    code: str
    message: str
    fix: str
    span: Span | None = field(default=None, compare=False)

    def render(self, source: str | None = None) -> str:
        """Format as ``file:line:col: error[CODE]: message``, the source line, a caret, the fix."""
        where = self.span.location() + ": " if self.span is not None else ""
        lines = [f"{where}error[{self.code}]: {self.message}"]
        if self.span is not None:
            text = source_line(self.span, source)
            if text is not None:
                lines.append("  " + text.rstrip("\n"))
                width = 1
                if self.span.end_line == self.span.line and self.span.end_col > self.span.col:
                    width = self.span.end_col - self.span.col
                lines.append("  " + " " * (self.span.col - 1) + "^" * width)
        lines.append(f"  Fix: {self.fix}")
        return "\n".join(lines)


class VyreError(Exception):
    """Base of every error vyre raises on purpose.

    ``diagnostics`` holds one entry per problem; ``str(err)`` renders all of them.
    """

    default_code = "V000"

    def __init__(
        self,
        message: str | None = None,
        *,
        fix: str = "",
        code: str | None = None,
        span: Span | None = None,
        diagnostics: Iterable[Diagnostic] | None = None,
        source: str | None = None,
    ) -> None:
        if diagnostics is None:
            if message is None:
                raise TypeError("VyreError needs a message or diagnostics")
            if not fix:
                raise TypeError("every VyreError needs a Fix: hint")
            diagnostics = [Diagnostic(code or self.default_code, message, fix, span)]
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        if not self.diagnostics:
            raise TypeError("VyreError needs at least one diagnostic")
        self.source = source
        super().__init__(self.render())

    @property
    def code(self) -> str:
        return self.diagnostics[0].code

    @property
    def message(self) -> str:
        return self.diagnostics[0].message

    @property
    def fix(self) -> str:
        return self.diagnostics[0].fix

    @property
    def span(self) -> Span | None:
        return self.diagnostics[0].span

    def render(self, source: str | None = None) -> str:
        src = source if source is not None else self.source
        return "\n".join(d.render(src) for d in self.diagnostics)


class VyreSyntaxError(VyreError):
    """The text is not well-formed VIR0."""

    default_code = "V100"


class ValidationError(VyreError):
    """The program is well-formed but breaks a typing, scoping or safety rule."""

    default_code = "V200"


class WireError(VyreError):
    """A binary blob is not a valid encoding of a VIR0 module."""

    default_code = "V300"


class ArgumentError(VyreError):
    """A kernel was called with missing, unknown or ill-typed arguments."""

    default_code = "V400"


class BackendError(VyreError):
    """A backend could not compile, load or run a program."""

    default_code = "V500"


class BackendUnavailableError(BackendError):
    """The requested backend cannot run on this machine (no GPU, missing package...)."""

    default_code = "V501"


class LoweringError(BackendError):
    """The program could not be lowered to LLVM IR or machine code."""

    default_code = "V510"


class CudaError(BackendError):
    """A CUDA driver call failed; the message names the call and the CUresult."""

    default_code = "V520"


class CacheError(VyreError):
    """The compile cache was misconfigured (the cache never fails on corrupt entries)."""

    default_code = "V600"


class UsageError(VyreError):
    """A command-line invocation was malformed."""

    default_code = "V700"
