"""The arguments ``vyre run`` passes to a kernel: ``--in`` values, ``.npy`` files, defaults.

Defaults (documented in docs/cli.md, printed by ``vyre run`` whenever it uses them):

* a runtime-sized buffer has ``--size`` elements (default 1024); a static one its own size;
* a ``read`` or ``read_write`` buffer holds ``(i % 7) + 1`` at index ``i``, in its element
  type, so results are non-trivial and the same on every run; a ``write`` buffer starts zeroed;
* an integer param named like a size (``n``, ``count``, ``size``, ``len``, ``length``) is
  ``--size``; any other numeric param is 2 (``2.0`` for floats); a bool param is ``true``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vyre.cli.files import load_npy
from vyre.errors import ArgumentError, UsageError
from vyre.ir.nodes import Buffer, Kernel, Param, Shared
from vyre.ir.ops import Access, ScalarType

DEFAULT_SIZE = 1024
SIZE_PARAM_NAMES = frozenset({"n", "count", "size", "len", "length"})
DEFAULT_PARAM = 2
BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False}


@dataclass(frozen=True)
class Arguments:
    """What to call the kernel with, and a line per default that was filled in."""

    values: dict[str, Any]
    defaults: list[str]


def parse_in(spec: str) -> tuple[str, str]:
    """Split one ``--in NAME=VALUE`` into its name and value text."""
    name, sep, value = spec.partition("=")
    name = name.strip()
    if not sep or not name or not value:
        raise UsageError(
            f"--in expects NAME=VALUE or NAME=PATH.npy, but got '{spec}'",
            code="V702",
            fix="write it like --in a=2.5 or --in x=data/x.npy",
        )
    return name, value.strip()


def parse_grid(text: str) -> tuple[int, ...]:
    """``X`` or ``X,Y`` or ``X,Y,Z``: positive workgroup counts."""
    parts = [p.strip() for p in text.split(",")]
    try:
        dims = tuple(int(p, 10) for p in parts)
    except ValueError:
        dims = ()
    if not 1 <= len(dims) <= 3 or any(d < 1 for d in dims):
        raise UsageError(
            f"--grid expects 1 to 3 positive integers separated by commas, but got '{text}'",
            code="V701",
            fix="give the number of workgroups per axis, e.g. --grid 4 or --grid 8,8",
        )
    return dims


def build(kernel: Kernel, specs: list[str], size: int) -> Arguments:
    """Turn ``--in`` specs into kernel arguments, filling in defaults for the rest."""
    given: dict[str, str] = {}
    for spec in specs:
        name, value = parse_in(spec)
        if name in given:
            raise UsageError(
                f"--in gives '{name}' twice",
                code="V703",
                fix=f"keep one --in {name}=... per argument",
            )
        given[name] = value
    _check_names(kernel, given)

    values: dict[str, Any] = {}
    defaults: list[str] = []
    for decl in kernel.decls:
        if isinstance(decl, Param):
            if decl.name in given:
                values[decl.name] = _param_value(decl, given[decl.name])
            else:
                values[decl.name] = _default_param(decl, size)
                defaults.append(f"{decl.name} = {_show(values[decl.name])}  ({decl.type} param)")
        elif isinstance(decl, Buffer):
            if decl.name in given:
                values[decl.name] = _buffer_value(decl, given[decl.name], size)
            else:
                values[decl.name] = _default_buffer(decl, size)
                defaults.append(_describe_default_buffer(decl, len(values[decl.name])))
    return Arguments(values, defaults)


def _check_names(kernel: Kernel, given: dict[str, str]) -> None:
    arguments = [d.name for d in kernel.decls if not isinstance(d, Shared)]
    for name in given:
        decl = kernel.decl(name)
        if isinstance(decl, Shared):
            raise ArgumentError(
                f"'{name}' is a shared array of kernel '{kernel.name}', not an argument",
                code="V720",
                fix="shared arrays start zeroed in every workgroup; drop this --in",
            )
        if decl is None:
            raise ArgumentError(
                f"kernel '{kernel.name}' has no param or buffer named '{name}'",
                code="V720",
                fix=f"use one of: {', '.join(arguments) or '(the kernel takes no arguments)'}",
            )


def _param_value(param: Param, text: str) -> bool | int | float:
    if text.lower().endswith(".npy"):
        raise ArgumentError(
            f"'{param.name}' is a {param.type} param, a single value, but got the file '{text}'",
            code="V723",
            fix=f"give its value directly, e.g. --in {param.name}={_example(param.type)}",
        )
    return parse_scalar(text, param.type, param.name)


def parse_scalar(text: str, type_: ScalarType, name: str) -> bool | int | float:
    """Read ``text`` as a value of ``type_`` (bools: true/false/1/0; ints: decimal or 0x)."""
    value: bool | int | float | None
    if type_ is ScalarType.BOOL:
        value = BOOL_WORDS.get(text.lower())
    elif type_.is_int:
        value = _parse_int(text.replace("_", ""))
        if value is not None and not type_.min <= value <= type_.max:
            raise ArgumentError(
                f"{value} is out of range for '{name}' of type {type_} "
                f"({type_.min} to {type_.max})",
                code="V722",
                fix=f"give a value between {type_.min} and {type_.max}",
            )
    else:
        value = _parse_float(text, type_, name)
    if value is None:
        raise ArgumentError(
            f"'{text}' is not a {type_} value, as '{name}' needs",
            code="V721",
            fix=f"give a {type_} value such as {_example(type_)}, or a .npy file for a buffer",
        )
    return value


def _parse_int(text: str) -> int | None:
    for base in (10, 0):  # decimal first, so 010 is ten; then 0x / 0o / 0b prefixes
        try:
            return int(text, base)
        except ValueError:
            pass
    return None


def _parse_float(text: str, type_: ScalarType, name: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    # A finite spelling that overflows (1e39 for f32, 1e309 for any float) is a mistake;
    # infinity and NaN must be asked for by name.
    by_name = any(word in text.lower() for word in ("inf", "nan"))
    if not by_name and not abs(value) <= type_.max:
        raise ArgumentError(
            f"{text} is out of range for '{name}' of type {type_}: it overflows to infinity",
            code="V722",
            fix=f"give a value within ±{type_.max:.6g}, or write inf if infinity is meant",
        )
    return value


def _buffer_value(buffer: Buffer, text: str, size: int) -> np.ndarray:
    if not text.lower().endswith(".npy"):
        fill = parse_scalar(text, buffer.elem, buffer.name)
        return np.full(_length(buffer, size), fill, dtype=buffer.elem.dtype)
    array = load_npy(text)
    if array.dtype != buffer.elem.dtype:
        raise ArgumentError(
            f"'{text}' holds {array.dtype} values, but buffer '{buffer.name}' has "
            f"{buffer.elem} elements ({buffer.elem.dtype})",
            code="V721",
            fix=f"save it with numpy.save(path, array.astype(numpy.{buffer.elem.dtype}))",
        )
    if array.ndim != 1:
        raise ArgumentError(
            f"'{text}' holds an array of shape {array.shape}, but buffer '{buffer.name}' "
            "is one-dimensional",
            code="V722",
            fix="save a 1-D array (array.ravel()) with numpy.save",
        )
    if buffer.size is not None and len(array) != buffer.size:
        raise ArgumentError(
            f"'{text}' holds {len(array)} elements, but buffer '{buffer.name}' has a static "
            f"size of {buffer.size}",
            code="V722",
            fix=f"save exactly {buffer.size} elements",
        )
    return np.ascontiguousarray(array)


def _default_param(param: Param, size: int) -> bool | int | float:
    if param.type is ScalarType.BOOL:
        return True
    if param.type.is_int:
        return size if param.name.lower() in SIZE_PARAM_NAMES else DEFAULT_PARAM
    return float(DEFAULT_PARAM)


def _default_buffer(buffer: Buffer, size: int) -> np.ndarray:
    length = _length(buffer, size)
    if buffer.access is Access.WRITE:
        return np.zeros(length, dtype=buffer.elem.dtype)
    return ((np.arange(length, dtype=np.int64) % 7) + 1).astype(buffer.elem.dtype)


def _describe_default_buffer(buffer: Buffer, length: int) -> str:
    contents = "zeros" if buffer.access is Access.WRITE else "(i % 7) + 1"
    origin = "static size" if buffer.size is not None else "--size"
    return f"{buffer.name} = {contents}  ({buffer.elem}[{length}], {origin})"


def _length(buffer: Buffer, size: int) -> int:
    return buffer.size if buffer.size is not None else size


def _example(type_: ScalarType) -> str:
    return {ScalarType.BOOL: "true"}.get(type_, "2.5" if type_.is_float else "2")


def _show(value: bool | int | float) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
