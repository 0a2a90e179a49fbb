"""The ``vyre`` command: check, format, compile and run VIR0 programs, manage the cache.

``main(argv)`` returns the exit code; every command lives in its own module and registers
its sub-parser here.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from vyre.cli import cache, check, compile, fmt, run
from vyre.cli.report import guarded
from vyre.version import __version__

COMMANDS = (check, fmt, compile, run, cache)

EPILOG = """\
examples:
  vyre check examples/                      parse and validate every .vir file there
  vyre fmt -i kernel.vir                    format in place, keeping comments
  vyre compile kernel.vir --emit ptx        PTX for the present GPU (or sm_90)
  vyre run kernel.vir --in a=2.5 --out res  run on the best backend, save outputs

exit codes:
  0    success
  1    an error in a program, an input file or the data (diagnostics on stderr);
       also `vyre check` with problems and `vyre fmt --check` with files to reformat
  2    a malformed command line (unknown option, bad --grid, --in without '=', ...)
  3    an internal error in vyre (a bug: please report it; VYRE_DEBUG=1 shows the traceback)
  130  interrupted (Ctrl-C)
  141  stdout closed early (`vyre ... | head`)

environment: VYRE_CACHE_DIR (compile cache directory), VYRE_CACHE=0 (no caching),
             VYRE_DEBUG=1 (tracebacks).
docs: docs/cli.md"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``vyre`` with every command's sub-parser."""
    parser = argparse.ArgumentParser(
        prog="vyre",
        description="vyre: a compiler toolchain for GPU compute, for VIR0 programs (.vir files).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vyre {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``vyre`` command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits for --help, --version (0) and usage errors (2); report, don't exit.
        return exit_.code if isinstance(exit_.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    # Warnings reach users of the command line (e.g. an unusable cache directory): one plain
    # line each, not Python's file:line report. Restored after, for callers of main().
    previous = warnings.formatwarning
    warnings.formatwarning = _format_warning
    try:
        return guarded(lambda: args.func(args))
    finally:
        warnings.formatwarning = previous


def _format_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None
) -> str:
    text = str(message).removeprefix("vyre: ")
    return f"vyre: warning: {text}\n"
