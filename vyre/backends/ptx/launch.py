"""Calling a loaded kernel: binding arguments to the kernel ABI and launching it.

The kernelParams array (one pointer per kernel parameter, each into one preallocated
parameter arena) is built once per executable; a call only packs the new values into the
arena and hands the array's address to cuLaunchKernel.  Arrays are taken as they come:

* ``DeviceArray`` and ``HostMappedArray``: used in place, returned as themselves;
* objects with ``__cuda_array_interface__`` (CuPy, PyTorch, Numba): zero-copy, written in
  place, returned as the same objects;
* numpy arrays: copied to the GPU (to host-mapped memory for ``host`` buffers), and the
  writable ones copied back and returned as new numpy arrays.

A call whose arrays are all vyre arrays and whose params are plain Python scalars takes a
short path generated for the kernel (``_short_path``); anything else (and every error) goes through
``vyre.backends.args.bind``, so messages and codes are the same on every backend.
"""

from __future__ import annotations

import ctypes
import math
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vyre.backends import args as binding
from vyre.backends.base import Executable
from vyre.backends.ptx import context
from vyre.backends.ptx import driver as drv
from vyre.backends.ptx.memory import DeviceArray, HostMappedArray
from vyre.errors import ArgumentError
from vyre.ir.nodes import Buffer, Kernel, Param
from vyre.ir.ops import Placement, ScalarType
from vyre.lower.abi import CTYPES

# Storage for each scalar parameter type.  bool is passed as one byte (vyre.lower.abi) but
# kept in four, so the driver reads defined bytes whatever width the PTX declares.
_CTYPES: dict[ScalarType, type] = {**CTYPES, ScalarType.BOOL: ctypes.c_uint32}
_F32_MAX = float(np.finfo(np.float32).max)
_STRUCT_CODES: dict[type, str] = {
    ctypes.c_uint32: "I", ctypes.c_int32: "i", ctypes.c_uint64: "Q", ctypes.c_int64: "q",
    ctypes.c_float: "f", ctypes.c_double: "d",
}


@dataclass(frozen=True)
class Slot:
    """One kernel parameter of the ABI: a param's value, a buffer's address or its length."""

    kind: str  # "param" | "ptr" | "len"
    name: str
    type: ScalarType | None = None  # the param's type (kind "param")


# --- teaching the shared binder about device arrays -----------------------------------
def _cai_info(obj: Any, kind: str) -> binding.ArrayInfo:
    cai = obj.__cuda_array_interface__
    dtype = np.dtype(cai["typestr"])
    shape = tuple(int(d) for d in cai["shape"])
    strides = cai.get("strides")
    contiguous = strides is None or math.prod(shape) <= 1 or tuple(strides) == _c_strides(
        shape, dtype.itemsize)
    return binding.ArrayInfo(kind, dtype, shape, contiguous, obj)


def _vyre_info(kind: str):
    def describe(a: DeviceArray | HostMappedArray) -> binding.ArrayInfo:
        return binding.ArrayInfo(kind, a.dtype, a.shape, True, a)
    return describe


binding.register_array_kind(binding.ArrayKind(
    "vyre.device", lambda a: isinstance(a, DeviceArray), _vyre_info("vyre.device")), first=True)
binding.register_array_kind(binding.ArrayKind(
    "vyre.host_mapped", lambda a: isinstance(a, HostMappedArray), _vyre_info("vyre.host_mapped")),
    first=True)
binding.register_array_kind(binding.ArrayKind(
    "cuda_array_interface",
    lambda a: hasattr(a, "__cuda_array_interface__") and not isinstance(a, np.ndarray),
    lambda a: _cai_info(a, "cuda_array_interface")))


