"""``vyre fmt FILE... [-i | --check]``: canonical formatting that keeps comments."""

from __future__ import annotations

import argparse
import sys

from vyre.cli.files import STDIN, expand, read_source, write_atomic
from vyre.cli.report import EXIT_ERROR, EXIT_OK, error
from vyre.errors import UsageError, VyreError

HELP = "format .vir files canonically, keeping comments"
DESCRIPTION = """\
Format each FILE in the canonical VIR0 layout, keeping comments. Without flags the
formatted text goes to stdout. With -i each file that changes is rewritten in place
(atomically; unchanged files are not touched). With --check nothing is written: the
files that would change are listed on stdout and the exit code is 1 if there are any.
A file with syntax errors is reported (exit 1) and left untouched. FILE may be a
directory (every .vir file under it) or - for stdin."""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("fmt", help=HELP, description=DESCRIPTION)
    parser.add_argument("files", nargs="+", metavar="FILE", help=".vir file or directory to format (- for stdin)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("-i", "--in-place", action="store_true", help="rewrite the files in place")
    mode.add_argument(
        "--check", action="store_true", help="list files that are not formatted; exit 1 if any"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vyre.ir.fmt import format_text

    if args.in_place and STDIN in args.files:
        raise UsageError(
            "cannot rewrite stdin in place",
            code="V705",
            fix="drop -i to print the formatted text, or pass a file name",
        )
    invalid = 0
    changed: list[str] = []
    files = expand(args.files)
    for path in files:
        try:
            name, text = read_source(path)
            formatted = format_text(text, file=name)
        except VyreError as err:
            error(err)
            invalid += 1
            continue
        if formatted != text:
            changed.append(path)
            if args.in_place:
                write_atomic(path, formatted)
        if not (args.in_place or args.check):
            sys.stdout.write(formatted)
    if args.check:
        for path in changed:
            print(path)
        print(f"vyre fmt: {len(changed)} of {len(files)} files would be reformatted", file=sys.stderr)
    elif args.in_place:
        print(f"vyre fmt: reformatted {len(changed)} of {len(files)} files", file=sys.stderr)
    if invalid or (args.check and changed):
        return EXIT_ERROR
    return EXIT_OK
