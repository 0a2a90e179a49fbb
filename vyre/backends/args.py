"""Argument binding shared by every backend: names, dtypes, sizes, param ranges and the grid.

A kernel is called as ``exe(grid=None, **args)``.  :func:`bind` checks the call against the
kernel's declarations and returns a :class:`BoundArgs`; every problem is an
:class:`~vyre.errors.ArgumentError` with a stable code and a ``Fix:`` hint:

=====  ==========================================================================
code   problem
=====  ==========================================================================
V401   a buffer or param is missing
V402   an argument names nothing the kernel declares (with a did-you-mean)
V403   wrong kind of value: not an array for a buffer, not a scalar for a param
V404   an array's dtype is not exactly the buffer's element type
V405   an array's length differs from the buffer's static size
V406   an array is not one-dimensional or not C-contiguous
V407   an array is longer than 2**32 - 1 elements
V408   a param value does not fit its type exactly (range, kind, float overflow)
V409   a bad grid: not 1 to 3 positive ints, or beyond CUDA's grid limits
=====  ==========================================================================

Arrays must be **one-dimensional**: a buffer is a flat sequence of elements, and accepting
n-D arrays would leave the shape of the returned arrays ambiguous.  Pass ``a.ravel()`` (a
view for a C-contiguous array) and reshape the result.

Array-like arguments are recognised through a small registry, so a backend can teach the
binder about its own array types (objects with ``__cuda_array_interface__``, device arrays):
:func:`register_array_kind` adds a :class:`ArrayKind` whose ``describe`` reports the
dtype, shape and contiguity the checks need.  Numpy arrays are registered here.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vyre.errors import ArgumentError
from vyre.ir.nodes import Buffer, Kernel, Param
from vyre.ir.ops import Access, ScalarType

MAX_BUFFER_LEN = 2**32 - 1
# CUDA's limits on gridDim (x, y, z); every backend enforces them so programs stay portable.
MAX_GRID = (2**31 - 1, 65535, 65535)


# --- array kinds --------------------------------------------------------------------
@dataclass(frozen=True)
class ArrayInfo:
    """What the binder needs to know about one array-like argument."""

    kind: str  # the registered kind's name, e.g. "numpy"
    dtype: np.dtype
    shape: tuple[int, ...]
    c_contiguous: bool
    obj: Any  # the argument as given (a backend converts it as it needs)


@dataclass(frozen=True)
class ArrayKind:
    """A family of array-like objects the binder accepts for buffers."""

    name: str
    matches: Callable[[Any], bool]
    describe: Callable[[Any], ArrayInfo]


ARRAY_KINDS: list[ArrayKind] = []


def register_array_kind(kind: ArrayKind, *, first: bool = False) -> None:
    """Accept another kind of array for buffer arguments (``first`` gives it priority)."""
    for i, existing in enumerate(ARRAY_KINDS):
        if existing.name == kind.name:
            ARRAY_KINDS[i] = kind
            return
    if first:
        ARRAY_KINDS.insert(0, kind)
    else:
        ARRAY_KINDS.append(kind)


def _describe_numpy(a: np.ndarray) -> ArrayInfo:
    return ArrayInfo("numpy", a.dtype, tuple(a.shape), bool(a.flags.c_contiguous), a)


register_array_kind(ArrayKind("numpy", lambda a: isinstance(a, np.ndarray), _describe_numpy))


def array_info(value: Any) -> ArrayInfo | None:
    """The description of ``value`` by the first kind that claims it, or None."""
    for kind in ARRAY_KINDS:
        if kind.matches(value):
            return kind.describe(value)
    return None


# --- the bound call -----------------------------------------------------------------
@dataclass
class BoundArgs:
    """A checked call: arrays by buffer name, params as numpy scalars, the 3-D grid."""

    kernel: Kernel
    grid: tuple[int, int, int]
    arrays: dict[str, ArrayInfo] = field(default_factory=dict)
    params: dict[str, np.generic] = field(default_factory=dict)
    # Static-size `write` buffers the caller left out: they start zeroed.
    omitted: tuple[str, ...] = ()

    def buffer_len(self, name: str) -> int:
        """The element count of buffer ``name`` in this call."""
        if name in self.arrays:
            return self.arrays[name].shape[0]
        size = _buffer(self.kernel, name).size
        assert size is not None
        return size

    def host_buffers(self) -> dict[str, np.ndarray]:
        """Host numpy arrays for every buffer: fresh copies for writable buffers (the caller's
        arrays are never modified), zeros for omitted ones, read-only views for `read` ones.

        Only valid when every array is a numpy array.
        """
        out: dict[str, np.ndarray] = {}
        for buf in self.kernel.buffers:
            if buf.name in self.arrays:
                a = self.arrays[buf.name].obj
                if not isinstance(a, np.ndarray):
                    raise ArgumentError(
                        f"buffer '{buf.name}' is a {self.arrays[buf.name].kind} array, "
                        "but this backend runs on the host",
                        code="V403",
                        fix="pass a numpy array (copy the data to the host first)",
                    )
                if buf.access.writable:
                    out[buf.name] = np.array(a, copy=True)
                else:
                    view = a.view()
                    view.flags.writeable = False
                    out[buf.name] = view
            else:
                out[buf.name] = np.zeros(buf.size or 0, dtype=buf.elem.dtype)
        return out


def writable_buffers(kernel: Kernel) -> tuple[Buffer, ...]:
    """The buffers a call returns: `write` and `read_write`, any placement."""
    return tuple(b for b in kernel.buffers if b.access.writable)


def _buffer(kernel: Kernel, name: str) -> Buffer:
    for b in kernel.buffers:
        if b.name == name:
            return b
    raise KeyError(name)


def bind(kernel: Kernel, grid: Any, args: Mapping[str, Any]) -> BoundArgs:
    """Check a call of ``kernel`` and return the bound arguments (docs/semantics.md, 7 and 10)."""
    known = {d.name: d for d in kernel.decls if isinstance(d, Buffer | Param)}
    for name in args:
        if name not in known:
            _unknown(kernel, name, known)
    bound = BoundArgs(kernel, (1, 1, 1))
    omitted: list[str] = []
    for decl in known.values():
        if decl.name not in args:
            if isinstance(decl, Buffer) and decl.access is Access.WRITE and decl.size is not None:
                omitted.append(decl.name)
                continue
            _missing(kernel, decl)
        value = args[decl.name]
        if isinstance(decl, Buffer):
            bound.arrays[decl.name] = _bind_buffer(kernel, decl, value)
        else:
            bound.params[decl.name] = bind_param(kernel, decl, value)
    bound.omitted = tuple(omitted)
    bound.grid = default_grid(kernel, bound) if grid is None else check_grid(grid)
    return bound


# --- buffers ------------------------------------------------------------------------
def _unknown(kernel: Kernel, name: str, known: Mapping[str, Any]) -> None:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"did you mean '{close[0]}'?" if close else (
        "the kernel takes: " + (", ".join(known) or "no arguments"))
    raise ArgumentError(
        f"kernel '{kernel.name}' has no buffer or param named '{name}'",
        code="V402",
        fix=f"{hint} Arguments are named after the kernel's buffer and param declarations",
    )


def _missing(kernel: Kernel, decl: Buffer | Param) -> None:
    if isinstance(decl, Buffer):
        what = f"buffer '{decl.name}: {decl.elem}[{decl.size or ''}] {decl.access.value}'"
        fix = f"pass {decl.name}=np.array(..., dtype=np.{decl.elem.dtype.name})"
        if decl.access is Access.WRITE:
            fix += " (only a `write` buffer with a static size may be left out)"
    else:
        what = f"param '{decl.name}: {decl.type}'"
        fix = f"pass {decl.name}=<a {decl.type} value>"
    raise ArgumentError(f"kernel '{kernel.name}' needs {what}, but the call does not pass it",
                        code="V401", fix=fix)


def _bind_buffer(kernel: Kernel, buf: Buffer, value: Any) -> ArrayInfo:
    info = array_info(value)
    want = buf.elem.dtype
    if info is None:
        raise ArgumentError(
            f"buffer '{buf.name}' expects an array of {buf.elem}, but got {_kind_of(value)}",
            code="V403",
            fix=f"pass np.asarray(value, dtype=np.{want.name})",
        )
    if info.dtype != want:
        raise ArgumentError(
            f"buffer '{buf.name}' holds {buf.elem} (numpy {want.name}), but got an array of "
            f"{info.dtype.name}",
            code="V404",
            fix=f"convert it yourself, e.g. a.astype(np.{want.name}), after checking that no "
            "values are lost; vyre never converts arrays silently",
        )
    if len(info.shape) != 1:
        raise ArgumentError(
            f"buffer '{buf.name}' expects a one-dimensional array, but got shape {info.shape}",
            code="V406",
            fix="pass a.ravel() (and reshape the result); buffers are flat",
        )
    length = info.shape[0]
    if length > MAX_BUFFER_LEN:
        raise ArgumentError(
            f"buffer '{buf.name}' has {length} elements, more than the limit of 2**32 - 1",
            code="V407",
            fix="split the data over several dispatches",
        )
    if not info.c_contiguous:
        raise ArgumentError(
            f"buffer '{buf.name}' got a non-contiguous array (a strided view)",
            code="V406",
            fix="pass np.ascontiguousarray(a)",
        )
    if buf.size is not None and length != buf.size:
        raise ArgumentError(
            f"buffer '{buf.name}' has the static size {buf.size}, but the array has {length} "
            "elements",
            code="V405",
            fix=f"pass an array of exactly {buf.size} elements, or declare the buffer "
            f"'{buf.name}: {buf.elem}[]' to take any length",
        )
    return info


def _kind_of(value: Any) -> str:
    if isinstance(value, np.generic | int | float | bool):
        return f"the scalar {value!r}"
    return f"a {type(value).__name__}"


# --- params -------------------------------------------------------------------------
def bind_param(kernel: Kernel, param: Param, value: Any) -> np.generic:
    """Check one param value and return it as a numpy scalar of the param's type."""
    converter = _PARAM_CONVERTERS[_type_class(param.type)]
    return converter(param, value)


