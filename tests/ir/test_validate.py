"""The validator on IR built from nodes: every code, all problems at once, no false alarms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings

from tests.ir.strategies import modules as any_modules
from vyre.errors import ValidationError, VyreError
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
    UnOp,
)
from vyre.ir.validate import CODES, check, validate
from vyre.source import Span
from vyre.testing.programs import kernels as generated_kernels

T = ScalarType
GID = ThreadId(IdKind.GID, 0)
LID = ThreadId(IdKind.LID, 0)
WID = ThreadId(IdKind.WID, 0)
DECLS = (
    Param("a", T.F32),
    Param("n", T.U32),
    Param("m", T.I64),
    Buffer("x", T.F32, None, Access.READ),
    Buffer("y", T.F32, None, Access.READ_WRITE),
    Buffer("o", T.U32, None, Access.WRITE),
    Buffer("h", T.U32, 16, Access.READ_WRITE),
    Buffer("flag", T.U32, 1, Access.READ_WRITE, Placement.HOST),
    Shared("s", T.F32, 64),
)


def K(*body, decls=DECLS, wg=(64,), name="k") -> Kernel:  # noqa: N802 - reads like a constructor
    return Kernel(name, wg, decls, tuple(body))


def codes(*body, **kw) -> list[str]:
    return [d.code for d in check(Module((K(*body, **kw),)))]


def add(a, b):
    return Binary(BinOp.ADD, a, b)


def lt(a, b):
    return Binary(BinOp.LT, a, b)


# --- valid programs ---------------------------------------------------------------------
def test_saxpy_is_valid():
    i = Ref("i")
    k = K(
        Let("i", None, GID),
        If(lt(i, Len("y")), (Store("y", i, add(Binary(BinOp.MUL, Ref("a"), Load("x", i)), Load("y", i))),)),
    )
    validate(Module((k,)))


def test_reduction_with_uniform_barriers_is_valid():
    body = (
        Let("t", None, LID),
        Store("s", Ref("t"), Load("x", GID)),
        Barrier(),
        VarDecl("stride", None, Lit(32)),
        While(Binary(BinOp.GT, Ref("stride"), Lit(0)), (
            If(lt(Ref("t"), Ref("stride")), (
                Store("s", Ref("t"), add(Load("s", Ref("t")), Load("s", add(Ref("t"), Ref("stride"))))),
            )),
            Barrier(),
            Assign("stride", Lit(1), BinOp.SHR),
        )),
        For("k", Lit(0), Ref("n"), None, (Barrier(),)),
        If(Binary(BinOp.EQ, WID, Lit(0)), (Barrier(),)),
        If(Binary(BinOp.EQ, Ref("t"), Lit(0)), (Eval(Atomic(AtomicOp.ADD, "y", Lit(0), (Load("s", Lit(0)),))),)),
        Fence(MemOrder.ACQ_REL),
    )
    assert codes(*body) == []


def test_every_scalar_op_and_builtin_typed_correctly_is_valid():
    f, u = Ref("a"), Ref("n")
    body = [
        Let("b1", None, Call(Builtin.FMA, (f, f, Lit(1)))),
        Let("b2", None, Call(Builtin.CLAMP, (u, Lit(0), Lit(9)))),
        Let("b3", None, Call(Builtin.SELECT, (lt(f, Lit(0)), Lit(1), u))),
        Let("b4", None, Call(Builtin.POPCOUNT, (u,))),
        Let("b5", None, Call(Builtin.IS_NAN, (f,))),
        Let("b6", None, Binary(BinOp.SHL, Ref("m"), Lit(3))),
        Let("b7", None, Bitcast(T.U32, f)),
        Let("b8", None, Cast(T.F64, u)),
        Let("b9", None, Binary(BinOp.LAND, Ref("b5"), Unary(UnOp.NOT, Ref("b5")))),
        Let("c1", None, Binary(BinOp.XOR, Ref("b5"), Lit(True, T.BOOL))),
        Let("c2", T.I64, Unary(UnOp.NEG, Lit(-(2**63) + 1))),
        Let("c3", None, Lit(-(2**31), T.I32)),
        Let("c4", T.F32, Lit(16777216)),
        Let("c5", None, Atomic(AtomicOp.COMPARE_EXCHANGE, "h", Lit(15), (Lit(0), Lit(1)), MemOrder.ACQ_REL)),
        Let("c6", None, Atomic(AtomicOp.LOAD, "x", GID)),
        Eval(Atomic(AtomicOp.ADD, "s", Lit(63), (Lit(1.5),))),
        VarDecl("v", T.U64, Lit(0)),
        Assign("v", Lit(2**64 - 1), BinOp.XOR),
        Store("y", Ref("m"), Lit(2), BinOp.MUL),
    ]
    assert codes(*body) == []


# --- declarations ---------------------------------------------------------------------------
def test_module_level_problems():
    k1 = K(name="k")
    k2 = K(name="k")
    assert [d.code for d in check(Module((k1, k2)))] == ["V201"]
    assert [d.code for d in check(Module(()))] == ["V207"]


@pytest.mark.parametrize(
    ("wg", "n"),
    [((), 1), ((1, 1, 1, 1), 1), ((0,), 1), ((2048,), 1), ((1, 1, 65), 1), ((64, 64), 1), ((0, 2048), 2)],
)
def test_workgroup_limits(wg, n):
    assert codes(wg=wg) == ["V203"] * n


def test_workgroup_limits_accept_maxima():
    for wg in [(1024,), (1, 1024), (16, 1, 64), (8, 8, 16)]:
        assert codes(wg=wg) == []


def test_declaration_problems_all_reported():
    decls = (
        Param("p", T.U32),
        Buffer("p", T.F32, None, Access.READ),
        Buffer("bb", T.BOOL, None, Access.READ),
        Buffer("z", T.U32, 0, Access.READ),
        Buffer("big", T.U32, 2**32, Access.READ),
        Shared("sh", T.F64, 6145),
        Param("read", T.U32),
        Param("2x", T.U32),
    )
    assert sorted(codes(decls=decls)) == ["V202", "V204", "V205", "V205", "V206", "V208", "V208"]


def test_shared_memory_limit_is_exact():
    assert codes(decls=(Shared("s1", T.F32, 8192), Shared("s2", T.U64, 2048))) == []
    assert codes(decls=(Shared("s1", T.F32, 8192), Shared("s2", T.U64, 2049))) == ["V204"]


# --- names and scoping ----------------------------------------------------------------------
def test_unknown_names():
    assert codes(Let("v", None, Ref("nope"))) == ["V210"]
    assert codes(Assign("nope", Lit(1))) == ["V210"]
    assert codes(Store("nope", Lit(0), Lit(1))) == ["V211"]
    assert codes(Let("v", None, Len("n"))) == ["V211"]
    assert codes(Let("v", None, Ref("y"))) == ["V214"]


def test_shadowing_and_block_scoping():
    assert codes(Let("a", None, Lit(1))) == ["V212"]  # a param
    assert codes(Let("y", None, Lit(1))) == ["V212"]  # a buffer
    assert codes(Let("v", None, Lit(1)), If(Lit(True, T.BOOL), (VarDecl("v", None, Lit(2)),))) == ["V212"]
    assert codes(For("i", Lit(0), Lit(4), None, (For("i", Lit(0), Lit(4), None, ()),))) == ["V212"]
    # sibling blocks may reuse a name, and a block's names end with it
    ok = (
        If(Lit(True, T.BOOL), (Let("t", None, Lit(1)),), (Let("t", None, Lit(2.0)),)),
        Let("t", None, Lit(3)),
    )
    assert codes(*ok) == []
    assert codes(If(Lit(True, T.BOOL), (Let("t", None, Lit(1)),)), Let("u", None, Ref("t"))) == ["V210"]


def test_only_vars_can_be_assigned():
    assert codes(Let("v", None, Lit(1)), Assign("v", Lit(2))) == ["V213"]
    assert codes(Assign("n", Lit(2))) == ["V213"]
    assert codes(For("i", Lit(0), Lit(4), None, (Assign("i", Lit(2)),))) == ["V213"]
    assert codes(Assign("y", Lit(2))) == ["V213"]


# --- types ------------------------------------------------------------------------------------
def test_binary_operand_mismatch_message():
    d = check(Module((K(Let("v", None, add(Ref("n"), Ref("a")))),)))
    assert [x.code for x in d] == ["V220"]
    assert d[0].message == "expected u32, but got f32 for operand 2 of '+'"
    assert "u32(" in d[0].fix


@pytest.mark.parametrize(
    ("expr", "code"),
    [
        (Binary(BinOp.LT, Lit(True, T.BOOL), Lit(False, T.BOOL)), "V221"),
        (Binary(BinOp.SHL, Ref("a"), Lit(1)), "V221"),
        (Binary(BinOp.AND, Ref("a"), Ref("a")), "V221"),
        (Binary(BinOp.ADD, Lit(True, T.BOOL), Lit(True, T.BOOL)), "V221"),
        (Binary(BinOp.LAND, Ref("n"), Lit(True, T.BOOL)), "V220"),
        (Unary(UnOp.NOT, Ref("n")), "V220"),
        (Unary(UnOp.BITNOT, Ref("a")), "V221"),
        (Unary(UnOp.NEG, Lit(True, T.BOOL)), "V221"),
        (Call(Builtin.SQRT, (Ref("n"),)), "V222"),
        (Call(Builtin.POPCOUNT, (Ref("a"),)), "V222"),
        (Call(Builtin.MIN, (Ref("a"),)), "V222"),
        (Call(Builtin.MIN, (Ref("a"), Ref("n"))), "V222"),
        (Call(Builtin.SELECT, (Ref("n"), Ref("a"), Ref("a"))), "V222"),
        (Call(Builtin.ABS, (Lit(True, T.BOOL),)), "V222"),
        (Bitcast(T.U64, Ref("a")), "V223"),
        (Bitcast(T.BOOL, Ref("n")), "V223"),
        (Load("y", Ref("a")), "V226"),
        (Load("y", Lit(1.0)), "V226"),
        (Atomic(AtomicOp.ADD, "h", Lit(0), (Ref("a"),)), "V228"),
        (Atomic(AtomicOp.ADD, "h", Lit(0), ()), "V228"),
        (Atomic(AtomicOp.AND, "y", Lit(0), (Lit(1.0),)), "V229"),
        (Atomic(AtomicOp.LOAD, "h", Lit(0), (), MemOrder.RELEASE), "V245"),
        (Lit(2**32), "V230"),
        (Lit(-1, T.U32), "V230"),
        (Lit(1e39), "V230"),
        (Lit(3.5e38, T.F32), "V230"),
        (Lit(1.5, T.I32), "V231"),
        (Lit(1, T.BOOL), "V231"),
    ],
)
def test_expression_errors(expr, code):
    assert codes(Let("v", None, expr)) == [code]


def test_literal_context_errors():
    assert codes(Let("v", T.U32, Lit(1.5))) == ["V231"]
    assert codes(Let("v", T.BOOL, Lit(1))) == ["V225"]
    assert codes(Let("v", T.F32, Lit(16777217))) == ["V230"]  # not exact in f32
    assert codes(Let("v", T.F64, Lit(16777217))) == []
    assert codes(Let("v", T.I32, Lit(-(2**31)))) == []
    assert codes(Let("v", T.I32, Lit(2**31))) == ["V230"]
    assert codes(Let("v", None, Cast(T.I64, Lit(-1)))) == []  # the cast gives the literal its type
    assert codes(Let("v", None, Cast(T.F32, Lit(16777217)))) == []  # ...or it converts a u32
    assert codes(Let("v", None, Cast(T.U32, Lit(-1)))) == ["V230"]
    assert codes(Let("v", None, Cast(T.F32, Lit(1e39)))) == ["V230"]
    assert codes(Let("v", None, Lit(-1))) == ["V230"]  # defaults to u32
    assert codes(Let("v", None, add(Ref("m"), Lit(2**63)))) == ["V230"]
    assert codes(Let("v", None, add(Ref("n"), Lit(0.5)))) == ["V231"]


def test_statement_type_errors():
    assert codes(If(Ref("n"), ())) == ["V224"]
    assert codes(While(Ref("a"), ())) == ["V224"]
    assert codes(Store("y", Lit(0), Ref("n"))) == ["V225"]
    assert codes(VarDecl("v", T.I32, Ref("n"))) == ["V225"]
    assert codes(VarDecl("v", None, Ref("n")), Assign("v", Ref("a"))) == ["V225"]
    assert codes(VarDecl("v", None, Ref("a")), Assign("v", Lit(1), BinOp.SHL)) == ["V221"]
    assert codes(Store("y", Lit(0), Lit(1), BinOp.XOR)) == ["V221"]
    assert codes(For("i", Lit(0), Ref("m"), Ref("n"), ())) == ["V227"]
    assert codes(For("i", Lit(0.0), Lit(1.0), None, ())) == ["V227"]


# --- memory and atomics --------------------------------------------------------------------------
def test_access_modes():
    assert codes(Store("x", Lit(0), Lit(1))) == ["V240"]
    assert codes(Let("v", None, Load("o", Lit(0)))) == ["V241"]
    assert codes(Store("o", Lit(0), Lit(1), BinOp.ADD)) == ["V241"]
    assert codes(Eval(Atomic(AtomicOp.ADD, "x", Lit(0), (Lit(1),)))) == ["V240"]
    assert codes(Eval(Atomic(AtomicOp.OR, "o", Lit(0), (Lit(1),)))) == ["V241"]
    assert codes(Let("v", None, Atomic(AtomicOp.LOAD, "x", Lit(0)))) == []
    assert codes(Store("o", Lit(0), Lit(1))) == []


def test_constant_index_bounds():
    assert codes(Store("h", Lit(16), Lit(1))) == ["V242"]
    assert codes(Store("h", Lit(-1, T.I32), Lit(1))) == ["V242"]
    assert codes(Let("v", None, Load("s", Lit(64)))) == ["V242"]
    assert codes(Let("c", None, Lit(99)), Let("v", None, Load("h", Ref("c")))) == ["V242"]
    assert codes(Eval(Atomic(AtomicOp.ADD, "flag", Lit(1), (Lit(1),)))) == ["V242"]
    assert codes(Store("y", Lit(1000000), Lit(1))) == []  # runtime-sized: not checked
    assert codes(Store("h", Lit(15), Lit(1)), VarDecl("c", None, Lit(99)), Store("h", Ref("c"), Lit(1))) == []


def test_atomic_placement_and_eval():
    at = Atomic(AtomicOp.ADD, "h", Lit(0), (Lit(1),))
    assert codes(Let("v", None, add(at, Lit(1)))) == ["V243"]
    assert codes(Store("h", Lit(1), at)) == ["V243"]
    assert codes(VarDecl("v", None, Lit(0)), Assign("v", at)) == ["V243"]
    assert codes(If(lt(at, Lit(3)), ())) == ["V243"]
    assert codes(Eval(Load("y", Lit(0)))) == ["V244"]
    assert codes(Fence(MemOrder.RELAXED)) == ["V245"]


# --- control flow -----------------------------------------------------------------------------------
def test_break_continue_outside_loop_and_unreachable():
    assert codes(Break()) == ["V252"]
    assert codes(If(Lit(True, T.BOOL), (Continue(),))) == ["V252"]
    assert codes(Loop((Break(),)), For("i", Lit(0), Lit(2), None, (Continue(),))) == []
    assert codes(Return(), Let("v", None, Lit(1)), Let("w", None, Lit(1))) == ["V253"]
    assert codes(Loop((Break(), Store("y", Lit(0), Lit(1))))) == ["V253"]
    # the dead statement is still checked
    assert sorted(codes(Return(), Let("v", None, Ref("nope")))) == ["V210", "V253"]


@pytest.mark.parametrize(
    "body",
    [
        (If(lt(GID, Lit(4)), (Barrier(),)),),
        (If(lt(Load("y", WID), Lit(4)), (Barrier(),)),),
        (Let("t", None, Binary(BinOp.MUL, LID, Lit(2))), If(lt(Ref("t"), Lit(4)), (), (Barrier(),))),
        (Let("o2", None, Atomic(AtomicOp.ADD, "h", Lit(0), (Lit(1),))), While(lt(Ref("o2"), Lit(4)), (Barrier(),))),
        (For("i", Lit(0), GID, None, (Barrier(),)),),
        (For("i", Lit(0), Ref("n"), None, (If(lt(Ref("i"), LID), (Barrier(),)),)),),
        # a var assigned under divergent control becomes divergent
        (VarDecl("c", None, Lit(0)), If(lt(GID, Lit(3)), (Assign("c", Lit(1)),)), If(lt(Ref("c"), Lit(1)), (Barrier(),))),
        # ...also when the assignment comes later in a loop body than the use
        (VarDecl("c", None, Lit(0)), Loop((
            If(lt(Ref("c"), Lit(9)), (Barrier(),)),
            Assign("c", LID),
            If(lt(Ref("n"), Lit(9)), (Break(),)),
        ))),
        # divergent exits
        (If(lt(GID, Lit(4)), (Return(),)), Barrier()),
        (Loop((If(lt(GID, Lit(4)), (Break(),)), Barrier())),),
        (Loop((Barrier(), If(lt(GID, Lit(4)), (Break(),)))),),
        (For("i", Lit(0), Lit(4), None, (Barrier(), If(lt(LID, Lit(2)), (Continue(),)))),),
        (Loop((Loop((If(lt(GID, Lit(4)), (Return(),)), Break())), Barrier())),),
        # a loop that some invocations leave early taints the vars it counts
        (VarDecl("c", None, Lit(0)), Loop((If(lt(GID, Ref("c")), (Break(),)), Assign("c", Lit(1), BinOp.ADD))),
         If(lt(Ref("c"), Lit(3)), (Barrier(),))),
    ],
)
def test_barrier_in_divergent_control_flow(body):
    assert codes(*body) == ["V250"]


@pytest.mark.parametrize(
    "body",
    [
        (If(lt(WID, Ref("n")), (Barrier(),)),),
        (If(lt(Len("y"), Lit(5)), (Barrier(),)),),
        (Let("t", None, ThreadId(IdKind.NWG, 1)), While(lt(Ref("t"), Lit(0)), (Barrier(),))),
        (If(lt(GID, Lit(4)), (Return(),)),),  # no barrier after the return
        (Loop((If(lt(GID, Lit(4)), (Break(),)),)), Barrier()),  # reconverged after the loop
        (Barrier(), If(lt(GID, Lit(4)), (Return(),))),
        (Loop((If(lt(Ref("n"), Lit(4)), (Break(),)), Barrier())),),
        # a var declared inside a divergent-free loop body is uniform when assigned there
        (For("i", Lit(0), Lit(4), None, (VarDecl("c", None, Ref("i")), Assign("c", Lit(1), BinOp.ADD),
                                          If(lt(Ref("c"), Lit(2)), (Barrier(),)))),),
        # the same name in a sibling block does not carry taint across
        (If(Lit(True, T.BOOL), (Let("t", None, GID),)), Let("t", None, WID), If(lt(Ref("t"), Lit(1)), (Barrier(),))),
    ],
)
def test_barrier_in_uniform_control_flow(body):
    assert codes(*body) == []


def test_barrier_message_names_the_cause():
    sp = Span("k.vir", 4, 3, 4, 12)
    k = K(If(lt(GID, Lit(4)), (Barrier(span=Span("k.vir", 5, 5, 5, 14)),), span=sp))
    (d,) = check(Module((k,)))
    assert d.message == (
        "barrier() must be reached by all invocations of a workgroup together, "
        "but it is inside an if whose condition depends on gid.x (line 4)"
    )
    assert d.span.line == 5


# --- reporting ----------------------------------------------------------------------------------------
def test_all_problems_reported_in_source_order():
    def at(line):
        return Span("f.vir", line, 3, line, 8)

    k = K(
        Store("x", Lit(0, span=at(2)), Lit(1, span=at(2)), span=at(2)),
        Let("v", None, Ref("nope", span=at(3)), span=at(3)),
        If(Ref("n", span=at(4)), (), span=at(4)),
        Break(span=at(5)),
    )
    with pytest.raises(ValidationError) as info:
        validate(Module((k,)))
    err = info.value
    assert [d.code for d in err.diagnostics] == ["V240", "V210", "V224", "V252"]
    assert [d.span.line for d in err.diagnostics] == [2, 3, 4, 5]
    text = err.render()
    assert text.count("error[") == 4 and text.count("Fix: ") == 4
    assert "f.vir:3:3: error[V210]: unknown name 'nope'" in text


def test_validate_quotes_the_source():
    src = "vir0\nkernel k workgroup(1) {\n  let v = nope\n}\n"
    k = Kernel("k", (1,), (), (Let("v", None, Ref("nope", span=Span("t.vir", 3, 11, 3, 15)), span=Span("t.vir", 3, 3, 3, 15)),))
    with pytest.raises(ValidationError) as info:
        validate(Module((k,)), source=src)
    assert info.value.render().splitlines() == [
        "t.vir:3:11: error[V210]: unknown name 'nope'",
        "    let v = nope",
        "            ^^^^",
        "  Fix: declare it first with `let nope = ...` or `param nope: u32`, or fix the spelling",
    ]


def test_every_code_reported_is_documented():
    # all codes the tests above produce appear in the table
    import inspect
    import re

    used = set(re.findall(r'"(V2\d\d)"', inspect.getsource(inspect.getmodule(test_validate_quotes_the_source))))
    assert used <= set(CODES)


def test_hand_built_nodes_rejected():
    assert codes(Let("v", None, ThreadId(IdKind.GID, 3))) == ["V299"]
    assert codes(Let("v a", None, Lit(1))) == ["V208"]


@pytest.mark.parametrize(
    "kernel",
    [
        K(Let("v", "u32", Lit(1))),
        K(Let("v", None, Lit("1"))),
        K(Let("v", None, Binary("+", Lit(1), Lit(2)))),
        K(Let("v", None, Call(Builtin.MIN, [Lit(1), Lit(2)]))),
        K(Store("y", 0, Lit(1.0))),
        K(Assign("v", Lit(1), BinOp.LAND)),
        K(If(Lit(True, T.BOOL), [Return()])),
        K(For("i", Lit(0), Lit(4), None, (Lit(3),))),
        K(Fence("seq_cst")),
        K(Let("v", None, ThreadId(IdKind.LID, True))),
        K(decls=(Param("n", "u32"),)),
        K(decls=(Buffer("b", T.U32, True, Access.READ),)),
        K(decls=(Buffer("b", T.U32, None, "read"),)),
        K(decls=[Param("n", T.U32)]),
        K(wg=[64]),
        K(wg=(64.0,)),
        K(Lit(1)),
        K(name=7),
    ],
)
def test_ill_shaped_hand_built_ir_is_reported_not_crashed(kernel):
    diags = check(Module((kernel,)))
    assert diags and {d.code for d in diags} == {"V299"}
    assert all(d.fix for d in diags)


def test_not_a_module():
    assert [d.code for d in check(Module([K()]))] == ["V299"]
    assert [d.code for d in check(Module((K(), "k2")))] == ["V299"]


def test_hand_built_deep_nesting_is_reported():
    e = Lit(1)
    for _ in range(5000):
        e = Unary(UnOp.NEG, e)
    assert "V299" in codes(Let("v", T.I32, e))


# --- docs/errors.md ---------------------------------------------------------------------------------
DOCS = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
_SECTION = re.compile(r"^### (V\d{3}): .*?(?=^### |^## |\Z)", re.S | re.M)
_EXAMPLE = re.compile(r"```(vir(?: file)?)\n(.*?)```\n\n> error\[(V\d{3})\]: (.*?)  \n> Fix: (.*?)\n", re.S)


def _doc_sections() -> dict[str, str]:
    return {m.group(1): m.group(0) for m in _SECTION.finditer(DOCS.read_text(encoding="utf-8"))}


def test_every_validation_code_is_documented():
    assert set(CODES) <= set(_doc_sections())


def test_every_code_raised_in_the_project_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    package = Path(__file__).resolve().parents[2] / "vyre"
    raised = set()
    for path in package.rglob("*.py"):
        raised |= set(re.findall(r"[\"'](V\d{3})[\"']", path.read_text(encoding="utf-8")))
    missing = sorted(c for c in raised if not c.endswith("00") and c not in text)
    assert missing == []


@pytest.mark.parametrize("code", [c for c, s in _doc_sections().items() if "```vir" in s])
def test_documented_example_produces_its_code(code):
    from vyre.ir.parse import parse

    m = _EXAMPLE.search(_doc_sections()[code])
    assert m is not None, f"the example of {code} is malformed"
    kind, body, shown_code, message, fix = m.groups()
    text = body if kind == "vir file" else "vir0\nkernel k workgroup(64) {\n" + body + "}\n"
    with pytest.raises(VyreError) as info:
        validate(parse(text, "example.vir"))
    assert shown_code == code
    assert info.value.code == code
    if code.startswith("V2"):  # the validator's own wording; other ranges may reword freely
        assert (info.value.message, info.value.fix) == (message, fix)


@settings(max_examples=150)
@given(any_modules())
def test_check_never_crashes_on_well_formed_but_ill_typed_programs(module):
    for d in check(module):
        assert d.code in CODES
        assert d.message and d.fix


@settings(max_examples=30)
@given(generated_kernels())
def test_mutations_of_valid_programs_are_caught(k):
    from dataclasses import replace as rep

    def codes_of(kernel):
        return {d.code for d in check(Module((kernel,)))}

    assert codes_of(k) == set()
    assert "V250" in codes_of(rep(k, body=(*k.body, If(lt(LID, Lit(1)), (Barrier(),)))))
    assert "V252" in codes_of(rep(k, body=(Break(), *k.body)))
    assert "V253" in codes_of(rep(k, body=(Return(), *k.body)))
    written = [d for d in k.decls if isinstance(d, Buffer) and d.access is not Access.READ]
    if written:
        decls = tuple(rep(d, access=Access.READ) if d is written[0] else d for d in k.decls)
        assert "V240" in codes_of(rep(k, decls=decls))
    clash = k.decls[0].name
    assert "V212" in codes_of(rep(k, body=(Let(clash, None, Lit(1)), *k.body)))


def test_narrow_spans():
    from vyre.ir.spans import clause_span, word_span
    from vyre.source import remember_source

    remember_source("spans.vir", "vir0\nkernel kk workgroup(8, 8) {\n  let kk2 = kk\n}\n")
    whole = Span("spans.vir", 2, 1, 4, 2)
    assert word_span(whole, "kk") == Span("spans.vir", 2, 8, 2, 10)
    assert clause_span(whole, "workgroup") == Span("spans.vir", 2, 11, 2, 26)
    let = Span("spans.vir", 3, 3, 3, 15)
    assert word_span(let, "kk") == Span("spans.vir", 3, 13, 3, 15)  # not the 'kk' inside 'kk2'
    assert word_span(let, "zz") == let
    assert word_span(Span("unknown.vir", 1, 1, 1, 5), "x") == Span("unknown.vir", 1, 1, 1, 5)
    assert word_span(None, "x") is None
