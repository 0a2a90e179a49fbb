"""Contextual typing of VIR0: one walk that gives every literal its type and checks every operand.

The same walk serves two callers.  ``vyre.ir.infer.resolve`` runs it on a validated kernel and
keeps the rewritten kernel (every ``Lit`` typed, every ``let``/``var`` annotated).
``vyre.ir.validate`` runs it with a ``report`` callback and collects the typing and naming
diagnostics (codes V21x-V23x); the rewritten kernel is then thrown away.  Sharing the walk
means the validator accepts exactly the programs that inference understands.

Typing is bidirectional: ``natural`` says what type an expression has on its own (or that it
is *flexible*: built only from unsuffixed literals), and ``expr`` pushes a wanted type down
into flexible parts (docs/semantics.md section 1).
"""

from __future__ import annotations

import difflib
import enum
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np

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
    Expr,
    Fence,
    For,
    If,
    Kernel,
    Len,
    Let,
    Lit,
    Load,
    Loop,
    Param,
    Ref,
    Return,
    Shared,
    Stmt,
    Store,
    ThreadId,
    Unary,
    VarDecl,
    While,
)
from vyre.ir.ops import (
    DEFAULT_FLOAT,
    DEFAULT_INT,
    INDEX_TYPE,
    BinOp,
    Builtin,
    ScalarType,
    Sig,
    UnOp,
)
from vyre.ir.spans import word_span
from vyre.source import Span

B = ScalarType.BOOL

# report(code, message, fix, span)
Report = Callable[[str, str, str, "Span | None"], None]


class Flex(enum.Enum):
    """The type of an expression made only of unsuffixed literals, by how they are spelled."""

    INT = DEFAULT_INT
    FLOAT = DEFAULT_FLOAT

    @property
    def default(self) -> ScalarType:
        return self.value

    def accepts(self, t: ScalarType) -> bool:
        """Whether literals of this spelling may take type ``t`` from context."""
        return t.is_float if self is Flex.FLOAT else t.is_numeric


Nat = ScalarType | Flex | None  # None: unknown, because of an error reported elsewhere


class Kind(enum.Enum):
    """What introduced a name; decides whether it may be assigned."""

    PARAM = "param"
    LET = "let binding"
    VAR = "var"
    LOOP = "loop variable"


@dataclass(frozen=True)
class Binding:
    type: ScalarType | None
    kind: Kind
    span: Span | None = None


def join(a: Nat, b: Nat) -> Nat:
    """The operand type of a binary operator whose operands have natural types ``a`` and ``b``."""
    if isinstance(a, ScalarType):
        return a
    if isinstance(b, ScalarType):
        return b
    if a is None or b is None:
        return a if b is None else b
    return Flex.FLOAT if Flex.FLOAT in (a, b) else Flex.INT


def settle(n: Nat, want: ScalarType | None) -> ScalarType | None:
    """A flexible type becomes ``want`` when its literals may take it, else its default."""
    if isinstance(n, Flex):
        return want if want is not None and n.accepts(want) else n.default
    return n


def round_float(value: float, t: ScalarType) -> float:
    """``value`` rounded to nearest-even in ``t``'s precision (inf when it overflows)."""
    if t is ScalarType.F32:
        with np.errstate(over="ignore"):
            return float(np.float32(value))
    return float(value)


def int_to_float_exact(value: int, t: ScalarType) -> float | None:
    """``value`` as a float of type ``t``, or None when the conversion is not exact."""
    try:
        f = float(value)
    except OverflowError:
        return None
    if not math.isfinite(f) or int(f) != value:
        return None
    r = round_float(f, t)
    return r if r == f else None


_ARITH = frozenset({BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.REM})
_BITWISE = frozenset({BinOp.AND, BinOp.OR, BinOp.XOR})
_SHIFTS = frozenset({BinOp.SHL, BinOp.SHR})
_ORDERED = frozenset({BinOp.LT, BinOp.LE, BinOp.GT, BinOp.GE})

_FLOAT_SIGS = frozenset({Sig.FLOAT_1, Sig.FLOAT_2, Sig.FLOAT_3})
_INT_SIGS = frozenset({Sig.INT_1, Sig.INT_2})
_NUM_SIGS = frozenset({Sig.NUM_1, Sig.NUM_2, Sig.NUM_3})


