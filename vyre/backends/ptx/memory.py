"""vyre's own small device arrays: ``DeviceArray`` (GPU memory) and ``HostMappedArray``.

A ``DeviceArray`` stays on the GPU between calls (pass it to a kernel, get it back, read it
with ``.numpy()``).  A ``HostMappedArray`` is page-locked host memory mapped into the GPU's
address space: kernels read and write it directly, and the host sees the writes after the
kernel finishes; it backs buffers declared with ``host`` placement.  Both speak the CUDA
Array Interface, so CuPy, PyTorch and Numba can use them without copies.
"""

from __future__ import annotations

import ctypes
import math
import weakref
from typing import Any

import numpy as np

from vyre.backends.ptx import context
from vyre.backends.ptx import driver as drv
from vyre.errors import ArgumentError

Shape = tuple[int, ...]


def _shape(shape: int | Shape) -> Shape:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)


def _free_device(ptr: int) -> None:
    try:
        context.current()  # the finalizer may run on a thread that never used the GPU
        drv.call("cuMemFree", ptr)
    except Exception:  # noqa: BLE001 - at interpreter exit the context may already be gone
        pass


def _free_host(ptr: int) -> None:
    try:
        context.current()
        drv.call("cuMemFreeHost", ptr)
    except Exception:  # noqa: BLE001 - as above
        pass


class DeviceArray:
    """A contiguous array in GPU memory, owned by vyre.

    Make one with ``to_device(host_array)`` or ``DeviceArray.empty(shape, dtype)``; read it
    back with ``.numpy()`` or ``.copy_to_host(out)``.
    """

    __slots__ = ("ptr", "shape", "dtype", "nbytes", "size", "_finalizer", "__weakref__")

    def __init__(self, shape: int | Shape, dtype: Any) -> None:
        self.shape = _shape(shape)
        self.dtype = np.dtype(dtype)
        self.size = math.prod(self.shape)
        self.nbytes = self.size * self.dtype.itemsize
        context.current()
        # The driver refuses zero-byte allocations; an empty array has no memory at all.
        self.ptr = int(drv.call("cuMemAlloc", self.nbytes)) if self.nbytes else 0
        self._finalizer = weakref.finalize(self, _free_device, self.ptr) if self.ptr else None

    @classmethod
    def empty(cls, shape: int | Shape, dtype: Any) -> DeviceArray:
        """An uninitialised device array."""
        return cls(shape, dtype)

    @classmethod
    def zeros(cls, shape: int | Shape, dtype: Any) -> DeviceArray:
        """A zero-filled device array."""
        arr = cls(shape, dtype)
        if arr.nbytes:
            drv.call("cuMemsetD8", arr.ptr, 0, arr.nbytes)
        return arr

    @classmethod
    def from_host(cls, host: Any) -> DeviceArray:
        """A device copy of ``host`` (anything numpy can turn into an array)."""
        src = np.ascontiguousarray(host)
        arr = cls(src.shape, src.dtype)
        arr.copy_from_host(src)
        return arr

    def copy_from_host(self, host: np.ndarray) -> None:
        """Overwrite this array with ``host`` (same number of bytes)."""
        src = np.ascontiguousarray(host)
        if src.nbytes != self.nbytes:
            raise ArgumentError(
                f"cannot copy {src.nbytes} bytes into a device array of {self.nbytes} bytes",
                code="V410",
                fix="copy an array with the same shape and dtype",
            )
        if self.nbytes:
            context.current()
            drv.call("cuMemcpyHtoD", self.ptr, src.ctypes.data, self.nbytes)

    def copy_to_host(self, out: np.ndarray | None = None) -> np.ndarray:
        """The contents as a numpy array (into ``out`` when given, which must match)."""
        if out is None:
            out = np.empty(self.shape, self.dtype)
        elif not (out.flags.c_contiguous and out.nbytes == self.nbytes and out.flags.writeable):
            raise ArgumentError(
                f"out must be a writable contiguous array of {self.nbytes} bytes",
                code="V410",
                fix="pass out=np.empty(arr.shape, arr.dtype), or leave it out",
            )
        if self.nbytes:
            context.current()
            drv.call("cuMemcpyDtoH", out.ctypes.data, self.ptr, self.nbytes)
        return out

    def numpy(self) -> np.ndarray:
        """The contents as a new numpy array."""
        return self.copy_to_host()

    def free(self) -> None:
        """Release the device memory now rather than when the array is garbage-collected."""
        if self._finalizer is not None:
            self._finalizer()
        self.ptr = 0
        self.size = self.nbytes = 0
        self.shape = (0,)

    def __len__(self) -> int:
        return self.shape[0] if self.shape else 1

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "typestr": self.dtype.str,
            "data": (self.ptr, False),
            "strides": None,
            "version": 3,
            "stream": None,  # vyre synchronizes before returning; no stream to order against
        }

    def __repr__(self) -> str:
        return f"DeviceArray(shape={self.shape}, dtype={self.dtype})"


class HostMappedArray:
    """Page-locked host memory mapped into the GPU's address space (zero-copy).

    ``.numpy()`` is a live view: the host reads the kernel's writes once the call returns,
    and the kernel sees host writes made before the call.  ``device_ptr`` is the address
    kernels use.
    """

    __slots__ = ("host_ptr", "device_ptr", "ptr", "shape", "dtype", "nbytes", "size", "_view",
                 "_finalizer", "__weakref__")

    def __init__(self, shape: int | Shape, dtype: Any) -> None:
        self.shape = _shape(shape)
        self.dtype = np.dtype(dtype)
        self.size = math.prod(self.shape)
        self.nbytes = self.size * self.dtype.itemsize
        mod = drv.driver()
        context.current()
        flags = mod.CU_MEMHOSTALLOC_DEVICEMAP | mod.CU_MEMHOSTALLOC_PORTABLE
        # One byte at least: a mapped allocation needs an address even for an empty array.
        self.host_ptr = int(drv.call("cuMemHostAlloc", max(self.nbytes, 1), flags))
        self._finalizer = weakref.finalize(self, _free_host, self.host_ptr)
        self.device_ptr = int(drv.call("cuMemHostGetDevicePointer", self.host_ptr, 0))
        self.ptr = self.device_ptr  # the address kernels use, as for DeviceArray
        raw = (ctypes.c_char * max(self.nbytes, 1)).from_address(self.host_ptr)
        self._view = np.frombuffer(raw, dtype=self.dtype, count=self.size).reshape(self.shape)

    @classmethod
    def from_host(cls, host: Any) -> HostMappedArray:
        """A host-mapped copy of ``host``."""
        src = np.ascontiguousarray(host)
        arr = cls(src.shape, src.dtype)
        arr._view[...] = src
        return arr

    def numpy(self) -> np.ndarray:
        """A live numpy view of the mapped memory (valid while this object lives)."""
        return self._view

    def copy_to_host(self) -> np.ndarray:
        """A copy of the contents as an ordinary numpy array."""
        return self._view.copy()

    def __len__(self) -> int:
        return self.shape[0] if self.shape else 1

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "typestr": self.dtype.str,
            "data": (self.device_ptr, False),
            "strides": None,
            "version": 3,
            "stream": None,
        }

    def __repr__(self) -> str:
        return f"HostMappedArray(shape={self.shape}, dtype={self.dtype})"


def to_device(host: Any) -> DeviceArray:
    """Copy a numpy array (or anything array-like) to the GPU."""
    return DeviceArray.from_host(host)


def host_mapped(host: Any) -> HostMappedArray:
    """Copy a numpy array into host-mapped pinned memory that kernels access directly."""
    return HostMappedArray.from_host(host)
