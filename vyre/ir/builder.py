"""Building VIR0 kernels in Python.

    kb = KernelBuilder("saxpy", workgroup=256)
    a = kb.param("a", "f32")
    x = kb.buffer("x", "f32", access="read")
    y = kb.buffer("y", "f32", access="read_write")
    i = kb.let("i", kb.gid.x)
    with kb.if_(i < y.len()):
        y[i] = a * x[i] + y[i]
    kernel = kb.build()

Expressions are ``Expr`` wrappers with Python operators (``+ - * / % & | ^ ~ << >> < <= >
>=`` and unary ``-``); ``==`` and ``!=`` keep their Python meaning, so comparisons for
equality are ``a.eq(b)`` and ``a.ne(b)``, and the logical operators are ``a.and_(b)``,
``a.or_(b)``, ``a.not_()``.  Python ints, floats and bools become unsuffixed literals
(bools are ``bool``).  The result is plain IR, equal to what the parser makes of the same
program text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Union

from vyre.errors import VyreError
from vyre.ir.grammar import RESERVED_WORDS
from vyre.ir.nodes import (
    Assign,
    Atomic,
    Barrier,
    Binary,
    Bitcast,
    Break,
    Buffer,
    Call,
    Cast,
    Continue,
    Eval,
    Fence,
    For,
    If,
    Kernel,
    Len,
    Let,
    Lit,
    Load,
    Loop,
    Module,
    Node,
    Param,
    Ref,
    Return,
    Shared,
    Store,
    ThreadId,
    Unary,
    VarDecl,
    While,
)
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


class BuilderError(VyreError):
    """The builder was used in a way that cannot produce a kernel."""

    default_code = "V190"


Operand = Union["Expr", int, float, bool, Node]


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _name(name: str) -> str:
    """``name`` if VIR0 text can spell it, so that built kernels print and parse back."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in RESERVED_WORDS:
        raise BuilderError(f"'{name}' cannot be a VIR0 name", code="V190",
                           fix="use letters, digits and _ (not first a digit), and no reserved "
                               "word such as 'let' or 'f32'")
    return name


def _type(t: ScalarType | str | None) -> ScalarType | None:
    if t is None or isinstance(t, ScalarType):
        return t
    try:
        return ScalarType(t)
    except ValueError:
        raise BuilderError(f"unknown type '{t}'", code="V191",
                           fix="use one of " + ", ".join(x.value for x in ScalarType)) from None


def lit(value: bool | int | float, type: ScalarType | str | None = None) -> Expr:  # noqa: A002
    """A literal; with a float ``type`` the value is stored as a Python float, as parsed."""
    t = _type(type)
    if isinstance(value, bool):
        return Expr(Lit(value, ScalarType.BOOL))
    if t is not None and t.is_float:
        value = float(value)
    return Expr(Lit(value, t))


def node(x: Operand) -> Node:
    """The IR node for an operand (an Expr, a Python number or bool, or a node)."""
    if isinstance(x, Expr):
        return x.node
    if isinstance(x, bool | int | float):
        return lit(x).node
    if isinstance(x, Node):
        return x
    raise BuilderError(f"expected a VIR0 expression or a number, but got {type(x).__name__}",
                       code="V192", fix="pass an Expr from the builder, an int, a float or a bool")


def _bin(op: BinOp, a: Operand, b: Operand) -> Expr:
    return Expr(Binary(op, node(a), node(b)))


