"""How the command line reports problems: exit codes, rendered errors, internal errors.

Every command returns an exit code; ``guarded`` turns exceptions into the documented
codes so no user ever sees a traceback unless they ask for one with ``VYRE_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import TextIO

from vyre.errors import UsageError, VyreError

# The exit codes of every `vyre` command (docs/cli.md and `vyre --help` list them).
EXIT_OK = 0
EXIT_ERROR = 1  # the program, an input file or the data is wrong
EXIT_USAGE = 2  # the command line itself is malformed
EXIT_INTERNAL = 3  # a bug in vyre
EXIT_BROKEN_PIPE = 141  # stdout was closed early (`vyre ... | head`), as a shell would report
EXIT_INTERRUPTED = 130  # Ctrl-C

ISSUES_HINT = "report it with the command line and the input files; run with VYRE_DEBUG=1 to see the traceback"


def error(err: VyreError, stream: TextIO | None = None) -> None:
    """Print ``err`` with every diagnostic's position, source line, caret and fix."""
    print(err.render(), file=stream or sys.stderr)


def exit_code_for(err: VyreError) -> int:
    """Usage errors (V7xx raised for a malformed command line) exit 2, everything else 1."""
    return EXIT_USAGE if isinstance(err, UsageError) else EXIT_ERROR


def internal_error(exc: BaseException, stream: TextIO | None = None) -> None:
    """One paragraph for an exception vyre did not expect: what it was and what to do."""
    stream = stream or sys.stderr
    summary = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    print(
        f"vyre: internal error: {summary}\n"
        "  This is a bug in vyre, not in your program or command line.\n"
        f"  Fix: {ISSUES_HINT}.",
        file=stream,
    )
    if debugging():
        traceback.print_exception(exc, file=stream)


def debugging() -> bool:
    return os.environ.get("VYRE_DEBUG", "") not in ("", "0")


def guarded(command: Callable[[], int]) -> int:
    """Run ``command`` and map every way it can end onto an exit code."""
    try:
        return command()
    except VyreError as err:
        error(err)
        if debugging():
            traceback.print_exc()
        return exit_code_for(err)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except MemoryError:
        print(
            "error: out of memory: the buffers or the program are too large for this machine\n"
            "  Fix: use smaller buffers (a smaller --size, or smaller .npy files)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        internal_error(exc)
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    # Python flushes stdout at exit; with the reader gone that flush would raise again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
