"""The VIR0 IR: frozen dataclasses for modules, kernels, declarations, statements and expressions.

Every node carries an optional source ``span`` that equality, hashing and repr ignore, so a
program parsed from text equals the same program built in Python.  Buffers, params and
variables are referred to by name; the validator resolves names.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

from vyre.ir.ops import (
    Access,
    AtomicOp,
    BinOp,
    Builtin,
    IdKind,
    MemOrder,
    Placement,
    ScalarType,
    Scope,
    UnOp,
)
from vyre.source import Span


@dataclass(frozen=True)
class Node:
    span: Span | None = field(default=None, compare=False, hash=False, repr=False, kw_only=True)


# --- expressions --------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Lit(Node):
    """A literal. ``type`` is None for an unsuffixed literal, which takes its type from context.

    ``value`` is a bool for bool literals, an int for integer-spelled literals and a float for
    float-spelled ones (or any literal whose type is f32/f64).  Equality is exact: it tells
    ``1`` from ``1.0`` and ``0.0`` from ``-0.0``.
    """

    value: bool | int | float
    type: ScalarType | None = None

    def _key(self) -> tuple:
        v = self.value
        if isinstance(v, bool):
            return ("bool", v, self.type)
        if isinstance(v, int):
            return ("int", v, self.type)
        return ("float", struct.pack("<d", v), self.type)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lit) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def is_float_spelled(self) -> bool:
        return isinstance(self.value, float)


@dataclass(frozen=True)
class Ref(Node):
    """A use of a `let`/`var` binding, a loop variable or a `param`."""

    name: str


@dataclass(frozen=True)
class ThreadId(Node):
    """``gid.x``, ``lid.y``, ``wid.z``, ``nwg.x`` ... ; axis is 0, 1 or 2. Type u32."""

    kind: IdKind
    axis: int


@dataclass(frozen=True)
class Len(Node):
    """``len(buf)``: the element count of a buffer or shared array, as u32."""

    buffer: str


@dataclass(frozen=True)
class Load(Node):
    """``buf[index]``; out-of-bounds loads yield zero."""

    buffer: str
    index: Expr


@dataclass(frozen=True)
class Unary(Node):
    op: UnOp
    operand: Expr


@dataclass(frozen=True)
class Binary(Node):
    op: BinOp
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True)
class Cast(Node):
    """Value conversion ``T(x)`` between any two scalar types."""

    type: ScalarType
    operand: Expr


@dataclass(frozen=True)
class Bitcast(Node):
    """``bitcast<T>(x)``: reinterpret the bits; both types have the same width, neither is bool."""

    type: ScalarType
    operand: Expr


@dataclass(frozen=True)
class Call(Node):
    fn: Builtin
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Atomic(Node):
    """``atomic_<op>(buf[index], args..., order)``; returns the element's old value.

    Only allowed as a statement (``Eval``) or as the initializer of ``let``/``var``.
    """

    op: AtomicOp
    buffer: str
    index: Expr
    args: tuple[Expr, ...] = ()
    order: MemOrder = MemOrder.RELAXED


Expr = Lit | Ref | ThreadId | Len | Load | Unary | Binary | Cast | Bitcast | Call | Atomic


# --- statements ---------------------------------------------------------------------
@dataclass(frozen=True)
class Let(Node):
    """Immutable binding; ``type`` is the optional annotation."""

    name: str
    type: ScalarType | None
    value: Expr


@dataclass(frozen=True)
class VarDecl(Node):
    """Mutable binding ``var name: T = value``; the initializer is required."""

    name: str
    type: ScalarType | None
    value: Expr


@dataclass(frozen=True)
class Assign(Node):
    """``name = value``, or ``name op= value`` when ``op`` is set."""

    name: str
    value: Expr
    op: BinOp | None = None


@dataclass(frozen=True)
class Store(Node):
    """``buf[index] = value``, or ``buf[index] op= value``; out-of-bounds stores are dropped."""

    buffer: str
    index: Expr
    value: Expr
    op: BinOp | None = None


@dataclass(frozen=True)
class If(Node):
    """``if``; an ``else if`` chain is an ``orelse`` holding exactly one ``If``."""

    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] = ()


@dataclass(frozen=True)
class For(Node):
    """``for var in start..end [step s]``: var = start, start+s, ... while var < end.

    Counted without overflow; a step of zero (or an empty range) runs no iterations.
    """

    var: str
    start: Expr
    end: Expr
    step: Expr | None
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class While(Node):
    cond: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Loop(Node):
    """``loop { }``: repeats until ``break`` or ``return``."""

    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Break(Node):
    pass


@dataclass(frozen=True)
class Continue(Node):
    pass


@dataclass(frozen=True)
class Return(Node):
    pass


@dataclass(frozen=True)
class Barrier(Node):
    """``barrier()``: workgroup execution barrier that also orders workgroup memory."""


@dataclass(frozen=True)
class Fence(Node):
    """``fence(order, scope)``: a memory fence."""

    order: MemOrder = MemOrder.SEQ_CST
    scope: Scope = Scope.DEVICE


@dataclass(frozen=True)
class Eval(Node):
    """An expression evaluated for its effect; only atomics are allowed here."""

    expr: Expr


Stmt = (
    Let | VarDecl | Assign | Store | If | For | While | Loop | Break | Continue | Return
    | Barrier | Fence | Eval
)


# --- declarations -------------------------------------------------------------------
@dataclass(frozen=True)
class Param(Node):
    """A scalar kernel argument."""

    name: str
    type: ScalarType


@dataclass(frozen=True)
class Buffer(Node):
    """A buffer argument: ``buffer name: T[N] access [host]``; ``size`` None means runtime-sized."""

    name: str
    elem: ScalarType
    size: int | None
    access: Access
    placement: Placement = Placement.GLOBAL


@dataclass(frozen=True)
class Shared(Node):
    """A workgroup-shared array ``shared name: T[N]``; each workgroup has its own, zeroed."""

    name: str
    elem: ScalarType
    size: int


Decl = Param | Buffer | Shared


@dataclass(frozen=True)
class Kernel(Node):
    """One entry point: a name, the workgroup size (1 to 3 dims), declarations and a body."""

    name: str
    workgroup: tuple[int, ...]
    decls: tuple[Decl, ...]
    body: tuple[Stmt, ...]

    @property
    def params(self) -> tuple[Param, ...]:
        return tuple(d for d in self.decls if isinstance(d, Param))

    @property
    def buffers(self) -> tuple[Buffer, ...]:
        return tuple(d for d in self.decls if isinstance(d, Buffer))

    @property
    def shared(self) -> tuple[Shared, ...]:
        return tuple(d for d in self.decls if isinstance(d, Shared))

    def decl(self, name: str) -> Decl | None:
        for d in self.decls:
            if d.name == name:
                return d
        return None

    @property
    def workgroup3(self) -> tuple[int, int, int]:
        """The workgroup size padded to three dimensions with 1s."""
        wg = tuple(self.workgroup) + (1,) * (3 - len(self.workgroup))
        return wg[0], wg[1], wg[2]

    @property
    def invocations_per_workgroup(self) -> int:
        return math.prod(self.workgroup)


@dataclass(frozen=True)
class Module(Node):
    """A ``.vir`` file: one or more kernels with distinct names."""

    kernels: tuple[Kernel, ...]

    def kernel(self, name: str | None = None) -> Kernel:
        """The kernel called ``name``, or the only kernel when ``name`` is None.

        Raises ValidationError (V290) when the choice is ambiguous or the name is unknown.
        """
        from vyre.errors import ValidationError

        names = [k.name for k in self.kernels]
        if name is None:
            if len(self.kernels) == 1:
                return self.kernels[0]
            raise ValidationError(
                f"the module has {len(names)} kernels ({', '.join(names)}); which one?",
                code="V290",
                fix="name the kernel, e.g. kernel='" + names[0] + "' (or --kernel on the command line)",
            )
        for k in self.kernels:
            if k.name == name:
                return k
        raise ValidationError(
            f"no kernel named '{name}' in the module (it has: {', '.join(names)})",
            code="V290",
            fix="use one of the kernel names the module defines",
        )


# Statement types that contain nested statement lists, by field.
BLOCK_FIELDS: dict[type, tuple[str, ...]] = {
    If: ("then", "orelse"),
    For: ("body",),
    While: ("body",),
    Loop: ("body",),
}
