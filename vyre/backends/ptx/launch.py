"""Calling a loaded kernel: binding arguments to the kernel ABI and launching it.

The kernelParams array (one pointer per kernel parameter, each to a preallocated ctypes
scalar) is built once per executable; a call only writes the new values into those scalars
and hands the array's address to cuLaunchKernel.  Arrays are taken as they come:

* ``DeviceArray`` and ``HostMappedArray``: used in place, returned as themselves;
* objects with ``__cuda_array_interface__`` (CuPy, PyTorch, Numba): zero-copy, written in
  place, returned as the same objects;
* numpy arrays: copied to the GPU (to host-mapped memory for ``host`` buffers), and the
  writable ones copied back and returned as new numpy arrays.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vyre.backends.base import Executable
from vyre.backends.ptx import context
from vyre.backends.ptx import driver as drv
from vyre.backends.ptx.memory import DeviceArray, HostMappedArray
from vyre.errors import ArgumentError
from vyre.ir.nodes import Buffer, Kernel, Param
from vyre.ir.ops import Placement, ScalarType

# Storage for each scalar parameter type.  bool is kept in 4 bytes so that the driver reads
# defined bytes whether the kernel declares the parameter .u8 or .u32.
_CTYPES: dict[ScalarType, type] = {
    ScalarType.BOOL: ctypes.c_uint32,
    ScalarType.I32: ctypes.c_int32,
    ScalarType.U32: ctypes.c_uint32,
    ScalarType.I64: ctypes.c_int64,
    ScalarType.U64: ctypes.c_uint64,
    ScalarType.F32: ctypes.c_float,
    ScalarType.F64: ctypes.c_double,
}
_MAX_ELEMENTS = 2**32 - 1
_MAX_GRID = (2**31 - 1, 65535, 65535)


@dataclass(frozen=True)
class Slot:
    """One kernel parameter of the ABI: a param's value, a buffer's address or its length."""

    kind: str  # "param" | "ptr" | "len"
    name: str
    type: ScalarType | None = None  # the param's type (kind "param")


def _arg_error(message: str, fix: str, code: str = "V400") -> ArgumentError:
    return ArgumentError(message, code=code, fix=fix)


class _BufferBinding:
    """Per-buffer state of an executable: where its address and length go, and staging memory."""

    __slots__ = ("decl", "name", "dtype", "ptr_cell", "len_cell", "writable", "host", "staging")

    def __init__(self, decl: Buffer, ptr_cell: ctypes.c_uint64, len_cell: ctypes.c_uint32 | None) -> None:
        self.decl = decl
        self.name = decl.name
        self.dtype = decl.elem.dtype
        self.ptr_cell = ptr_cell
        self.len_cell = len_cell
        self.writable = decl.access.writable
        self.host = decl.placement is Placement.HOST
        self.staging: DeviceArray | HostMappedArray | None = None

    def stage(self, nbytes_shape: tuple[int, ...]) -> DeviceArray | HostMappedArray:
        """Reusable memory for copying a numpy argument in (host-mapped for ``host`` buffers)."""
        st = self.staging
        if st is None or st.shape != nbytes_shape:
            cls = HostMappedArray if self.host else DeviceArray
            st = cls(nbytes_shape, self.dtype)
            self.staging = st
        return st


class PtxExecutable(Executable):
    """A kernel loaded on the GPU; call it with the kernel's buffers and params by name."""

    def __init__(self, kernel: Kernel, function: Any, slots: Sequence[Slot], module: Any = None) -> None:
        self.kernel = kernel
        self._module = module  # keeps the CUmodule (and so the function) alive
        self._block = kernel.workgroup3
        self._wgx = self._block[0]
        self._device = context.current()
        self._run = drv.launcher(function, self._device.stream)
        self._lock = threading.Lock()

        cells: list[Any] = []
        ptrs: dict[str, ctypes.c_uint64] = {}
        lens: dict[str, ctypes.c_uint32] = {}
        self._params: list[tuple[str, Any, ScalarType]] = []
        for slot in slots:
            if slot.kind == "param":
                cell = _CTYPES[slot.type]()
                self._params.append((slot.name, cell, slot.type))
            elif slot.kind == "ptr":
                cell = ptrs.setdefault(slot.name, ctypes.c_uint64())
            else:
                cell = lens.setdefault(slot.name, ctypes.c_uint32())
            cells.append(cell)
        self._cells = cells  # the scalars the pointer array points into must outlive it
        self._param_array = (ctypes.c_void_p * max(len(cells), 1))(
            *[ctypes.addressof(c) for c in cells]
        )
        self._params_addr = ctypes.addressof(self._param_array)
        self._buffers = [
            _BufferBinding(b, ptrs.setdefault(b.name, ctypes.c_uint64()), lens.get(b.name))
            for b in kernel.buffers
        ]
        self._names = frozenset(d.name for d in kernel.params) | frozenset(b.name for b in kernel.buffers)

    # --- the call -------------------------------------------------------------------
    def __call__(self, grid: int | tuple[int, ...] | None = None, **args: Any) -> dict[str, Any]:
        """Run once over ``grid`` workgroups (default: cover the largest buffer) and wait.

        Returns the writable buffers by name: the caller's own objects for device-resident
        and zero-copy arrays, new numpy arrays for numpy arguments.
        """
        with self._lock:
            return self._call(grid, args)

    def _call(self, grid: int | tuple[int, ...] | None, args: dict[str, Any]) -> dict[str, Any]:
        if len(args) != len(self._names) or not self._names.issuperset(args):
            self._check_names(args)
        largest = 0
        results: dict[str, Any] = {}
        copy_back: list[tuple[str, DeviceArray | HostMappedArray]] = []
        for b in self._buffers:
            arg = args.get(b.name)
            t = type(arg)
            if t is DeviceArray and not b.host:
                if arg.dtype != b.dtype:
                    raise self._dtype_error(b, arg.dtype)
                n = arg.size
                b.ptr_cell.value = arg.ptr
                out = arg
            else:
                n, out = self._bind_other(b, arg, copy_back)
            if b.decl.size is not None and n != b.decl.size:
                raise _arg_error(
                    f"buffer '{b.name}' is declared with {b.decl.size} elements, but got an array of {n}",
                    f"pass an array of exactly {b.decl.size} elements for '{b.name}'",
                    "V403",
                )
            if b.len_cell is not None:
                b.len_cell.value = n
            if n > largest:
                largest = n
            if b.writable:
                results[b.name] = out
        for name, cell, ty in self._params:
            cell.value = param_value(name, ty, args[name])

        gx, gy, gz = launch_grid(grid, largest, self._wgx)
        if gx and gy and gz:
            bx, by, bz = self._block
            self._run(gx, gy, gz, bx, by, bz, 0, self._params_addr)
        for name, staged in copy_back:
            results[name] = staged.copy_to_host()
        return results

    def _bind_other(self, b: _BufferBinding, arg: Any, copy_back: list) -> tuple[int, Any]:
        """Bind anything but a DeviceArray; return (element count, what to return)."""
        if isinstance(arg, HostMappedArray) or (b.host and isinstance(arg, DeviceArray)):
            if not isinstance(arg, HostMappedArray):
                raise _arg_error(
                    f"buffer '{b.name}' is host-mapped (placement host), but got a DeviceArray",
                    f"pass a numpy array or a vyre HostMappedArray for '{b.name}'",
                    "V404",
                )
            if arg.dtype != b.dtype:
                raise self._dtype_error(b, arg.dtype)
            b.ptr_cell.value = arg.device_ptr
            return arg.size, arg
        if arg is None:
            if b.decl.size is not None and b.decl.access.name == "WRITE":
                staged = b.stage((b.decl.size,))
                _zero(staged)
                b.ptr_cell.value = _address(staged)
                copy_back.append((b.name, staged))
                return b.decl.size, None
            raise _arg_error(
                f"missing buffer '{b.name}'",
                f"pass {b.name}=<array of {b.decl.elem}>",
                "V401",
            )
        cai = getattr(arg, "__cuda_array_interface__", None)
        if cai is not None and not isinstance(arg, np.ndarray):
            if b.host:
                raise _arg_error(
                    f"buffer '{b.name}' is host-mapped (placement host), but got a device array "
                    f"({type(arg).__name__})",
                    f"pass a numpy array or a vyre HostMappedArray for '{b.name}'",
                    "V404",
                )
            return self._bind_cai(b, arg, cai), arg
        if isinstance(arg, np.ndarray):
            if arg.dtype != b.dtype:
                raise self._dtype_error(b, arg.dtype)
            if arg.size > _MAX_ELEMENTS:
                raise _too_big(b.name, arg.size)
            staged = b.stage((arg.size,))
            if isinstance(staged, HostMappedArray):
                staged.numpy()[...] = arg.reshape(-1)
            else:
                staged.copy_from_host(arg)
            b.ptr_cell.value = _address(staged)
            if b.writable:
                copy_back.append((b.name, staged))
            return arg.size, None
        raise _arg_error(
            f"buffer '{b.name}' needs an array of {b.decl.elem}, but got {type(arg).__name__}",
            "pass a numpy array, a vyre DeviceArray, or a CuPy/PyTorch/Numba device array",
            "V402",
        )

    def _bind_cai(self, b: _BufferBinding, arg: Any, cai: dict[str, Any]) -> int:
        dtype = np.dtype(cai["typestr"])
        if dtype != b.dtype:
            raise self._dtype_error(b, dtype)
        shape = tuple(cai["shape"])
        n = 1
        for d in shape:
            n *= d
        strides = cai.get("strides")
        if strides is not None and n > 1 and tuple(strides) != _c_strides(shape, dtype.itemsize):
            raise _arg_error(
                f"buffer '{b.name}' needs a contiguous array, but got one with strides {tuple(strides)}",
                "pass a contiguous array (e.g. x.contiguous() in PyTorch, cupy.ascontiguousarray(x))",
                "V405",
            )
        address, readonly = cai["data"]
        if readonly and b.writable:
            raise _arg_error(
                f"buffer '{b.name}' is written by the kernel, but got a read-only array",
                "pass a writable array",
                "V405",
            )
        if n > _MAX_ELEMENTS:
            raise _too_big(b.name, n)
        b.ptr_cell.value = address or 0
        return n

    def _dtype_error(self, b: _BufferBinding, got: np.dtype) -> ArgumentError:
        return _arg_error(
            f"buffer '{b.name}' has element type {b.decl.elem} ({b.dtype}), but got an array of {got}",
            f"convert the array first, e.g. x.astype(np.{b.dtype.name})",
            "V402",
        )

    def _check_names(self, args: dict[str, Any]) -> None:
        unknown = sorted(set(args) - self._names)
        if unknown:
            raise _arg_error(
                f"kernel '{self.kernel.name}' has no argument named {', '.join(map(repr, unknown))}",
                f"its arguments are: {', '.join(sorted(self._names))}",
                "V401",
            )
        for p in self.kernel.params:
            if p.name not in args:
                raise _arg_error(
                    f"missing param '{p.name}' ({p.type})",
                    f"pass {p.name}=<{p.type} value>",
                    "V401",
                )