def binop_accepts(op: BinOp, t: ScalarType) -> bool:
    """Whether binary operator ``op`` is defined on operands of type ``t``."""
    if op.is_logical:
        return t is B
    if op in _ARITH or op in _ORDERED:
        return t.is_numeric
    if op in _BITWISE:
        return t.is_int or t is B
    if op in _SHIFTS:
        return t.is_int
    return True  # == and != compare any type


def _op_fix(op: BinOp) -> str:
    if op.is_logical:
        return f"'{op.value}' takes bool operands; compare numbers first, e.g. x != 0"
    if op in _SHIFTS:
        return f"'{op.value}' takes integer operands; convert with u32(...) or i32(...)"
    if op in _BITWISE:
        return f"'{op.value}' takes integer or bool operands; use bitcast<u32>(x) to work on a float's bits"
    return f"'{op.value}' takes numeric operands; for bools use '==', '!=', '&&' or '||'"


_WIDER = {
    ScalarType.I32: (ScalarType.I64, ScalarType.U64),
    ScalarType.U32: (ScalarType.U64, ScalarType.I32, ScalarType.I64),
    ScalarType.I64: (ScalarType.U64,),
    ScalarType.U64: (ScalarType.I64,),
}


def _literal_fits(v: bool | int | float, t: ScalarType) -> bool:
    """Whether the unsuffixed literal value ``v`` can take type ``t`` without any error."""
    if isinstance(v, bool) or t is B:
        return False
    if isinstance(v, float):
        return t.is_float and math.isfinite(v) and math.isfinite(round_float(v, t))
    if t.is_int:
        return t.min <= v <= t.max
    return int_to_float_exact(v, t) is not None


def _literals_fit(e: Expr, t: ScalarType) -> bool:
    """Whether every unsuffixed literal of the flexible expression ``e`` fits ``t``."""
    if isinstance(e, Lit):
        return e.type is not None or _literal_fits(e.value, t)
    return all(_literals_fit(x, t) for x in _operands(e))


def _operands(e: Expr) -> tuple[Expr, ...]:
    match e:
        case Unary(operand=x):
            return (x,)
        case Binary(lhs=lhs, rhs=rhs):
            return (lhs, rhs)
        case Call(args=args):
            return args
    return ()


def _range_fix(v: int, t: ScalarType) -> str:
    """Suggest a type that holds ``v``, keeping the signedness where possible."""
    for wider in _WIDER.get(t, ()):
        if wider.min <= v <= wider.max:
            return f"give it a type that holds it, e.g. {v}{wider}, or use a smaller value"
    return "use a value that fits in 64 bits"


def _approx(v: int) -> str:
    try:
        return repr(float(v))
    except OverflowError:
        return "1e308"


@dataclass(frozen=True)
class _Spanned:
    """Stands in for a node when a diagnostic points at part of it."""

    span: Span | None