class Expr:
    """A VIR0 expression under construction; ``.node`` is the IR."""

    __slots__ = ("node",)

    def __init__(self, n: Node) -> None:
        self.node = n

    def __repr__(self) -> str:
        from vyre.ir.printer import expr_to_text

        return f"Expr({expr_to_text(self.node)})"

    def __bool__(self) -> bool:
        raise BuilderError(
            "a VIR0 expression has no Python truth value",
            code="V193",
            fix="use kb.if_(cond) instead of `if`, and a.eq(b) / a.ne(b) instead of == / !=")

    __hash__ = object.__hash__

    # arithmetic and bitwise
    def __add__(self, o: Operand) -> Expr: return _bin(BinOp.ADD, self, o)
    def __radd__(self, o: Operand) -> Expr: return _bin(BinOp.ADD, o, self)
    def __sub__(self, o: Operand) -> Expr: return _bin(BinOp.SUB, self, o)
    def __rsub__(self, o: Operand) -> Expr: return _bin(BinOp.SUB, o, self)
    def __mul__(self, o: Operand) -> Expr: return _bin(BinOp.MUL, self, o)
    def __rmul__(self, o: Operand) -> Expr: return _bin(BinOp.MUL, o, self)
    def __truediv__(self, o: Operand) -> Expr: return _bin(BinOp.DIV, self, o)
    def __rtruediv__(self, o: Operand) -> Expr: return _bin(BinOp.DIV, o, self)
    def __mod__(self, o: Operand) -> Expr: return _bin(BinOp.REM, self, o)
    def __rmod__(self, o: Operand) -> Expr: return _bin(BinOp.REM, o, self)
    def __and__(self, o: Operand) -> Expr: return _bin(BinOp.AND, self, o)
    def __rand__(self, o: Operand) -> Expr: return _bin(BinOp.AND, o, self)
    def __or__(self, o: Operand) -> Expr: return _bin(BinOp.OR, self, o)
    def __ror__(self, o: Operand) -> Expr: return _bin(BinOp.OR, o, self)
    def __xor__(self, o: Operand) -> Expr: return _bin(BinOp.XOR, self, o)
    def __rxor__(self, o: Operand) -> Expr: return _bin(BinOp.XOR, o, self)
    def __lshift__(self, o: Operand) -> Expr: return _bin(BinOp.SHL, self, o)
    def __rlshift__(self, o: Operand) -> Expr: return _bin(BinOp.SHL, o, self)
    def __rshift__(self, o: Operand) -> Expr: return _bin(BinOp.SHR, self, o)
    def __rrshift__(self, o: Operand) -> Expr: return _bin(BinOp.SHR, o, self)
    def __neg__(self) -> Expr: return Expr(Unary(UnOp.NEG, self.node))
    def __invert__(self) -> Expr: return Expr(Unary(UnOp.BITNOT, self.node))

    # comparisons: Python's == and != stay identity comparisons
    def __lt__(self, o: Operand) -> Expr: return _bin(BinOp.LT, self, o)
    def __le__(self, o: Operand) -> Expr: return _bin(BinOp.LE, self, o)
    def __gt__(self, o: Operand) -> Expr: return _bin(BinOp.GT, self, o)
    def __ge__(self, o: Operand) -> Expr: return _bin(BinOp.GE, self, o)

    def eq(self, o: Operand) -> Expr:
        """``self == o`` in VIR0."""
        return _bin(BinOp.EQ, self, o)

    def ne(self, o: Operand) -> Expr:
        """``self != o`` in VIR0."""
        return _bin(BinOp.NE, self, o)

    def and_(self, o: Operand) -> Expr:
        """Logical ``self && o``."""
        return _bin(BinOp.LAND, self, o)

    def or_(self, o: Operand) -> Expr:
        """Logical ``self || o``."""
        return _bin(BinOp.LOR, self, o)

    def not_(self) -> Expr:
        """Logical ``!self``."""
        return Expr(Unary(UnOp.NOT, self.node))

    def cast(self, t: ScalarType | str) -> Expr:
        """Value conversion ``T(self)``."""
        return Expr(Cast(_type(t), self.node))

    def bitcast(self, t: ScalarType | str) -> Expr:
        """``bitcast<T>(self)``."""
        return Expr(Bitcast(_type(t), self.node))


def call(fn: Builtin | str, *args: Operand) -> Expr:
    """A builtin call, e.g. ``call("min", a, b)``."""
    try:
        b = fn if isinstance(fn, Builtin) else Builtin(fn)
    except ValueError:
        raise BuilderError(f"unknown builtin '{fn}'", code="V194",
                           fix="use a name from vyre.ir.ops.Builtin, e.g. 'min' or 'sqrt'") from None
    return Expr(Call(b, tuple(node(a) for a in args)))


def cast(t: ScalarType | str, x: Operand) -> Expr:
    return Expr(Cast(_type(t), node(x)))


def bitcast(t: ScalarType | str, x: Operand) -> Expr:
    return Expr(Bitcast(_type(t), node(x)))


