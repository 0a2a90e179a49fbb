"""The canonical printer: exact text for each construct, parentheses and literals."""

from __future__ import annotations

import pytest

from vyre.errors import ValidationError
from vyre.ir.nodes import (
    Atomic,
    Binary,
    Buffer,
    Call,
    Eval,
    Fence,
    If,
    Kernel,
    Let,
    Lit,
    Load,
    Module,
    Param,
    Ref,
    Return,
    Shared,
    Store,
    Unary,
    VarDecl,
)
from vyre.ir.ops import (
    Access,
    AtomicOp,
    BinOp,
    Builtin,
    MemOrder,
    Placement,
    ScalarType,
    Scope,
    UnOp,
)
from vyre.ir.parse import parse
from vyre.ir.printer import expr_to_text, stmt_to_text, to_text

a, b, c = Ref("a"), Ref("b"), Ref("c")


def _b(op: str, lhs, rhs) -> Binary:
    return Binary(BinOp(op), lhs, rhs)


def test_module_layout():
    k = Kernel("k", (8, 4), (
        Param("n", ScalarType.U32),
        Buffer("x", ScalarType.F32, None, Access.READ),
        Buffer("r", ScalarType.U32, 64, Access.READ_WRITE, Placement.HOST),
        Shared("t", ScalarType.F32, 32),
    ), (
        Let("i", None, Lit(0)),
        If(a, (Return(),), (If(b, (), (Store("x", Lit(0), Lit(1.0), BinOp.ADD),)),)),
    ))
    assert to_text(Module((k, Kernel("e", (1,), (), ())))) == (
        "vir0\n"
        "\n"
        "kernel k workgroup(8, 4) {\n"
        "  param n: u32\n"
        "  buffer x: f32[] read\n"
        "  buffer r: u32[64] read_write host\n"
        "  shared t: f32[32]\n"
        "  let i = 0\n"
        "  if a {\n"
        "    return\n"
        "  } else if b {\n"
        "  } else {\n"
        "    x[0] += 1.0\n"
        "  }\n"
        "}\n"
        "\n"
        "kernel e workgroup(1) {\n"
        "}\n"
    )


def test_a_kernel_prints_as_a_one_kernel_file():
    k = Kernel("k", (1,), (), ())
    assert to_text(k) == "vir0\n\nkernel k workgroup(1) {\n}\n"
    assert parse(to_text(k)).kernels[0] == k


@pytest.mark.parametrize("tree,text", [
    (_b("+", a, _b("*", b, c)), "a + b * c"),
    (_b("*", _b("+", a, b), c), "(a + b) * c"),
    (_b("-", a, _b("-", b, c)), "a - (b - c)"),
    (_b("-", _b("-", a, b), c), "a - b - c"),
    (_b("==", _b("==", a, b), c), "a == b == c"),
    (_b("&", a, _b("==", b, c)), "a & b == c"),
    (_b("==", _b("&", a, b), c), "(a & b) == c"),
    (_b("||", _b("&&", a, b), c), "a && b || c"),
    (_b("&&", a, _b("||", b, c)), "a && (b || c)"),
    (Unary(UnOp.NEG, _b("+", a, b)), "-(a + b)"),
    (_b("*", Unary(UnOp.NEG, a), b), "-a * b"),
    (Unary(UnOp.NOT, Unary(UnOp.NOT, a)), "!!a"),
    (Unary(UnOp.NEG, Unary(UnOp.NEG, a)), "--a"),
])
def test_minimal_parentheses(tree, text):
    assert expr_to_text(tree) == text


@pytest.mark.parametrize("lit,text", [
    (Lit(1), "1"),
    (Lit(-1), "-1"),
    (Lit(2**64 - 1, ScalarType.U64), "18446744073709551615u64"),
    (Lit(-(2**31), ScalarType.I32), "-2147483648i32"),
    (Lit(1.0), "1.0"),
    (Lit(0.1), "0.1"),
    (Lit(-0.0), "-0.0"),
    (Lit(1e-300, ScalarType.F64), "1e-300f64"),
    (Lit(1e16), "1e+16"),
    (Lit(2.0, ScalarType.F32), "2.0f32"),
    (Lit(float("inf")), "1e999"),
    (Lit(float("-inf"), ScalarType.F32), "-1e999f32"),
    (Lit(True, ScalarType.BOOL), "true"),
    (Lit(False, ScalarType.BOOL), "false"),
])
def test_literals(lit, text):
    assert expr_to_text(lit) == text
    assert parse(f"vir0\nkernel k workgroup(1) {{\n  let v = {text}\n}}\n").kernels[0].body[0].value == lit


def test_negative_literals_and_negation_stay_apart():
    assert expr_to_text(Unary(UnOp.NEG, Lit(1))) == "-(1)"
    assert expr_to_text(Unary(UnOp.NEG, Lit(0.0))) == "-(0.0)"
    assert expr_to_text(Unary(UnOp.NEG, Lit(-1))) == "--1"
    assert expr_to_text(_b("-", a, Lit(-1))) == "a - -1"
    assert expr_to_text(_b("*", Lit(-2), a)) == "-2 * a"
    assert expr_to_text(Unary(UnOp.BITNOT, Lit(-1))) == "~-1"


def test_nan_has_no_spelling():
    with pytest.raises(ValidationError) as info:
        expr_to_text(Lit(float("nan")))
    assert info.value.code == "V230"


def test_atomics_leave_out_relaxed():
    relaxed = Atomic(AtomicOp.ADD, "h", a, (Lit(1),))
    assert expr_to_text(relaxed) == "atomic_add(h[a], 1)"
    cas = Atomic(AtomicOp.COMPARE_EXCHANGE, "h", a, (b, c), MemOrder.SEQ_CST)
    assert expr_to_text(cas) == "atomic_compare_exchange(h[a], b, c, seq_cst)"
    assert expr_to_text(Atomic(AtomicOp.LOAD, "h", a, (), MemOrder.ACQUIRE)) == "atomic_load(h[a], acquire)"


@pytest.mark.parametrize("fence,text", [
    (Fence(), "fence()"),
    (Fence(MemOrder.ACQ_REL), "fence(acq_rel)"),
    (Fence(MemOrder.SEQ_CST, Scope.WORKGROUP), "fence(seq_cst, workgroup)"),
    (Fence(MemOrder.RELAXED, Scope.SYSTEM), "fence(relaxed, system)"),
])
def test_fences_leave_out_defaults(fence, text):
    assert stmt_to_text(fence) == text


def test_statements():
    assert stmt_to_text(VarDecl("v", ScalarType.F32, Lit(0.0))) == "var v: f32 = 0.0"
    assert stmt_to_text(Eval(Atomic(AtomicOp.MAX, "h", Lit(0), (a,)))) == "atomic_max(h[0], a)"
    assert stmt_to_text(Store("o", Load("i", a), Call(Builtin.FMA, (a, b, c)))) == "o[i[a]] = fma(a, b, c)"


def test_non_nodes_are_rejected():
    with pytest.raises(TypeError):
        to_text("vir0")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        expr_to_text(Return())
