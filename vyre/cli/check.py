"""``vyre check FILE...``: parse and validate files, print every diagnostic."""

from __future__ import annotations

import argparse
import sys

from vyre.cli.files import expand, read_source
from vyre.cli.report import EXIT_ERROR, EXIT_OK
from vyre.errors import Diagnostic, VyreError

HELP = "parse and validate .vir files and print every problem found"
DESCRIPTION = """\
Parse and validate each FILE and print every diagnostic to stderr, with its position,
the source line, a caret and a Fix: hint, then a one-line summary. Exits 1 when any file
has an error, 0 when all are valid. FILE may be a directory (every .vir file under it) or
- for stdin."""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("check", help=HELP, description=DESCRIPTION)
    parser.add_argument("files", nargs="+", metavar="FILE", help=".vir file or directory to check (- for stdin)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failed = 0
    problems = 0
    files = expand(args.files)
    for path in files:
        diagnostics = _diagnose(path)
        for diagnostic in diagnostics:
            print(diagnostic.render(), file=sys.stderr)
        if diagnostics:
            failed += 1
            problems += len(diagnostics)
    print(_summary(len(files), failed, problems), file=sys.stderr)
    return EXIT_ERROR if failed else EXIT_OK


def _diagnose(path: str) -> list[Diagnostic]:
    from vyre.ir.parse import parse
    from vyre.ir.validate import check

    try:
        name, text = read_source(path)
        module = parse(text, file=name)
    except VyreError as err:
        return list(err.diagnostics)
    return list(check(module))


def _summary(files: int, failed: int, problems: int) -> str:
    checked = f"checked {_plural(files, 'file')}"
    if not failed:
        return f"vyre check: {checked}, no problems found"
    return f"vyre check: {checked}, {_plural(problems, 'error')} in {_plural(failed, 'file')}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