class Typer:
    """Types and rewrites one kernel; reports problems through ``report`` when given one."""

    def __init__(self, kernel: Kernel, report: Report | None = None) -> None:
        self.kernel = kernel
        self._report = report
        self.buffers: dict[str, Buffer | Shared] = {}
        self.scopes: list[dict[str, Binding]] = [{}]
        self._span: Span | None = kernel.span
        for d in kernel.decls:
            if isinstance(d, Param):
                self.scopes[0].setdefault(d.name, Binding(d.type, Kind.PARAM, d.span))
            elif isinstance(d, Buffer | Shared):
                self.buffers.setdefault(d.name, d)

    # --- reporting and names ---------------------------------------------------------
    def error(self, code: str, message: str, fix: str, node: object = None) -> None:
        if self._report is not None:
            span = getattr(node, "span", None) or self._span
            self._report(code, message, fix, span)

    def lookup(self, name: str) -> Binding | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def bind(self, name: str, binding: Binding, node: object) -> None:
        """Introduce ``name`` in the innermost scope; no visible name may be shadowed."""
        old = self.lookup(name)
        if old is not None or name in self.buffers:
            what = "a buffer" if old is None else f"a {old.kind.value}"
            if old is None and isinstance(self.buffers[name], Shared):
                what = "a shared array"
            where = ""
            span = old.span if old is not None else self.buffers[name].span
            if span is not None:
                where = f" (declared at line {span.line})"
            self.error(
                "V212",
                f"'{name}' is already {what}{where}; names may not be shadowed",
                f"give the new binding another name, e.g. '{name}2'",
                _Spanned(word_span(getattr(node, "span", None), name)),
            )
            if old is not None:
                return  # keep the outer meaning so later uses are checked against it
        self.scopes[-1][name] = binding

    def _visible(self) -> set[str]:
        return {n for scope in self.scopes for n in scope}

    @staticmethod
    def _did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
        close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
        return f"did you mean '{close[0]}'?" if close else None

    def buffer(self, name: str, node: object) -> Buffer | Shared | None:
        decl = self.buffers.get(name)
        if decl is None:
            value = self.lookup(name)
            if value is not None:
                self.error(
                    "V211",
                    f"'{name}' is a {value.kind.value}, not a buffer or shared array",
                    "index, len() and atomics need a name declared with `buffer` or `shared`",
                    node,
                )
            else:
                self.error(
                    "V211",
                    f"unknown buffer '{name}'",
                    self._did_you_mean(name, self.buffers)
                    or f"declare it, e.g. `buffer {name}: u32[] read_write`, or fix the spelling",
                    node,
                )
        return decl

    # --- natural types ---------------------------------------------------------------
    def natural(self, e: Expr) -> Nat:
        """The type of ``e`` on its own; a Flex when it is built only from unsuffixed literals."""
        match e:
            case Lit(value=v, type=t):
                if t is not None:
                    return t
                if isinstance(v, bool):
                    return B
                return Flex.FLOAT if isinstance(v, float) else Flex.INT
            case Ref(name=name):
                b = self.lookup(name)
                return b.type if b is not None else None
            case ThreadId() | Len():
                return INDEX_TYPE
            case Load(buffer=name) | Atomic(buffer=name):
                d = self.buffers.get(name)
                return d.elem if d is not None else None
            case Unary(op=op, operand=x):
                return B if op is UnOp.NOT else self.natural(x)
            case Binary(op=op, lhs=lhs, rhs=rhs):
                if op.is_comparison or op.is_logical:
                    return B
                return join(self.natural(lhs), self.natural(rhs))
            case Cast(type=t) | Bitcast(type=t):
                return t
            case Call(fn=fn, args=args):
                return self._call_natural(fn, args)
        return None

    def _call_natural(self, fn: Builtin, args: tuple[Expr, ...]) -> Nat:
        sig = fn.sig
        if sig is Sig.PRED_1:
            return B
        if sig is Sig.SELECT:
            return join(*(self.natural(a) for a in args[1:3])) if len(args) >= 3 else None
        n: Nat = Flex.INT if args else None
        for a in args:
            n = join(n, self.natural(a)) if n is not None else self.natural(a)
        # An integer-spelled literal in a float builtin's parameter takes a float type.
        if sig in _FLOAT_SIGS and n is Flex.INT:
            return Flex.FLOAT
        return n

    # --- expressions -----------------------------------------------------------------
    def expr(self, e: Expr, want: ScalarType | None = None) -> tuple[Expr, ScalarType | None]:
        """``e`` with its literals typed (``want`` flows into flexible parts) and its type."""
        match e:
            case Lit():
                return self._lit(e, want)
            case Ref(name=name):
                b = self.lookup(name)
                if b is None:
                    if name in self.buffers:
                        self.error(
                            "V214",
                            f"'{name}' is a buffer, not a value",
                            f"read an element with {name}[i], or its length with len({name})",
                            e,
                        )
                    else:
                        self.error("V210", f"unknown name '{name}'",
                                   self._did_you_mean(name, self._visible())
                                   or f"declare it first with `let {name} = ...` or `param {name}: u32`, or fix the spelling",
                                   e)
                    return e, None
                return e, b.type
            case ThreadId():
                return e, INDEX_TYPE
            case Len(buffer=name):
                self.buffer(name, e)
                return e, INDEX_TYPE
            case Load(buffer=name, index=index):
                d = self.buffer(name, e)
                return replace(e, index=self.index(index, name)), (d.elem if d is not None else None)
            case Unary():
                return self._unary(e, want)
            case Binary():
                return self._binary(e, want)
            case Cast(type=t, operand=x):
                # A literal operand takes the cast's type when all its literals hold exactly
                # in it (`f64(0.1)`, `i64(-1)`); otherwise it has its default type and the cast
                # converts it (`f32(16777217)` rounds, as `f32(16777217u32)` would).
                n = self.natural(x)
                want = settle(n, t) if isinstance(n, Flex) and _literals_fit(x, t) else None
                x2, _ = self.expr(x, want)
                return replace(e, operand=x2), t
            case Bitcast():
                return self._bitcast(e)
            case Call():
                return self._call(e, want)
            case Atomic():
                return self._atomic(e)
        self.error("V299", f"'{type(e).__name__}' is not a VIR0 expression",
                   "build expressions from the node classes in vyre.ir.nodes", e)
        return e, None

    def _lit(self, e: Lit, want: ScalarType | None) -> tuple[Expr, ScalarType | None]:
        v, t = e.value, e.type
        if isinstance(v, bool):
            if t not in (None, B):
                self.error("V231", f"the bool literal {str(v).lower()} cannot have type {t}",
                           f"write a number, or convert with {t}(...)", e)
                return e, t
            return replace(e, type=B), B
        if t is None:
            kind = Flex.FLOAT if isinstance(v, float) else Flex.INT
            if want is not None and want is not B and not kind.accepts(want):
                self.error(
                    "V231",
                    f"the float literal {v!r} cannot take the integer type {want}",
                    f"write an integer, or convert explicitly with {want}({v!r})",
                    e,
                )
                return replace(e, type=kind.default), want
            t = want if want is not None and kind.accepts(want) else kind.default
        elif isinstance(v, float) and t.is_int or t is B:
            self.error("V231", f"the literal {v!r} cannot have type {t}",
                       "use a literal of the right kind, e.g. 1 for integers and 1.0 for floats", e)
            return e, t
        return self._ranged(e, v, t), t

    def _ranged(self, e: Lit, v: int | float, t: ScalarType) -> Lit:
        """The literal with value ``v`` as a ``t`` value; reports V230 when it does not fit."""
        if t.is_int:
            if not t.min <= v <= t.max:
                self.error("V230", f"the literal {v} is out of range for {t} ({t.min} to {t.max})",
                           _range_fix(int(v), t), e)
            return replace(e, value=int(v), type=t)
        if isinstance(v, int):
            f = int_to_float_exact(v, t)
            if f is None:
                self.error(
                    "V230",
                    f"the integer literal {v} has no exact {t} value",
                    f"write it as a float literal (e.g. {_approx(v)}) to accept rounding",
                    e,
                )
                return replace(e, value=round_float(float(min(max(v, -1e300), 1e300)), t), type=t)
            return replace(e, value=f, type=t)
        if not math.isfinite(v):
            self.error("V230", f"the literal {v!r} is not a finite number",
                       "compute infinities and NaN at run time, e.g. 1.0 / 0.0", e)
            return replace(e, type=t)
        r = round_float(v, t)
        if not math.isfinite(r):
            self.error("V230", f"the literal {v!r} is out of range for {t} (it rounds to infinity)",
                       "use f64 (suffix f64) or a smaller value", e)
        return replace(e, value=r, type=t)

    def index(self, index: Expr, buffer: str) -> Expr:
        """An index expression: any integer type; unsuffixed literals default to u32."""
        x, t = self.expr(index, INDEX_TYPE if self.natural(index) is Flex.INT else None)
        if t is not None and not t.is_int:
            self.error("V226", f"the index into '{buffer}' must be an integer, but got {t}",
                       "convert it, e.g. u32(x)", index)
        return x

    def _unary(self, e: Unary, want: ScalarType | None) -> tuple[Expr, ScalarType | None]:
        if e.op is UnOp.NOT:
            x, t = self.expr(e.operand, B)
            if t is not None and t is not B:
                self.error("V220", f"expected bool, but got {t} for the operand of '!'",
                           "compare first, e.g. !(x != 0), or use '~' for bitwise not", e.operand)
            return replace(e, operand=x), B
        x, t = self.expr(e.operand, settle(self.natural(e.operand), want))
        if t is not None:
            ok = t.is_numeric if e.op is UnOp.NEG else t.is_int
            if not ok:
                kinds = "a numeric" if e.op is UnOp.NEG else "an integer"
                self.error("V221", f"'{e.op.value}' is not defined for {t}; it needs {kinds} operand",
                           "use '!' to negate a bool" if t is B else "convert the operand first, e.g. bitcast<u32>(x)",
                           e)
        return replace(e, operand=x), t

    def _binary(self, e: Binary, want: ScalarType | None) -> tuple[Expr, ScalarType | None]:
        op = e.op
        if op.is_logical:
            operands = []
            for i, side in enumerate((e.lhs, e.rhs), 1):
                x, t = self.expr(side, B)
                if t is not None and t is not B:
                    self.error("V220", f"expected bool, but got {t} for operand {i} of '{op.value}'",
                               _op_fix(op), side)
                operands.append(x)
            return replace(e, lhs=operands[0], rhs=operands[1]), B
        n = join(self.natural(e.lhs), self.natural(e.rhs))
        t = settle(n, None if op.is_comparison else want)
        lhs, tl = self.expr(e.lhs, t)
        rhs, tr = self.expr(e.rhs, t)
        if t is None:
            t = tl or tr
        for i, (side, ts) in enumerate(((e.lhs, tl), (e.rhs, tr)), 1):
            if ts is not None and t is not None and ts is not t:
                self.error(
                    "V220",
                    f"expected {t}, but got {ts} for operand {i} of '{op.value}'",
                    f"both operands of '{op.value}' must have the same type; convert one with {t}(...) or {ts}(...)",
                    side,
                )
        if t is not None and not binop_accepts(op, t):
            self.error("V221", f"'{op.value}' is not defined for {t}", _op_fix(op), e)
        return replace(e, lhs=lhs, rhs=rhs), (B if op.is_comparison else t)

    def _bitcast(self, e: Bitcast) -> tuple[Expr, ScalarType | None]:
        n = self.natural(e.operand)
        want = None
        if isinstance(n, Flex) and e.type is not B:
            # A bare literal takes the same-width type of its own kind: bitcast<f64>(0x3ff0...).
            wide = e.type.bits == 64
            if n is Flex.INT:
                want = ScalarType.U64 if wide else ScalarType.U32
            else:
                want = ScalarType.F64 if wide else ScalarType.F32
        x, t = self.expr(e.operand, want)
        if e.type is B or t is B:
            self.error("V223", "bitcast does not apply to bool",
                       "use a value conversion such as u32(b) or b != 0", e)
        elif t is not None and t.bits != e.type.bits:
            self.error(
                "V223",
                f"bitcast<{e.type}> needs a {e.type.bits}-bit operand, but got {t}",
                f"convert the width first, e.g. bitcast<{e.type}>({'u64' if e.type.bits == 64 else 'u32'}(x))",
                e,
            )
        return replace(e, operand=x), e.type

    def _call(self, e: Call, want: ScalarType | None) -> tuple[Expr, ScalarType | None]:
        fn, sig, args = e.fn, e.fn.sig, e.args
        name = fn.value
        if len(args) != fn.arity:
            self.error("V222", f"'{name}' takes {fn.arity} argument{'s' if fn.arity != 1 else ''}, but got {len(args)}",
                       f"call it as {name}({', '.join('xyz'[: fn.arity])})" if fn.arity <= 3 else "check the argument count",
                       e)
            new = tuple(self.expr(a, None)[0] for a in args)
            return replace(e, args=new), settle(self._call_natural(fn, args), want)
        new: list[Expr] = []
        if sig is Sig.SELECT:
            c, tc = self.expr(args[0], B)
            if tc is not None and tc is not B:
                self.error("V222", f"expected bool, but got {tc} for argument 1 of 'select'",
                           "the condition of select must be bool, e.g. select(x > 0, a, b)", args[0])
            new.append(c)
            t = settle(join(self.natural(args[1]), self.natural(args[2])), want)
            operands = args[1:]
            first = 2
        elif sig is Sig.PRED_1:
            n = self.natural(args[0])
            t = settle(Flex.FLOAT if isinstance(n, Flex) else n, None)
            operands, first = args, 1
        else:
            t = settle(self._call_natural(fn, args), want)
            operands, first = args, 1
        types = []
        for i, a in enumerate(operands, first):
            x, ta = self.expr(a, t)
            new.append(x)
            types.append(ta)
            if ta is not None and t is not None and ta is not t:
                self.error("V222", f"expected {t}, but got {ta} for argument {i} of '{name}'",
                           f"the arguments of '{name}' must have the same type; convert one with {t}(...) or {ta}(...)", a)
        if t is None:
            t = next((x for x in types if x is not None), None)
        if t is not None:
            need = None
            if sig in _FLOAT_SIGS or sig is Sig.PRED_1:
                need = "a float (f32 or f64)" if not t.is_float else None
            elif sig in _INT_SIGS:
                need = "an integer" if not t.is_int else None
            elif sig in _NUM_SIGS:
                need = "a numeric" if t is B else None
            if need is not None:
                self.error("V222", f"'{name}' takes {need} argument, but got {t}",
                           f"convert the argument, e.g. {name}({'f32' if 'float' in need else 'u32'}(x))", e)
        result = B if sig is Sig.PRED_1 else t
        return replace(e, args=tuple(new)), result

    def _atomic(self, e: Atomic) -> tuple[Expr, ScalarType | None]:
        d = self.buffer(e.buffer, e)
        index = self.index(e.index, e.buffer)
        t = d.elem if d is not None else None
        if len(e.args) != e.op.nargs:
            n = e.op.nargs
            self.error("V228", f"'{e.op.spelling}' takes {n} value{'s' if n != 1 else ''} after the element, but got {len(e.args)}",
                       f"call it as {e.op.spelling}(buf[i]{''.join(', v' + str(k + 1) for k in range(n))})", e)
        new = []
        for i, a in enumerate(e.args, 2):
            x, ta = self.expr(a, t)
            new.append(x)
            if ta is not None and t is not None and ta is not t:
                self.error("V228", f"expected {t}, but got {ta} for argument {i} of '{e.op.spelling}'",
                           f"the values must have the element type of '{e.buffer}'; convert, e.g. {t}(...)", a)
        return replace(e, index=index, args=tuple(new)), t

    # --- statements ------------------------------------------------------------------
    def block(self, stmts: Iterable[Stmt]) -> tuple[Stmt, ...]:
        self.scopes.append({})
        try:
            return tuple(self.stmt(s) for s in stmts)
        finally:
            self.scopes.pop()

    def stmt(self, s: Stmt) -> Stmt:
        self._span = s.span or self._span
        match s:
            case Let() | VarDecl():
                return self._binding(s)
            case Assign():
                return self._assign(s)
            case Store():
                return self._store(s)
            case If(cond=cond):
                c = self._cond(cond, "if")
                return replace(s, cond=c, then=self.block(s.then), orelse=self.block(s.orelse))
            case While(cond=cond):
                return replace(s, cond=self._cond(cond, "while"), body=self.block(s.body))
            case For():
                return self._for(s)
            case Loop():
                return replace(s, body=self.block(s.body))
            case Eval(expr=x):
                return replace(s, expr=self.expr(x, None)[0])
            case Break() | Continue() | Return() | Barrier() | Fence():
                return s
        self.error("V299", f"'{type(s).__name__}' is not a VIR0 statement",
                   "build statements from the node classes in vyre.ir.nodes", s)
        return s

    def _binding(self, s: Let | VarDecl) -> Stmt:
        word = "let" if isinstance(s, Let) else "var"
        value, t = self.expr(s.value, s.type)
        if s.type is not None and t is not None and t is not s.type:
            self.error("V225", f"expected {s.type}, but got {t} for the value of '{s.name}'",
                       f"convert the value, e.g. `{word} {s.name}: {s.type} = {s.type}(...)`", s.value)
        t = s.type or t
        self.bind(s.name, Binding(t, Kind.LET if word == "let" else Kind.VAR, s.span), s)
        return replace(s, value=value, type=t)

    def _assign(self, s: Assign) -> Stmt:
        b = self.lookup(s.name)
        t = b.type if b is not None else None
        if b is None:
            if s.name in self.buffers:
                self.error("V213", f"'{s.name}' is a buffer and cannot be assigned",
                           f"store to an element instead: {s.name}[i] = value", s)
            else:
                self.error("V210", f"unknown name '{s.name}'",
                           self._did_you_mean(s.name, self._visible())
                           or f"declare it first with `var {s.name} = ...`, or fix the spelling", s)
        elif b.kind is not Kind.VAR:
            self.error("V213", f"'{s.name}' is a {b.kind.value} and cannot be assigned",
                       f"declare it with `var {s.name} = ...` to make it mutable"
                       if b.kind is Kind.LET else "copy it into a var first: `var v = " + s.name + "`", s)
        value, tv = self.expr(s.value, t)
        self._check_update(s.op, t, tv, s.value, f"assigned to '{s.name}'")
        return replace(s, value=value)

    def _check_update(self, op: BinOp | None, t: ScalarType | None, tv: ScalarType | None,
                      value: Expr, target: str) -> None:
        if t is not None and tv is not None and tv is not t:
            self.error("V225", f"expected {t}, but got {tv} for the value {target}",
                       f"convert the value, e.g. {t}(...)", value)
        if op is not None and t is not None and not binop_accepts(op, t):
            self.error("V221", f"'{op.value}=' is not defined for {t}", _op_fix(op), value)

    def _store(self, s: Store) -> Stmt:
        d = self.buffer(s.buffer, s)
        t = d.elem if d is not None else None
        index = self.index(s.index, s.buffer)
        value, tv = self.expr(s.value, t)
        self._check_update(s.op, t, tv, s.value, f"stored to an element of '{s.buffer}'")
        return replace(s, index=index, value=value)

    def _cond(self, cond: Expr, what: str) -> Expr:
        c, t = self.expr(cond, B)
        if t is not None and t is not B:
            self.error("V224", f"expected bool, but got {t} for the {what} condition",
                       "compare explicitly, e.g. x != 0", cond)
        return c

    def _for(self, s: For) -> Stmt:
        parts = [("start", s.start), ("end", s.end)] + ([("step", s.step)] if s.step is not None else [])
        n: Nat = None
        for _, x in parts:
            n = join(n, self.natural(x)) if n is not None else self.natural(x)
        t = n.default if isinstance(n, Flex) else n
        new = {}
        for what, x in parts:
            x2, tx = self.expr(x, t)
            new[what] = x2
            if tx is not None and t is not None and tx is not t:
                self.error("V227", f"expected {t}, but got {tx} for the {what} of the for range",
                           f"the start, end and step of a for loop must have the same type; convert, e.g. {t}(...)", x)
        if t is not None and not t.is_int:
            self.error("V227", f"a for range must be of an integer type, but got {t}",
                       "use a while loop for float counters, or count with integers", s)
        self.scopes.append({})
        try:
            self.bind(s.var, Binding(t, Kind.LOOP, s.span), s)
            body = tuple(self.stmt(x) for x in s.body)
        finally:
            self.scopes.pop()
        return replace(s, start=new["start"], end=new["end"], step=new.get("step"), body=body)

    def run(self) -> Kernel:
        """Type the whole kernel body; returns the rewritten kernel."""
        body = self.block(self.kernel.body)
        return replace(self.kernel, body=body)


def expr_type_in(kernel: Kernel, env: Mapping[str, ScalarType], e: Expr) -> ScalarType | None:
    """The type of ``e`` given the types of the names in ``env``; flexible parts take defaults."""
    typer = Typer(kernel)
    typer.scopes.append({k: Binding(v, Kind.LET) for k, v in env.items()})
    n = typer.natural(e)
    return n.default if isinstance(n, Flex) else n