def _type_class(t: ScalarType) -> str:
    return "bool" if t is ScalarType.BOOL else ("float" if t.is_float else "int")


def _param_error(param: Param, message: str, fix: str, code: str = "V408") -> ArgumentError:
    return ArgumentError(f"param '{param.name}: {param.type}' {message}", code=code, fix=fix)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not _is_bool(value)


def _is_float(value: Any) -> bool:
    return isinstance(value, float | np.floating)


def _bool_param(param: Param, value: Any) -> np.generic:
    if not _is_bool(value):
        # a number is the right kind of thing, just not a truth value; anything else is not
        code = "V408" if _is_int(value) or _is_float(value) else "V403"
        raise _param_error(param, f"expects True or False, but got {_kind_of(value)}",
                           fix=f"pass {param.name}=bool(value)", code=code)
    return np.bool_(bool(value))


def _int_param(param: Param, value: Any) -> np.generic:
    t = param.type
    if not _is_int(value):
        if _is_float(value) or _is_bool(value):
            raise _param_error(
                param, f"expects an integer, but got {_kind_of(value)}",
                fix=f"pass an int, e.g. {param.name}=int(value) if that is what you mean")
        raise _param_error(param, f"expects an integer, but got {_kind_of(value)}",
                           fix=f"pass an int in [{t.min}, {t.max}]", code="V403")
    v = int(value)
    if not t.min <= v <= t.max:
        raise _param_error(param, f"got {v}, which is outside the range [{t.min}, {t.max}]",
                           fix=f"pass a value that fits {t}, or declare the param with a wider type")
    return t.dtype.type(v)


