"""Type inference: contextual literal typing, rounding, annotations and expr_type."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from vyre.ir.infer import expr_type, resolve
from vyre.ir.nodes import (
    Assign,
    Atomic,
    Binary,
    Bitcast,
    Buffer,
    Call,
    Cast,
    Eval,
    For,
    If,
    Kernel,
    Len,
    Let,
    Lit,
    Load,
    Param,
    Ref,
    Shared,
    Store,
    ThreadId,
    Unary,
    VarDecl,
    While,
)
from vyre.ir.ops import Access, AtomicOp, BinOp, Builtin, IdKind, ScalarType, UnOp
from vyre.source import Span
from vyre.testing.programs import kernels as generated_kernels

T = ScalarType
GID = ThreadId(IdKind.GID, 0)


def kernel(*body, decls=()) -> Kernel:
    base = (
        Param("a", T.F32),
        Param("n", T.I64),
        Buffer("x", T.F32, None, Access.READ),
        Buffer("y", T.F64, None, Access.READ_WRITE),
        Buffer("h", T.U32, 16, Access.READ_WRITE),
        Shared("s", T.I32, 64),
    )
    return Kernel("k", (64,), base + tuple(decls), tuple(body))


def first_value(k: Kernel):
    return resolve(k).body[0].value


def lits(node) -> list[Lit]:
    """Every Lit inside ``node``, depth first."""
    out = []
    if isinstance(node, Lit):
        return [node]
    if isinstance(node, tuple):
        for x in node:
            out += lits(x)
        return out
    for f in getattr(node, "__dataclass_fields__", {}):
        if f != "span":
            out += lits(getattr(node, f))
    return out


@pytest.mark.parametrize(
    ("expr", "want"),
    [
        (Lit(1), Lit(1, T.U32)),
        (Lit(1.5), Lit(1.5, T.F32)),
        (Lit(True, T.BOOL), Lit(True, T.BOOL)),
        (Lit(7, T.I64), Lit(7, T.I64)),
    ],
)
def test_literal_defaults(expr, want):
    assert first_value(kernel(Let("v", None, expr))) == want


def test_literal_takes_type_of_other_operand():
    v = first_value(kernel(Let("v", None, Binary(BinOp.ADD, Ref("n"), Lit(3)))))
    assert v == Binary(BinOp.ADD, Ref("n"), Lit(3, T.I64))
    v = first_value(kernel(Let("v", None, Binary(BinOp.MUL, Lit(2), Ref("a")))))
    assert v.lhs == Lit(2.0, T.F32) and isinstance(v.lhs.value, float)


def test_literal_takes_declared_type_and_becomes_float():
    k = resolve(kernel(Let("v", T.F64, Lit(3)), VarDecl("w", T.I64, Unary(UnOp.NEG, Lit(4)))))
    assert k.body[0].value == Lit(3.0, T.F64)
    assert k.body[1].value == Unary(UnOp.NEG, Lit(4, T.I64))


def test_literal_takes_store_element_type_and_index_is_u32():
    k = resolve(kernel(Store("y", Lit(0), Lit(1))))
    assert k.body[0].index == Lit(0, T.U32)
    assert k.body[0].value == Lit(1.0, T.F64)


def test_nested_flexible_expression_takes_context():
    # 1 + 2 * 3 stored into an f64 buffer: all three literals become f64.
    e = Binary(BinOp.ADD, Lit(1), Binary(BinOp.MUL, Lit(2), Lit(3)))
    k = resolve(kernel(Store("y", GID, e)))
    assert [(lit.value, lit.type) for lit in lits(k.body[0].value)] == [(1.0, T.F64), (2.0, T.F64), (3.0, T.F64)]


def test_mixed_spelling_flexible_defaults_to_f32():
    v = first_value(kernel(Let("v", None, Binary(BinOp.ADD, Lit(1), Lit(0.5)))))
    assert v == Binary(BinOp.ADD, Lit(1.0, T.F32), Lit(0.5, T.F32))


def test_comparison_operands_unify_but_result_is_bool():
    k = kernel(Let("v", None, Binary(BinOp.LT, Lit(1), Ref("n"))))
    r = resolve(k)
    assert r.body[0].type is T.BOOL
    assert r.body[0].value.lhs == Lit(1, T.I64)
    # with no typed operand, the default applies even when the context wants bool
    r = resolve(kernel(If(Binary(BinOp.EQ, Lit(1), Lit(2)), ())))
    assert r.body[0].cond.lhs == Lit(1, T.U32)


def test_for_range_bounds_share_a_type():
    k = resolve(kernel(For("i", Lit(0), Ref("n"), Lit(2), (Let("j", None, Ref("i")),))))
    f = k.body[0]
    assert f.start == Lit(0, T.I64) and f.step == Lit(2, T.I64)
    assert f.body[0].type is T.I64
    f = resolve(kernel(For("i", Lit(0), Lit(10), None, ()))).body[0]
    assert f.start == Lit(0, T.U32) and f.end == Lit(10, T.U32) and f.step is None


def test_builtin_parameter_position_is_context():
    k = resolve(kernel(
        Let("m", None, Call(Builtin.MAX, (Ref("a"), Lit(0)))),
        Let("r", None, Call(Builtin.SQRT, (Lit(2),))),
        Let("q", T.F64, Call(Builtin.SQRT, (Lit(2),))),
        Let("s", None, Call(Builtin.SELECT, (Binary(BinOp.GT, Ref("n"), Lit(0)), Lit(1), Ref("n")))),
        Let("p", None, Call(Builtin.IS_NAN, (Lit(1),))),
    ))
    assert k.body[0].value.args[1] == Lit(0.0, T.F32)
    assert k.body[1].value.args[0] == Lit(2.0, T.F32) and k.body[1].type is T.F32
    assert k.body[2].value.args[0] == Lit(2.0, T.F64)
    assert k.body[3].value.args[1] == Lit(1, T.I64) and k.body[3].type is T.I64
    assert k.body[4].type is T.BOOL and k.body[4].value.args[0] == Lit(1.0, T.F32)


def test_atomic_arguments_take_element_type():
    k = resolve(kernel(
        Eval(Atomic(AtomicOp.ADD, "h", Lit(3), (Lit(1),))),
        Let("old", None, Atomic(AtomicOp.COMPARE_EXCHANGE, "s", GID, (Lit(0), Lit(-1)))),
    ))
    assert k.body[0].expr.args == (Lit(1, T.U32),)
    assert k.body[0].expr.index == Lit(3, T.U32)
    assert k.body[1].value.args == (Lit(0, T.I32), Lit(-1, T.I32))
    assert k.body[1].type is T.I32


def test_cast_and_bitcast_operands():
    k = resolve(kernel(
        Let("a1", None, Cast(T.F64, Lit(0.1))),
        Let("a2", None, Cast(T.I64, Lit(-1))),
        Let("a3", None, Cast(T.U32, Lit(1.5))),
        Let("b1", None, Bitcast(T.F64, Lit(0x3FF0000000000000))),
        Let("b2", None, Bitcast(T.U32, Lit(1.0))),
    ))
    assert k.body[0].value.operand == Lit(0.1, T.F64)  # exact f64, not an f32 0.1 widened
    assert k.body[1].value.operand == Lit(-1, T.I64)
    assert k.body[2].value.operand == Lit(1.5, T.F32)
    assert k.body[3].value.operand == Lit(0x3FF0000000000000, T.U64)
    assert k.body[4].value.operand == Lit(1.0, T.F32)


def test_cast_operand_keeps_default_type_when_the_cast_type_cannot_hold_it_exactly():
    k = resolve(kernel(
        Let("a", None, Cast(T.F32, Lit(16777217))),  # rounds at run time, like f32(16777217u32)
        Let("b", None, Cast(T.I32, Lit(3000000000))),  # wraps, like i32(3000000000u32)
        Let("c", None, Cast(T.F32, Binary(BinOp.ADD, Lit(16777217), Lit(1)))),
        Let("d", None, Cast(T.F32, Binary(BinOp.ADD, Lit(3), Lit(1)))),
    ))
    assert k.body[0].value.operand == Lit(16777217, T.U32)
    assert k.body[1].value.operand == Lit(3000000000, T.U32)
    assert k.body[2].value.operand.lhs == Lit(16777217, T.U32)
    assert k.body[3].value.operand == Binary(BinOp.ADD, Lit(3.0, T.F32), Lit(1.0, T.F32))


def test_f32_literals_are_rounded_and_f64_kept():
    k = resolve(kernel(Let("v", None, Lit(0.1)), Let("w", T.F64, Lit(0.1)), Let("u", None, Lit(0.1, T.F32))))
    assert k.body[0].value.value == float(np.float32(0.1)) != 0.1
    assert k.body[1].value.value == 0.1
    assert k.body[2].value.value == float(np.float32(0.1))


def test_assign_value_takes_var_type():
    k = resolve(kernel(VarDecl("acc", None, Lit(0.0, T.F64)), Assign("acc", Lit(1), BinOp.ADD),
                       While(Binary(BinOp.LT, Ref("acc"), Lit(10)), (Assign("acc", Lit(2)),))))
    assert k.body[0].type is T.F64
    assert k.body[1].value == Lit(1.0, T.F64)
    assert k.body[2].cond.rhs == Lit(10.0, T.F64)
    assert k.body[2].body[0].value == Lit(2.0, T.F64)


def test_every_lit_typed_and_resolve_is_idempotent():
    k = kernel(
        Let("i", None, GID),
        If(Binary(BinOp.LT, Ref("i"), Len("y")),
           (Store("y", Ref("i"), Binary(BinOp.ADD, Cast(T.F64, Load("x", Ref("i"))), Lit(1))),),
           (VarDecl("c", None, Lit(0)), Assign("c", Lit(5), BinOp.SHL))),
    )
    r = resolve(k)
    assert all(lit.type is not None for lit in lits(r))
    assert resolve(r) == r
    assert r != k  # the literals changed


def test_spans_are_kept():
    sp = Span("f.vir", 3, 5, 3, 6)
    k = kernel(Let("v", None, Lit(1, span=sp), span=Span("f.vir", 3, 1, 3, 10)))
    r = resolve(k)
    assert r.body[0].value.span == sp
    assert r.body[0].span == Span("f.vir", 3, 1, 3, 10)


def test_resolve_never_raises_on_invalid_kernel():
    k = kernel(Let("v", T.U32, Lit(1.5)), Assign("nope", Ref("missing")), Store("zz", Lit(0), Lit(1)))
    resolve(k)


def test_expr_type():
    k = resolve(kernel())
    env = {"i": T.U32, "v": T.F64}
    assert expr_type(Ref("v"), env, k) is T.F64
    assert expr_type(Ref("a"), env, k) is T.F32  # params come from the kernel
    assert expr_type(Load("s", Ref("i")), env, k) is T.I32
    assert expr_type(Binary(BinOp.LE, Ref("i"), Len("x")), env, k) is T.BOOL
    assert expr_type(Binary(BinOp.SHR, Ref("n"), Lit(1, T.I64)), env, k) is T.I64
    assert expr_type(Call(Builtin.IS_FINITE, (Ref("v"),)), env, k) is T.BOOL
    assert expr_type(Bitcast(T.U64, Ref("v")), env, k) is T.U64
    assert expr_type(Atomic(AtomicOp.LOAD, "h", Lit(0, T.U32)), env, k) is T.U32
    assert expr_type(Unary(UnOp.NOT, Lit(True, T.BOOL)), env, k) is T.BOOL
    assert expr_type(ThreadId(IdKind.NWG, 2), env, k) is T.U32
    with pytest.raises(KeyError):
        expr_type(Ref("nope"), env, k)


# --- properties on generated programs --------------------------------------------------------
def _bindings(body):
    from vyre.ir.nodes import BLOCK_FIELDS

    for s in body:
        if isinstance(s, Let | VarDecl):
            yield s
        for f in BLOCK_FIELDS.get(type(s), ()):
            yield from _bindings(getattr(s, f))


@settings(max_examples=40)
@given(generated_kernels())
def test_resolve_on_generated_programs(k):
    from vyre.ir.nodes import Module
    from vyre.ir.validate import check

    r = resolve(k)
    assert all(lit.type is not None for lit in lits(r))
    assert all(b.type is not None for b in _bindings(r.body))
    assert resolve(r) == r
    assert check(Module((r,))) == []
    for lit in lits(r):
        if lit.type is not None and lit.type.is_float:
            assert isinstance(lit.value, float)
            if lit.type is T.F32:
                assert float(np.float32(lit.value)) == lit.value or lit.value != lit.value
        elif lit.type is not None and lit.type.is_int:
            assert type(lit.value) is int and lit.type.min <= lit.value <= lit.type.max