def _c_strides(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    strides = []
    step = itemsize
    for d in reversed(shape):
        strides.append(step)
        step *= d
    return tuple(reversed(strides))


def _arg_error(message: str, fix: str, code: str) -> ArgumentError:
    return ArgumentError(message, code=code, fix=fix)


# --- per-executable state ------------------------------------------------------------
class _BufferBinding:
    """Per-buffer state of an executable: where its address and length go, and staging memory."""

    __slots__ = ("decl", "name", "dtype", "ptr_cell", "len_cell", "writable", "host",
                 "static", "fast_type", "staging")

    def __init__(self, decl: Buffer, ptr_cell: ctypes.c_uint64, len_cell: ctypes.c_uint32 | None) -> None:
        self.decl = decl
        self.name = decl.name
        self.dtype = decl.elem.dtype
        self.ptr_cell = ptr_cell
        self.len_cell = len_cell
        self.writable = decl.access.writable
        self.host = decl.placement is Placement.HOST
        self.static = decl.size
        # The array type a buffer takes on the short path.
        self.fast_type = HostMappedArray if self.host else DeviceArray
        self.staging: DeviceArray | HostMappedArray | None = None

    def stage(self, n: int) -> DeviceArray | HostMappedArray:
        """Reusable memory for copying a numpy argument in (host-mapped for ``host`` buffers)."""
        st = self.staging
        if st is None or st.shape != (n,):
            st = self.fast_type((n,), self.dtype)
            self.staging = st
        return st


class _ParamBinding:
    __slots__ = ("decl", "name", "cell", "pytype", "lo", "hi")

    def __init__(self, decl: Param, cell: Any) -> None:
        self.decl = decl
        self.name = decl.name
        self.cell = cell
        t = decl.type
        self.pytype = bool if t is ScalarType.BOOL else (float if t.is_float else int)
        if t.is_int:
            self.lo, self.hi = t.min, t.max
        elif t is ScalarType.F32:
            self.lo, self.hi = -_F32_MAX, _F32_MAX
        else:
            self.lo, self.hi = -math.inf, math.inf


class PtxExecutable(Executable):
    """A kernel loaded on the GPU; call it with the kernel's buffers and params by name.

    Calls are serialised by a lock (the packed parameters are shared); results are ready
    when the call returns.
    """

    def __init__(self, kernel: Kernel, function: Any, slots: Sequence[Slot], module: Any = None) -> None:
        self.kernel = kernel
        self._module = module  # keeps the CUmodule (and so the function) alive
        self._block = kernel.workgroup3
        self._wgx = self._block[0]
        self._device = context.current()
        self._run = drv.launcher(function, self._device.stream)
        self._lock = threading.Lock()

        # All kernel parameters live in one arena, each at its natural alignment; the
        # pointer array the driver reads points into it.  The general path writes the
        # ctypes views; the short path packs the whole arena with one struct call.
        offset = 0
        layout: list[tuple[Slot, type, int]] = []
        fmt = "<"
        for slot in slots:
            ctype = _CTYPES[slot.type] if slot.kind == "param" else (
                ctypes.c_uint64 if slot.kind == "ptr" else ctypes.c_uint32)
            size = ctypes.sizeof(ctype)
            pad = -offset % size
            fmt += "x" * pad + _STRUCT_CODES[ctype]
            offset += pad
            layout.append((slot, ctype, offset))
            offset += size
        self._arena = (ctypes.c_char * max(offset, 8))()
        self._packer = struct.Struct(fmt)
        cells = {(slot.kind, slot.name): ctype.from_buffer(self._arena, off) for slot, ctype, off in layout}
        base = ctypes.addressof(self._arena)
        self._param_array = (ctypes.c_void_p * max(len(layout), 1))(*[base + off for _, _, off in layout])
        self._params_addr = ctypes.addressof(self._param_array)
        self._slots = [slot for slot, _, _ in layout]
        ptrs = {name: c for (kind, name), c in cells.items() if kind == "ptr"}
        lens = {name: c for (kind, name), c in cells.items() if kind == "len"}
        param_cells = {name: c for (kind, name), c in cells.items() if kind == "param"}
        self._buffers = [
            _BufferBinding(b, ptrs.setdefault(b.name, ctypes.c_uint64()), lens.get(b.name))
            for b in kernel.buffers
        ]
        self._params = [
            _ParamBinding(p, param_cells.setdefault(p.name, _CTYPES[p.type]()))
            for p in kernel.params
        ]
        self._nargs = len(self._buffers) + len(self._params)
        self._fast = _short_path(self)

    def __call__(self, grid: int | tuple[int, ...] | None = None, **args: Any) -> dict[str, Any]:
        """Run once over ``grid`` workgroups (default: cover the largest buffer) and wait.

        Returns the writable buffers by name: the caller's own objects for device-resident
        and zero-copy arrays, new numpy arrays for numpy arguments.
        """
        with self._lock:
            self._device.make_current()  # the driver's current context is per thread
            results = self._fast(grid, args, True)
            if results is None:
                results = self._general(grid, args, True)
            return results

    def enqueue(self, grid: int | tuple[int, ...] | None = None, **args: Any) -> dict[str, Any]:
        """Launch like a call, but return without waiting for the kernel to finish.

        Device-resident and zero-copy results are ready for later work on the default
        stream (CuPy's and PyTorch's default) or after ``vyre.backends.ptx.synchronize()``;
        numpy results are copied back (which waits) as in a call.
        """
        with self._lock:
            self._device.make_current()
            results = self._fast(grid, args, False)
            if results is None:
                results = self._general(grid, args, False)
            return results

    # --- everything else, through the shared binder ---------------------------------
    def _general(self, grid: Any, args: dict[str, Any], sync: bool) -> dict[str, Any]:
        bound = binding.bind(self.kernel, grid, args)
        results: dict[str, Any] = {}
        copy_back: list[tuple[str, DeviceArray | HostMappedArray]] = []
        for b in self._buffers:
            info = bound.arrays.get(b.name)
            if info is None:  # an omitted static-size `write` buffer starts zeroed
                staged = b.stage(b.static or 0)
                if isinstance(staged, HostMappedArray):  # an enqueued launch may still use it
                    drv.call("cuStreamSynchronize", self._device.stream)
                _zero(staged)
                b.ptr_cell.value = staged.ptr
                copy_back.append((b.name, staged))
                n = b.static or 0
            else:
                n = info.shape[0]
                out = self._bind_array(b, info, copy_back)
                if b.writable and out is not None:
                    results[b.name] = out
            if b.len_cell is not None:
                b.len_cell.value = n
        for p in self._params:
            p.cell.value = bound.params[p.name].item()
        gx, gy, gz = bound.grid
        bx, by, bz = self._block
        self._run(gx, gy, gz, bx, by, bz, 0, self._params_addr, sync)
        if copy_back and not sync:  # host-mapped results are read by the host: wait for them
            drv.call("cuStreamSynchronize", self._device.stream)
        for name, staged in copy_back:
            results[name] = staged.copy_to_host()
        return {b.name: results[b.name] for b in self._buffers if b.writable}

    def _bind_array(self, b: _BufferBinding, info: binding.ArrayInfo, copy_back: list) -> Any:
        """Put the array's device address in place; what the call returns for it (None: a copy)."""
        obj = info.obj
        if info.kind == "numpy":
            staged = b.stage(info.shape[0])
            if isinstance(staged, HostMappedArray):
                # an enqueued launch may still read this memory: the host must wait for it
                # (device staging needs no wait, its copy is ordered on the stream)
                drv.call("cuStreamSynchronize", self._device.stream)
                staged.numpy()[...] = obj
            else:
                staged.copy_from_host(obj)
            b.ptr_cell.value = staged.ptr
            if b.writable:
                copy_back.append((b.name, staged))
            return None
        if b.host and info.kind != "vyre.host_mapped":
            raise _arg_error(
                f"buffer '{b.name}' is host-mapped (declared `host`), but got a device array "
                f"({type(obj).__name__})",
                f"pass a numpy array or a vyre HostMappedArray (vyre.backends.ptx.host_mapped) "
                f"for '{b.name}'",
                "V403",
            )
        if info.kind == "cuda_array_interface":
            address, readonly = obj.__cuda_array_interface__["data"]
            if readonly and b.writable:
                raise _arg_error(
                    f"buffer '{b.name}' is written by the kernel, but got a read-only array",
                    "pass a writable array",
                    "V403",
                )
            b.ptr_cell.value = address or 0
            return obj
        b.ptr_cell.value = obj.ptr  # DeviceArray or HostMappedArray (ptr: the device address)
        return obj


def _short_path(exe: PtxExecutable) -> Any:
    """Generate the executable's short path: a straight-line function for one kernel.

    It takes ``(grid, args, sync)`` and returns the results, or None to hand the call to the
    general path (any argument that is not a vyre array of the exact type and shape, or a
    param that is not a plain Python scalar in range).  Generated code keeps the per-call
    cost to a few hundred nanoseconds: no loops, no attribute lookups on the executable.
    """
    env: dict[str, Any] = {
        "check_grid": binding.check_grid, "bind_param": binding.bind_param,
        "kernel": exe.kernel, "pack": exe._packer.pack_into, "arena": exe._arena,
        "run": exe._run, "addr": exe._params_addr,
    }
    lines = ["def short(grid, args, sync):", f"    if len(args) != {exe._nargs}:", "        return None"]
    names: dict[tuple[str, str], str] = {}
    results = []
    for i, b in enumerate(exe._buffers):
        a, n = f"a{i}", f"n{i}"
        env[f"T{i}"], env[f"D{i}"] = b.fast_type, b.dtype
        lines += [
            f"    {a} = args.get({b.name!r})",
            f"    if type({a}) is not T{i} or {a}.dtype is not D{i} or len({a}.shape) != 1:",
            "        return None",
            f"    {n} = {a}.size",
        ]
        if b.static is not None:
            lines += [f"    if {n} != {b.static}:", "        return None"]
        names[("ptr", b.name)] = f"{a}.ptr"
        names[("len", b.name)] = n
        if b.writable:
            results.append(f"{b.name!r}: {a}")
    for i, p in enumerate(exe._params):
        v = f"p{i}"
        env[f"P{i}"], env[f"LO{i}"], env[f"HI{i}"] = p.decl, p.lo, p.hi
        check = f"type({v}) is {p.pytype.__name__}"
        if p.pytype is not bool:
            check += f" and LO{i} <= {v} <= HI{i}"
        lines += [
            f"    {v} = args.get({p.name!r})",
            f"    if not ({check}):",
            f"        if {p.name!r} not in args:",
            "            return None",
            f"        {v} = bind_param(kernel, P{i}, {v}).item()",
        ]
        names[("param", p.name)] = v
    values = ", ".join(names[(slot.kind, slot.name)] for slot in exe._slots)
    lines.append(f"    pack(arena, 0{', ' if values else ''}{values})")
    sizes = [f"n{i}" for i in range(len(exe._buffers))]
    largest = sizes[0] if len(sizes) == 1 else (f"max({', '.join(sizes)})" if sizes else "0")
    bx, by, bz = exe._block
    lines += [
        "    if grid is None:",
        f"        run(({largest} + {bx - 1}) // {bx} or 1, 1, 1, {bx}, {by}, {bz}, 0, addr, sync)",
        "    else:",
        "        gx, gy, gz = check_grid(grid)",
        f"        run(gx, gy, gz, {bx}, {by}, {bz}, 0, addr, sync)",
        f"    return {{{', '.join(results)}}}",
    ]
    exec("\n".join(lines), env)  # noqa: S102 - code generated from the kernel's declarations
    return env["short"]


def _zero(arr: DeviceArray | HostMappedArray) -> None:
    if isinstance(arr, HostMappedArray):
        arr.numpy()[...] = 0
    elif arr.nbytes:
        drv.call("cuMemsetD8", arr.ptr, 0, arr.nbytes)


def slots_for(kernel: Kernel, order: Sequence[tuple[str, str]]) -> list[Slot]:
    """Slots from an ABI given as (kind, name) pairs; param types are looked up in ``kernel``."""
    out = []
    for kind, name in order:
        decl = kernel.decl(name)
        out.append(Slot(kind, name, decl.type if isinstance(decl, Param) else None))
    return out

