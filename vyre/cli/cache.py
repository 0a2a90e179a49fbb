"""``vyre cache stats|clear|path``: look at or empty the on-disk compile cache."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from vyre.cli.report import EXIT_OK

if TYPE_CHECKING:
    from vyre.runtime.pipeline_cache import PipelineCache

HELP = "show, locate or empty the compile cache"
DESCRIPTION = """\
The compile cache keeps compiled kernels on disk, so running the same program again skips
compilation. Its directory is $VYRE_CACHE_DIR when set, else $XDG_CACHE_HOME/vyre or
~/.cache/vyre; VYRE_CACHE=0 turns caching off.
  stats  print the directory, the number of entries and their total size
  clear  delete every entry
  path   print the directory"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "cache", help=HELP, description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=tuple(ACTIONS), help="what to do")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ACTIONS[args.action]()
    return EXIT_OK


def _open() -> PipelineCache:
    """The default cache's directory, opened directly: an unusable one is an error (V601) here."""
    from vyre.runtime.pipeline_cache import PipelineCache, default_directory

    return PipelineCache(default_directory(), memory_entries=0)


def _stats() -> None:
    cache = _open()
    stats = cache.stats()
    print(f"directory: {cache.directory}")
    print(f"entries: {stats.disk_entries}")
    print(f"size: {_bytes(stats.disk_bytes)}")
    if _switched_off():
        print("caching: off (VYRE_CACHE=0): nothing new is stored")


def _clear() -> None:
    cache = _open()
    removed = cache.clear()
    print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {cache.directory}")


def _path() -> None:
    from vyre.runtime.pipeline_cache import default_directory

    print(default_directory())


def _switched_off() -> bool:
    return os.environ.get("VYRE_CACHE", "1").strip().lower() in ("0", "false", "off", "no")


def _bytes(count: int) -> str:
    """``12345 bytes (12.1 KiB)``: the exact count, and a rounded one for people."""
    size, unit = float(count), "bytes"
    for bigger in ("KiB", "MiB", "GiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{count} bytes" if unit == "bytes" else f"{count} bytes ({size:.1f} {unit})"


ACTIONS: dict[str, Callable[[], None]] = {"stats": _stats, "clear": _clear, "path": _path}
