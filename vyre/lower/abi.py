"""The kernel ABI shared by the PTX and host-JIT backends.

Arguments follow the kernel's declarations in order; shared arrays take no argument:

* ``param name: T``   - the value, by value. ``bool`` is an 8-bit integer (0 or 1; any
  nonzero byte reads as true); the other types are their natural 32/64-bit form.
* ``buffer name: T[]`` - a pointer to the first element (global address space 1 on NVPTX;
  a host-mapped buffer passes the device pointer from ``cuMemHostGetDevicePointer``),
  **followed by** its element count as a ``u32``.
* ``buffer name: T[N]`` - the pointer only; the size ``N`` is a constant in the code.

The host-JIT driver takes the same list the way ``cuLaunchKernel`` does: an array of
pointers, entry ``i`` pointing at the value of argument ``i``.
"""

from __future__ import annotations

import ctypes
import enum
from dataclasses import dataclass

from vyre.ir.nodes import Buffer, Kernel, Param
from vyre.ir.ops import ScalarType


class ArgKind(enum.Enum):
    PARAM = "param"  # a scalar, by value
    BUFFER = "buffer"  # a pointer to the first element
    LENGTH = "length"  # the u32 element count of the runtime-sized buffer just before it


@dataclass(frozen=True)
class AbiArg:
    """One kernel argument: which declaration it comes from and how it is passed."""

    kind: ArgKind
    name: str  # the declaration's name (a LENGTH shares its buffer's name)
    type: ScalarType  # param type, buffer element type, or u32 for a length

    @property
    def ctype(self) -> type:
        """The ctypes type of the value passed for this argument."""
        if self.kind is ArgKind.BUFFER:
            return ctypes.c_void_p
        return CTYPES[self.type]


CTYPES: dict[ScalarType, type] = {
    ScalarType.BOOL: ctypes.c_uint8,
    ScalarType.I32: ctypes.c_int32,
    ScalarType.U32: ctypes.c_uint32,
    ScalarType.I64: ctypes.c_int64,
    ScalarType.U64: ctypes.c_uint64,
    ScalarType.F32: ctypes.c_float,
    ScalarType.F64: ctypes.c_double,
}


def arguments(kernel: Kernel) -> tuple[AbiArg, ...]:
    """The kernel's arguments in ABI order."""
    out: list[AbiArg] = []
    for d in kernel.decls:
        if isinstance(d, Param):
            out.append(AbiArg(ArgKind.PARAM, d.name, d.type))
        elif isinstance(d, Buffer):
            out.append(AbiArg(ArgKind.BUFFER, d.name, d.elem))
            if d.size is None:
                out.append(AbiArg(ArgKind.LENGTH, d.name, ScalarType.U32))
    return tuple(out)