class Var(Expr):
    """A ``var`` binding: read it like any Expr, assign with ``.set(v)`` or ``+=`` etc."""

    __slots__ = ("_kb", "name")

    def __init__(self, kb: KernelBuilder, name: str) -> None:
        super().__init__(Ref(name))
        self._kb = kb
        self.name = name

    def set(self, value: Operand, op: BinOp | None = None) -> None:
        """``name = value`` (or ``name op= value``)."""
        self._kb._emit(Assign(self.name, node(value), op))

    def _compound(self, op: BinOp, value: Operand) -> Var:
        self.set(value, op)
        return self

    def __iadd__(self, o: Operand) -> Var: return self._compound(BinOp.ADD, o)
    def __isub__(self, o: Operand) -> Var: return self._compound(BinOp.SUB, o)
    def __imul__(self, o: Operand) -> Var: return self._compound(BinOp.MUL, o)
    def __itruediv__(self, o: Operand) -> Var: return self._compound(BinOp.DIV, o)
    def __imod__(self, o: Operand) -> Var: return self._compound(BinOp.REM, o)
    def __iand__(self, o: Operand) -> Var: return self._compound(BinOp.AND, o)
    def __ior__(self, o: Operand) -> Var: return self._compound(BinOp.OR, o)
    def __ixor__(self, o: Operand) -> Var: return self._compound(BinOp.XOR, o)
    def __ilshift__(self, o: Operand) -> Var: return self._compound(BinOp.SHL, o)
    def __irshift__(self, o: Operand) -> Var: return self._compound(BinOp.SHR, o)


def _order(order: MemOrder | str) -> MemOrder:
    return order if isinstance(order, MemOrder) else MemOrder(order)


class BufferRef:
    """A buffer or shared array: ``b[i]`` loads, ``b[i] = v`` stores, ``b.len()``, atomics."""

    def __init__(self, kb: KernelBuilder, name: str) -> None:
        self._kb = kb
        self.name = name

    def __getitem__(self, index: Operand) -> Expr:
        return Expr(Load(self.name, node(index)))

    def __setitem__(self, index: Operand, value: Operand) -> None:
        # `b[i] += v` arrives here as `b[i] = b[i] + v`; use .store(i, v, op) for `+=` itself.
        self._kb._emit(Store(self.name, node(index), node(value)))

    def store(self, index: Operand, value: Operand, op: BinOp | None = None) -> None:
        """``b[index] = value`` or, with ``op``, ``b[index] op= value``."""
        self._kb._emit(Store(self.name, node(index), node(value), op))

    def len(self) -> Expr:
        """``len(b)``, as u32."""
        return Expr(Len(self.name))

    def atomic(self, op: AtomicOp | str, index: Operand, *args: Operand,
               order: MemOrder | str = MemOrder.RELAXED) -> Expr:
        """``atomic_<op>(b[index], args..., order)``; use it with ``kb.let`` or ``kb.eval``."""
        aop = op if isinstance(op, AtomicOp) else AtomicOp(op.removeprefix("atomic_"))
        return Expr(Atomic(aop, self.name, node(index), tuple(node(a) for a in args), _order(order)))


class _Ids:
    def __init__(self, kind: IdKind) -> None:
        self.x = Expr(ThreadId(kind, 0))
        self.y = Expr(ThreadId(kind, 1))
        self.z = Expr(ThreadId(kind, 2))