def _float_param(param: Param, value: Any) -> np.generic:
    t = param.type
    ftype = t.dtype.type
    if _is_int(value):
        v = int(value)
        # Exact iff the rounded float converts back to the same integer.
        with np.errstate(all="ignore"):
            f = ftype(float(v)) if abs(v) < 2**1024 else ftype(np.inf)
        if not math.isfinite(float(f)) or int(f) != v:
            raise _param_error(
                param, f"got the integer {v}, which {t} cannot represent exactly",
                fix=f"pass a float ({param.name}={float(v)!r}) to accept the rounding")
        return f
    if not _is_float(value):
        raise _param_error(param, f"expects a float, but got {_kind_of(value)}",
                           fix=f"pass {param.name}=float(value)",
                           code="V408" if _is_bool(value) else "V403")
    source = float(value)
    with np.errstate(all="ignore"):
        f = ftype(source)
    if math.isfinite(source) and not math.isfinite(float(f)):
        raise _param_error(param, f"got {source!r}, which overflows {t} to infinity",
                           fix=f"pass a value within ±{t.max:.6g}, or declare the param f64")
    return f


_PARAM_CONVERTERS: dict[str, Callable[[Param, Any], np.generic]] = {
    "bool": _bool_param,
    "int": _int_param,
    "float": _float_param,
}


# --- grid ---------------------------------------------------------------------------
def check_grid(grid: Any) -> tuple[int, int, int]:
    """A grid given as an int ``n`` (meaning ``(n, 1, 1)``) or 1 to 3 ints, padded with 1s."""
    dims = (grid,) if _is_int(grid) else grid
    if not isinstance(dims, tuple | list) or not 1 <= len(dims) <= 3 or not all(
            _is_int(d) for d in dims):
        raise ArgumentError(
            f"grid must be an int or a tuple of 1 to 3 ints, but got {grid!r}",
            code="V409",
            fix="pass grid=n or grid=(x, y, z), counting workgroups (or leave it out for the "
            "default)",
        )
    padded = tuple(int(d) for d in dims) + (1,) * (3 - len(dims))
    for axis, (d, limit) in enumerate(zip(padded, MAX_GRID, strict=True)):
        if not 1 <= d <= limit:
            raise ArgumentError(
                f"grid dimension {'xyz'[axis]} is {d}, but must be between 1 and {limit}",
                code="V409",
                fix="use a positive number of workgroups within CUDA's grid limits "
                f"({', '.join(map(str, MAX_GRID))}); loop over the data in the kernel for more",
            )
    return padded[0], padded[1], padded[2]


def default_grid(kernel: Kernel, bound: BoundArgs) -> tuple[int, int, int]:
    """``(ceil(L / workgroup.x), 1, 1)`` for the largest buffer length ``L``, at least 1."""
    largest = max((bound.buffer_len(b.name) for b in kernel.buffers), default=0)
    x = max(1, -(-largest // kernel.workgroup3[0]))
    return check_grid(x)
