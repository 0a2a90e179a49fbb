"""Every type and operation of VIR0, in one place.

Each enum's value is its spelling in VIR0 text; the wire format encodes members by
their position in the enum, so new members go at the end of a group's enum.
"""

from __future__ import annotations

import enum

import numpy as np


# --- scalar types -------------------------------------------------------------------
class ScalarType(enum.Enum):
    BOOL = "bool"
    I32 = "i32"
    U32 = "u32"
    I64 = "i64"
    U64 = "u64"
    F32 = "f32"
    F64 = "f64"

    @property
    def bits(self) -> int:
        return _BITS[self]

    @property
    def is_int(self) -> bool:
        return self in _INTS

    @property
    def is_signed(self) -> bool:
        return self in (ScalarType.I32, ScalarType.I64)

    @property
    def is_float(self) -> bool:
        return self in (ScalarType.F32, ScalarType.F64)

    @property
    def is_numeric(self) -> bool:
        return self is not ScalarType.BOOL

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of values of this type (bool is numpy's bool_)."""
        return _DTYPES[self]

    @property
    def min(self) -> int | float:
        return _RANGES[self][0]

    @property
    def max(self) -> int | float:
        return _RANGES[self][1]

    def __str__(self) -> str:
        return self.value


_BITS = {
    ScalarType.BOOL: 1,
    ScalarType.I32: 32,
    ScalarType.U32: 32,
    ScalarType.I64: 64,
    ScalarType.U64: 64,
    ScalarType.F32: 32,
    ScalarType.F64: 64,
}
_INTS = frozenset({ScalarType.I32, ScalarType.U32, ScalarType.I64, ScalarType.U64})
_DTYPES = {t: np.dtype(n) for t, n in [
    (ScalarType.BOOL, "bool"), (ScalarType.I32, "int32"), (ScalarType.U32, "uint32"),
    (ScalarType.I64, "int64"), (ScalarType.U64, "uint64"), (ScalarType.F32, "float32"),
    (ScalarType.F64, "float64"),
]}
_RANGES: dict[ScalarType, tuple[int | float, int | float]] = {
    ScalarType.BOOL: (0, 1),
    ScalarType.I32: (-(2**31), 2**31 - 1),
    ScalarType.U32: (0, 2**32 - 1),
    ScalarType.I64: (-(2**63), 2**63 - 1),
    ScalarType.U64: (0, 2**64 - 1),
    ScalarType.F32: (float(-np.finfo(np.float32).max), float(np.finfo(np.float32).max)),
    ScalarType.F64: (float(-np.finfo(np.float64).max), float(np.finfo(np.float64).max)),
}

# Buffer and shared-array element types: every scalar but bool.
ELEMENT_TYPES = tuple(t for t in ScalarType if t is not ScalarType.BOOL)

# The type of len(buf), gid/lid/wid/nwg components and unsuffixed integer literals.
INDEX_TYPE = ScalarType.U32
DEFAULT_INT = ScalarType.U32
DEFAULT_FLOAT = ScalarType.F32


# --- declarations -------------------------------------------------------------------
class Access(enum.Enum):
    READ = "read"
    WRITE = "write"
    READ_WRITE = "read_write"

    @property
    def readable(self) -> bool:
        return self is not Access.WRITE

    @property
    def writable(self) -> bool:
        return self is not Access.READ


class Placement(enum.Enum):
    """Where a buffer lives. Shared (workgroup) arrays are their own declaration."""

    GLOBAL = "global"  # device memory
    HOST = "host"  # host-mapped, zero-copy memory visible to host and GPU


class IdKind(enum.Enum):
    """Built-in invocation ids; each has components .x .y .z of type u32."""

    GID = "gid"  # global invocation id = wid * workgroup size + lid
    LID = "lid"  # local invocation id within the workgroup
    WID = "wid"  # workgroup id
    NWG = "nwg"  # number of workgroups in the dispatch


AXES = ("x", "y", "z")


# --- operators ----------------------------------------------------------------------
class UnOp(enum.Enum):
    NEG = "-"
    NOT = "!"  # logical not, bool only
    BITNOT = "~"  # bitwise not, integers only


class BinOp(enum.Enum):
    # logical, bool only, short-circuit (unobservable: expressions have no side effects)
    LOR = "||"
    LAND = "&&"
    # bitwise: integers and bool
    OR = "|"
    XOR = "^"
    AND = "&"
    # comparisons: produce bool
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    # shifts: integers; the amount is taken modulo the bit width
    SHL = "<<"
    SHR = ">>"
    # arithmetic
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    REM = "%"

    @property
    def precedence(self) -> int:
        """C precedence: a larger number binds tighter. All binary operators are left-associative."""
        return _PRECEDENCE[self]

    @property
    def is_comparison(self) -> bool:
        return self in _COMPARISONS

    @property
    def is_logical(self) -> bool:
        return self in (BinOp.LOR, BinOp.LAND)


_PRECEDENCE = {
    BinOp.LOR: 1, BinOp.LAND: 2, BinOp.OR: 3, BinOp.XOR: 4, BinOp.AND: 5,
    BinOp.EQ: 6, BinOp.NE: 6,
    BinOp.LT: 7, BinOp.LE: 7, BinOp.GT: 7, BinOp.GE: 7,
    BinOp.SHL: 8, BinOp.SHR: 8,
    BinOp.ADD: 9, BinOp.SUB: 9,
    BinOp.MUL: 10, BinOp.DIV: 10, BinOp.REM: 10,
}
UNARY_PRECEDENCE = 11
_COMPARISONS = frozenset({BinOp.EQ, BinOp.NE, BinOp.LT, BinOp.LE, BinOp.GT, BinOp.GE})

# Operators allowed in compound assignment (`x += 1`, `buf[i] ^= m`).
COMPOUND_OPS = (
    BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.REM,
    BinOp.AND, BinOp.OR, BinOp.XOR, BinOp.SHL, BinOp.SHR,
)


# --- builtins -----------------------------------------------------------------------
class Sig(enum.Enum):
    """Type signatures of builtins; T is the type of the first argument."""

    FLOAT_1 = "(F) -> F"  # float T
    FLOAT_2 = "(F, F) -> F"
    FLOAT_3 = "(F, F, F) -> F"
    NUM_1 = "(N) -> N"  # any numeric T
    NUM_2 = "(N, N) -> N"
    NUM_3 = "(N, N, N) -> N"
    INT_1 = "(I) -> I"  # integer T
    INT_2 = "(I, I) -> I"
    PRED_1 = "(F) -> bool"
    SELECT = "(bool, T, T) -> T"  # any T, bool included


class Builtin(enum.Enum):
    # numeric, any numeric type
    MIN = "min"
    MAX = "max"
    ABS = "abs"
    CLAMP = "clamp"
    SIGN = "sign"
    SELECT = "select"
    # float arithmetic, correctly rounded
    FMA = "fma"
    SQRT = "sqrt"
    FLOOR = "floor"
    CEIL = "ceil"
    ROUND = "round"  # to nearest, ties to even
    TRUNC = "trunc"
    FRACT = "fract"  # x - floor(x)
    COPYSIGN = "copysign"
    # float transcendentals, within the ULP bounds of docs/semantics.md
    RSQRT = "rsqrt"
    EXP = "exp"
    EXP2 = "exp2"
    EXPM1 = "expm1"
    LOG = "log"
    LOG2 = "log2"
    LOG10 = "log10"
    LOG1P = "log1p"
    SIN = "sin"
    COS = "cos"
    TAN = "tan"
    ASIN = "asin"
    ACOS = "acos"
    ATAN = "atan"
    ATAN2 = "atan2"
    SINH = "sinh"
    COSH = "cosh"
    TANH = "tanh"
    POW = "pow"
    CBRT = "cbrt"
    HYPOT = "hypot"
    # float classification
    IS_NAN = "is_nan"
    IS_INF = "is_inf"
    IS_FINITE = "is_finite"
    # integer bit manipulation
    POPCOUNT = "popcount"
    CLZ = "clz"
    CTZ = "ctz"
    REVERSE_BITS = "reverse_bits"
    MUL_HI = "mul_hi"
    ROTL = "rotl"
    ROTR = "rotr"

    @property
    def sig(self) -> Sig:
        return BUILTIN_SIGS[self]

    @property
    def arity(self) -> int:
        return _ARITY[BUILTIN_SIGS[self]]


BUILTIN_SIGS: dict[Builtin, Sig] = {
    Builtin.MIN: Sig.NUM_2, Builtin.MAX: Sig.NUM_2, Builtin.ABS: Sig.NUM_1,
    Builtin.CLAMP: Sig.NUM_3, Builtin.SIGN: Sig.NUM_1, Builtin.SELECT: Sig.SELECT,
    Builtin.FMA: Sig.FLOAT_3, Builtin.SQRT: Sig.FLOAT_1, Builtin.FLOOR: Sig.FLOAT_1,
    Builtin.CEIL: Sig.FLOAT_1, Builtin.ROUND: Sig.FLOAT_1, Builtin.TRUNC: Sig.FLOAT_1,
    Builtin.FRACT: Sig.FLOAT_1, Builtin.COPYSIGN: Sig.FLOAT_2,
    Builtin.RSQRT: Sig.FLOAT_1, Builtin.EXP: Sig.FLOAT_1, Builtin.EXP2: Sig.FLOAT_1,
    Builtin.EXPM1: Sig.FLOAT_1, Builtin.LOG: Sig.FLOAT_1, Builtin.LOG2: Sig.FLOAT_1,
    Builtin.LOG10: Sig.FLOAT_1, Builtin.LOG1P: Sig.FLOAT_1, Builtin.SIN: Sig.FLOAT_1,
    Builtin.COS: Sig.FLOAT_1, Builtin.TAN: Sig.FLOAT_1, Builtin.ASIN: Sig.FLOAT_1,
    Builtin.ACOS: Sig.FLOAT_1, Builtin.ATAN: Sig.FLOAT_1, Builtin.ATAN2: Sig.FLOAT_2,
    Builtin.SINH: Sig.FLOAT_1, Builtin.COSH: Sig.FLOAT_1, Builtin.TANH: Sig.FLOAT_1,
    Builtin.POW: Sig.FLOAT_2, Builtin.CBRT: Sig.FLOAT_1, Builtin.HYPOT: Sig.FLOAT_2,
    Builtin.IS_NAN: Sig.PRED_1, Builtin.IS_INF: Sig.PRED_1, Builtin.IS_FINITE: Sig.PRED_1,
    Builtin.POPCOUNT: Sig.INT_1, Builtin.CLZ: Sig.INT_1, Builtin.CTZ: Sig.INT_1,
    Builtin.REVERSE_BITS: Sig.INT_1, Builtin.MUL_HI: Sig.INT_2, Builtin.ROTL: Sig.INT_2,
    Builtin.ROTR: Sig.INT_2,
}
_ARITY = {
    Sig.FLOAT_1: 1, Sig.FLOAT_2: 2, Sig.FLOAT_3: 3, Sig.NUM_1: 1, Sig.NUM_2: 2,
    Sig.NUM_3: 3, Sig.INT_1: 1, Sig.INT_2: 2, Sig.PRED_1: 1, Sig.SELECT: 3,
}
# Builtins whose results are not correctly rounded: they carry ULP bounds.
TRANSCENDENTALS = frozenset({
    Builtin.RSQRT, Builtin.EXP, Builtin.EXP2, Builtin.EXPM1, Builtin.LOG, Builtin.LOG2,
    Builtin.LOG10, Builtin.LOG1P, Builtin.SIN, Builtin.COS, Builtin.TAN, Builtin.ASIN,
    Builtin.ACOS, Builtin.ATAN, Builtin.ATAN2, Builtin.SINH, Builtin.COSH, Builtin.TANH,
    Builtin.POW, Builtin.CBRT, Builtin.HYPOT,
})


# --- atomics and memory ordering ----------------------------------------------------
class AtomicOp(enum.Enum):
    """Atomic read-modify-write operations; every one returns the old value."""

    ADD = "add"
    SUB = "sub"
    AND = "and"
    OR = "or"
    XOR = "xor"
    MIN = "min"
    MAX = "max"
    EXCHANGE = "exchange"  # (value)
    COMPARE_EXCHANGE = "compare_exchange"  # (expected, desired)
    LOAD = "load"  # ()
    STORE = "store"  # (value)

    @property
    def spelling(self) -> str:
        return "atomic_" + self.value

    @property
    def nargs(self) -> int:
        """Operands after the buffer element."""
        return {AtomicOp.LOAD: 0, AtomicOp.COMPARE_EXCHANGE: 2}.get(self, 1)


# Atomic operations allowed on float elements (integers allow them all).
FLOAT_ATOMICS = frozenset({AtomicOp.ADD, AtomicOp.SUB, AtomicOp.EXCHANGE, AtomicOp.LOAD, AtomicOp.STORE})


class MemOrder(enum.Enum):
    RELAXED = "relaxed"
    ACQUIRE = "acquire"
    RELEASE = "release"
    ACQ_REL = "acq_rel"
    SEQ_CST = "seq_cst"


class Scope(enum.Enum):
    """The set of invocations an atomic or fence synchronizes with."""

    WORKGROUP = "workgroup"  # shared memory
    DEVICE = "device"  # global memory
    SYSTEM = "system"  # host-mapped memory: the GPU and the host


PLACEMENT_SCOPE = {Placement.GLOBAL: Scope.DEVICE, Placement.HOST: Scope.SYSTEM}