class KernelBuilder:
    """Builds one Kernel; statements go into the innermost open block (``with`` blocks)."""

    def __init__(self, name: str, workgroup: int | tuple[int, ...] = 1) -> None:
        self.name = _name(name)
        self.workgroup = (workgroup,) if isinstance(workgroup, int) else tuple(workgroup)
        self._decls: list = []
        self._blocks: list[list] = [[]]
        self.gid, self.lid = _Ids(IdKind.GID), _Ids(IdKind.LID)
        self.wid, self.nwg = _Ids(IdKind.WID), _Ids(IdKind.NWG)

    # --- declarations -----------------------------------------------------------------------
    def param(self, name: str, type: ScalarType | str) -> Expr:  # noqa: A002
        self._decls.append(Param(_name(name), _type(type)))
        return Expr(Ref(name))

    def buffer(self, name: str, elem: ScalarType | str, access: Access | str = Access.READ_WRITE,
               size: int | None = None, host: bool = False) -> BufferRef:
        acc = access if isinstance(access, Access) else Access(access)
        placement = Placement.HOST if host else Placement.GLOBAL
        self._decls.append(Buffer(_name(name), _type(elem), size, acc, placement))
        return BufferRef(self, name)

    def shared(self, name: str, elem: ScalarType | str, size: int) -> BufferRef:
        self._decls.append(Shared(_name(name), _type(elem), size))
        return BufferRef(self, name)

    # --- statements -------------------------------------------------------------------------
    def _emit(self, stmt: Node) -> None:
        self._blocks[-1].append(stmt)

    def let(self, name: str, value: Operand, type: ScalarType | str | None = None) -> Expr:  # noqa: A002
        self._emit(Let(_name(name), _type(type), node(value)))
        return Expr(Ref(name))

    def var(self, name: str, value: Operand, type: ScalarType | str | None = None) -> Var:  # noqa: A002
        self._emit(VarDecl(_name(name), _type(type), node(value)))
        return Var(self, name)

    def assign(self, name: str | Expr, value: Operand, op: BinOp | str | None = None) -> None:
        target = name.node.name if isinstance(name, Expr) and isinstance(name.node, Ref) else name
        bop = BinOp(op) if isinstance(op, str) else op
        self._emit(Assign(str(target), node(value), bop))

    def eval(self, atomic: Expr) -> None:
        """An atomic operation as a statement, its old value unused."""
        self._emit(Eval(node(atomic)))

    def break_(self) -> None:
        self._emit(Break())

    def continue_(self) -> None:
        self._emit(Continue())

    def return_(self) -> None:
        self._emit(Return())

    def barrier(self) -> None:
        self._emit(Barrier())

    def fence(self, order: MemOrder | str = MemOrder.SEQ_CST, scope: Scope | str = Scope.DEVICE) -> None:
        self._emit(Fence(_order(order), scope if isinstance(scope, Scope) else Scope(scope)))

    @contextmanager
    def _block(self) -> Iterator[list]:
        body: list = []
        self._blocks.append(body)
        try:
            yield body
        finally:
            self._blocks.pop()

    @staticmethod
    def _cond(c: Operand) -> Node:
        if isinstance(c, bool):
            raise BuilderError(
                "the condition is a Python bool, not a VIR0 expression",
                code="V193", fix="compare with a.eq(b) / a.ne(b) instead of == / !=")
        return node(c)

    @contextmanager
    def if_(self, cond: Operand) -> Iterator[None]:
        c = self._cond(cond)
        with self._block() as body:
            yield
        self._emit(If(c, tuple(body)))

    def _last_if(self, what: str) -> If:
        block = self._blocks[-1]
        if not block or not isinstance(block[-1], If):
            raise BuilderError(f"{what} must directly follow an if_ block", code="V195",
                               fix="open `with kb.if_(cond):` first")
        return block[-1]

    @staticmethod
    def _attach(chain: If, orelse: tuple, what: str) -> If:
        if not chain.orelse:
            return If(chain.cond, chain.then, orelse)
        if len(chain.orelse) == 1 and isinstance(chain.orelse[0], If):
            return If(chain.cond, chain.then, (KernelBuilder._attach(chain.orelse[0], orelse, what),))
        raise BuilderError(f"{what} after an else_ block", code="V195",
                           fix="an if chain ends with at most one else_")

    @contextmanager
    def elif_(self, cond: Operand) -> Iterator[None]:
        chain = self._last_if("elif_")
        c = self._cond(cond)
        with self._block() as body:
            yield
        self._blocks[-1][-1] = self._attach(chain, (If(c, tuple(body)),), "elif_")

    @contextmanager
    def else_(self) -> Iterator[None]:
        chain = self._last_if("else_")
        with self._block() as body:
            yield
        self._blocks[-1][-1] = self._attach(chain, tuple(body), "else_")

    @contextmanager
    def for_(self, var: str, start: Operand, end: Operand, step: Operand | None = None) -> Iterator[Expr]:
        _name(var)
        s, e = node(start), node(end)
        st = None if step is None else node(step)
        with self._block() as body:
            yield Expr(Ref(var))
        self._emit(For(var, s, e, st, tuple(body)))

    @contextmanager
    def while_(self, cond: Operand) -> Iterator[None]:
        c = self._cond(cond)
        with self._block() as body:
            yield
        self._emit(While(c, tuple(body)))

    @contextmanager
    def loop(self) -> Iterator[None]:
        with self._block() as body:
            yield
        self._emit(Loop(tuple(body)))

    def build(self) -> Kernel:
        """The finished Kernel."""
        if len(self._blocks) != 1:
            raise BuilderError("build() called inside an open block", code="V195",
                               fix="call build() after every `with` block has ended")
        return Kernel(self.name, self.workgroup, tuple(self._decls), tuple(self._blocks[0]))


def module(*kernels: Kernel | KernelBuilder) -> Module:
    """A Module of the given kernels (builders are built)."""
    return Module(tuple(k.build() if isinstance(k, KernelBuilder) else k for k in kernels))
