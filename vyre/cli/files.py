"""Reading sources and arrays, and writing every output file atomically.

Outputs go to a temporary file in the destination directory and are moved into place with
``os.replace``, so an interrupted command never leaves a half-written file behind.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from vyre.errors import VyreError
from vyre.source import remember_source

STDIN = "-"
STDIN_NAME = "<stdin>"


def expand(paths: list[str]) -> list[str]:
    """``paths`` with each directory replaced by the ``.vir`` files under it, sorted.

    A directory without any stays as it is, so reading it reports the problem in its turn.
    """
    files: list[str] = []
    for path in paths:
        found = _vir_files(path) if path != STDIN and os.path.isdir(path) else []
        files.extend(found or [path])
    return files


def _vir_files(directory: str) -> list[str]:
    return sorted(str(p) for p in Path(directory).rglob("*.vir") if p.is_file())


def read_source(path: str) -> tuple[str, str]:
    """Return ``(name, text)`` of a ``.vir`` file, or of stdin for ``-``.

    The text is remembered under ``name`` so later errors can quote its lines.
    """
    if path == STDIN:
        name, text = STDIN_NAME, sys.stdin.read()
    elif os.path.isdir(path):
        inside = _vir_files(path)
        if inside:
            raise VyreError(
                f"'{path}' is a directory, not a VIR0 source file",
                code="V710",
                fix=f"name one .vir file, e.g. {inside[0]} (only check and fmt take directories)",
            )
        raise VyreError(
            f"'{path}' is a directory holding no .vir files",
            code="V710",
            fix="name .vir files, or a directory that contains some",
        )
    else:
        name = path
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise VyreError(
                f"cannot read '{path}': it is not UTF-8 text ({exc.reason} at byte {exc.start})",
                code="V710",
                fix="pass a VIR0 source file (.vir), saved as UTF-8",
            ) from None
        except OSError as exc:
            raise VyreError(
                f"cannot read '{path}': {_reason(exc)}",
                code="V710",
                fix="check the path and that the file is readable",
            ) from None
    remember_source(name, text)
    return name, text


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Replace ``path`` with ``data`` in one step (temp file in the same directory + rename).

    A symbolic link is followed, so the file it points to is replaced and the link kept.
    """
    target = Path(os.path.realpath(path))
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = _existing_mode(target)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise VyreError(
            f"cannot write '{target}': {_reason(exc)}",
            code="V711",
            fix="check that the directory exists and is writable, or choose another path",
        ) from None


def save_npy(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write ``array`` as a ``.npy`` file, atomically."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    write_atomic(path, buffer.getvalue())


def load_npy(path: str) -> np.ndarray:
    """Read a ``.npy`` file (no pickles), with a plain-words error for anything else."""
    try:
        with open(path, "rb") as handle:
            array = np.load(handle, allow_pickle=False)
    except OSError as exc:
        raise VyreError(
            f"cannot read '{path}': {_reason(exc)}",
            code="V712",
            fix="check the path of the .npy file",
        ) from None
    except Exception as exc:  # numpy raises ValueError, EOFError, ... for damaged files
        raise VyreError(
            f"'{path}' is not a valid .npy file ({exc})",
            code="V712",
            fix="write the array with numpy.save(path, array) (no object arrays)",
        ) from None
    if not isinstance(array, np.ndarray):
        if hasattr(array, "close"):
            array.close()
        raise VyreError(
            f"'{path}' holds several arrays (an .npz archive), not one",
            code="V712",
            fix="save each buffer to its own .npy file with numpy.save",
        )
    return array


def _existing_mode(target: Path) -> int:
    # Keep the permissions of a file we replace; a new file gets the usual 0666 & ~umask
    # (mkstemp alone would leave it private to the owner).
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
