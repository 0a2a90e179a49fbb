"""``vyre cache stats|clear|path``: look at or empty the on-disk compile cache."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from vyre.cli.report import EXIT_OK
from vyre.runtime.pipeline_cache import PipelineCache

HELP = "show, locate or empty the compile cache"
DESCRIPTION = """\
The compile cache keeps compiled kernels on disk, so running the same program again skips
compilation. Its directory is $VYRE_CACHE_DIR when set, else $XDG_CACHE_HOME/vyre or
~/.cache/vyre; VYRE_CACHE=0 turns it off.
  stats  print the directory, the number of entries and their total size
  clear  delete every entry
  path   print the directory"""

DISABLED = "the compile cache is disabled (VYRE_CACHE=0) or has no usable directory"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "cache", help=HELP, description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=tuple(ACTIONS), help="what to do")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vyre.runtime.pipeline_cache import default_cache

    ACTIONS[args.action](default_cache())
    return EXIT_OK


def _stats(cache: PipelineCache) -> None:
    if cache.directory is None:
        print(DISABLED)
        return
    stats = cache.stats()
    print(f"directory: {cache.directory}")
    print(f"entries: {stats.disk_entries}")
    print(f"size: {_bytes(stats.disk_bytes)}")


def _clear(cache: PipelineCache) -> None:
    if cache.directory is None:
        print(DISABLED)
        return
    removed = cache.clear()
    print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {cache.directory}")


def _path(cache: PipelineCache) -> None:
    print(cache.directory if cache.directory is not None else DISABLED)


def _bytes(count: int) -> str:
    """``12345 bytes (12.1 KiB)``: the exact count, and a rounded one for people."""
    size, unit = float(count), "bytes"
    for bigger in ("KiB", "MiB", "GiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{count} bytes" if unit == "bytes" else f"{count} bytes ({size:.1f} {unit})"


ACTIONS: dict[str, Callable[[PipelineCache], None]] = {"stats": _stats, "clear": _clear, "path": _path}
