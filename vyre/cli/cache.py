"""``vyre cache stats|clear|path``: look at or empty the on-disk compile cache."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from vyre.cli.report import EXIT_OK

HELP = "show, locate or empty the compile cache"
DESCRIPTION = """\
The compile cache keeps compiled kernels on disk (in $VYRE_CACHE_DIR when set).
  stats  print the cache directory, the number of entries and their size
  clear  delete every entry
  path   print the cache directory"""


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


def _stats(cache: Any) -> None:
    stats = cache.stats()
    rows: Mapping[str, Any] = stats if isinstance(stats, Mapping) else vars(stats)
    print(f"directory: {cache.directory}")
    for key, value in rows.items():
        if key != "directory":
            print(f"{key}: {_human(key, value)}")


def _clear(cache: Any) -> None:
    removed = cache.clear()
    count = f"{removed} entries" if isinstance(removed, int) else "all entries"
    print(f"removed {count} from {cache.directory}")


def _path(cache: Any) -> None:
    print(cache.directory)


def _human(key: str, value: Any) -> str:
    # Byte counts are easier to read with a unit beside the exact number.
    if not (isinstance(value, int) and "bytes" in key and value >= 1024):
        return str(value)
    size = float(value)
    units = ("KiB", "MiB", "GiB", "TiB")
    for index, unit in enumerate(units):
        size /= 1024
        if size < 1024 or index == len(units) - 1:
            return f"{value} ({size:.1f} {unit})"
    return str(value)


ACTIONS: dict[str, Callable[[Any], None]] = {"stats": _stats, "clear": _clear, "path": _path}
