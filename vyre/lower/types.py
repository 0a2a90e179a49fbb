"""Type lowering: VIR0 scalar types to llvmlite.ir types and constants.

Values of type ``bool`` are ``i1`` inside a function; in memory and in the kernel ABI they
are ``i8`` (see vyre.lower.abi).
"""

from __future__ import annotations

import math
import struct

from llvmlite import ir

from vyre.ir.ops import ScalarType

I1 = ir.IntType(1)
I8 = ir.IntType(8)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
F32 = ir.FloatType()
F64 = ir.DoubleType()
VOID = ir.VoidType()

_VALUE_TYPES: dict[ScalarType, ir.Type] = {
    ScalarType.BOOL: I1,
    ScalarType.I32: I32,
    ScalarType.U32: I32,
    ScalarType.I64: I64,
    ScalarType.U64: I64,
    ScalarType.F32: F32,
    ScalarType.F64: F64,
}

# The integer type with the same width, used to move float bits around.
_BITS_TYPES: dict[ScalarType, ir.Type] = {
    ScalarType.F32: I32,
    ScalarType.F64: I64,
    ScalarType.I32: I32,
    ScalarType.U32: I32,
    ScalarType.I64: I64,
    ScalarType.U64: I64,
}


def value_type(t: ScalarType) -> ir.Type:
    """The LLVM type of a VIR0 value of type ``t`` held in a register."""
    return _VALUE_TYPES[t]


def abi_type(t: ScalarType) -> ir.Type:
    """The LLVM type of a scalar passed by value (bool travels as i8)."""
    return I8 if t is ScalarType.BOOL else _VALUE_TYPES[t]


def bits_type(t: ScalarType) -> ir.Type:
    """The integer type of the same width as ``t`` (not defined for bool)."""
    return _BITS_TYPES[t]


def const(t: ScalarType, value: bool | int | float) -> ir.Constant:
    """An LLVM constant of VIR0 type ``t``; integers wrap to the type's width."""
    if t is ScalarType.BOOL:
        return ir.Constant(I1, int(bool(value)))
    if t.is_int:
        # Printed in two's complement form, which LLVM reads for every width.
        v = int(value) & ((1 << t.bits) - 1)
        return ir.Constant(_VALUE_TYPES[t], v - (1 << t.bits) if v >> (t.bits - 1) else v)
    v = float(value)
    if t is ScalarType.F32 and math.isfinite(v):
        # llvmlite prints floats as doubles; the value must already be an exact f32.
        v = struct.unpack("<f", struct.pack("<f", v))[0]
    return ir.Constant(_VALUE_TYPES[t], v)


def zero(t: ScalarType) -> ir.Constant:
    """The zero of ``t`` (``false`` for bool, ``+0.0`` for floats)."""
    return const(t, 0.0 if t.is_float else 0)


def byte_size(ty: ir.Type) -> int:
    """The size in bytes of a scalar LLVM type used for VIR0 values in memory."""
    if isinstance(ty, ir.IntType):
        return max(1, ty.width // 8)
    return 8 if isinstance(ty, ir.DoubleType) else 4