def launch_grid(grid: int | tuple[int, ...] | None, largest: int, workgroup_x: int) -> tuple[int, int, int]:
    """The (x, y, z) workgroup count of a call: ``grid`` checked and padded, or the default.

    The default covers the largest buffer: ``(ceil(largest / workgroup_x), 1, 1)``, at least 1.
    """
    if grid is None:
        return max(1, -(-largest // workgroup_x)), 1, 1
    dims = (grid,) if isinstance(grid, (int, np.integer)) else tuple(grid)
    if not 1 <= len(dims) <= 3 or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims
    ):
        raise _arg_error(
            f"grid must be an int or a tuple of 1 to 3 ints, but got {grid!r}",
            "pass grid=n or grid=(x, y, z), or leave it out for the default grid",
            "V406",
        )
    full = tuple(int(d) for d in dims) + (1,) * (3 - len(dims))
    for axis, (d, limit) in enumerate(zip(full, _MAX_GRID, strict=True)):
        if not 0 <= d <= limit:
            raise _arg_error(
                f"grid size {d} on axis {'xyz'[axis]} is outside 0..{limit}",
                "use fewer workgroups on that axis (or loop inside the kernel)",
                "V406",
            )
    return full  # type: ignore[return-value]


def _address(arr: DeviceArray | HostMappedArray) -> int:
    return arr.device_ptr if isinstance(arr, HostMappedArray) else arr.ptr


def _zero(arr: DeviceArray | HostMappedArray) -> None:
    if isinstance(arr, HostMappedArray):
        arr.numpy()[...] = 0
    elif arr.nbytes:
        drv.call("cuMemsetD8", arr.ptr, 0, arr.nbytes)


def _c_strides(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    strides = []
    step = itemsize
    for d in reversed(shape):
        strides.append(step)
        step *= d
    return tuple(reversed(strides))


def _too_big(name: str, n: int) -> ArgumentError:
    return _arg_error(
        f"buffer '{name}' has {n} elements, more than the 2^32 - 1 a buffer may hold",
        "split the work into several calls",
        "V403",
    )


def param_value(name: str, ty: ScalarType, value: Any) -> bool | int | float:
    """Check a param's Python value against its type and range; the value to store."""
    if ty is ScalarType.BOOL:
        if isinstance(value, (bool, np.bool_)):
            return int(value)
    elif ty.is_int:
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            v = int(value)
            if ty.min <= v <= ty.max:
                return v
            raise _arg_error(
                f"param '{name}' is {ty} (range {ty.min}..{ty.max}), but got {v}",
                f"pass a value in {ty.min}..{ty.max}",
                "V407",
            )
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        v = float(value)
        if abs(v) <= ty.max or v != v or abs(v) == float("inf"):
            return v
        raise _arg_error(
            f"param '{name}' is {ty}, but {v!r} is too large for it (it would become infinity)",
            f"pass a value in {ty.min:g}..{ty.max:g}, or pass float('inf') explicitly",
            "V407",
        )
    raise _arg_error(
        f"param '{name}' is {ty}, but got {type(value).__name__} {value!r}",
        f"pass a Python {'bool' if ty is ScalarType.BOOL else 'int' if ty.is_int else 'float'} for '{name}'",
        "V407",
    )


def slots_for(kernel: Kernel, order: Sequence[tuple[str, str]]) -> list[Slot]:
    """Slots from an ABI given as (kind, name) pairs; param types are looked up in ``kernel``."""
    out = []
    for kind, name in order:
        decl = kernel.decl(name)
        out.append(Slot(kind, name, decl.type if isinstance(decl, Param) else None))
    return out
