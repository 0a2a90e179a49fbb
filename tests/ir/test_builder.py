"""The Python builder makes the same IR as the parser."""

from __future__ import annotations

import pytest

from vyre.errors import VyreError
from vyre.ir.builder import KernelBuilder, bitcast, call, cast, lit, module
from vyre.ir.nodes import Assign, Lit, Store
from vyre.ir.ops import BinOp, ScalarType
from vyre.ir.parse import parse
from vyre.ir.printer import to_text


def kernel_of(text: str):
    return parse("vir0\n" + text).kernels[0]


def test_saxpy_equals_the_parsed_text():
    kb = KernelBuilder("saxpy", workgroup=256)
    a = kb.param("a", "f32")
    x = kb.buffer("x", "f32", access="read")
    y = kb.buffer("y", "f32", access="read_write")
    i = kb.let("i", kb.gid.x)
    with kb.if_(i < y.len()):
        y[i] = a * x[i] + y[i]
    assert kb.build() == kernel_of("""
kernel saxpy workgroup(256) {
  param a: f32
  buffer x: f32[] read
  buffer y: f32[] read_write
  let i = gid.x
  if i < len(y) {
    y[i] = a * x[i] + y[i]
  }
}
""")


def test_every_statement_kind():
    kb = KernelBuilder("all", workgroup=(8, 4, 2))
    n = kb.param("n", "u32")
    flag = kb.param("flag", ScalarType.BOOL)
    h = kb.buffer("h", "u32", access="read_write", size=64, host=True)
    o = kb.buffer("o", "f32", access="write")
    t = kb.shared("t", "f32", 32)
    i = kb.let("i", kb.lid.x + kb.wid.y * kb.nwg.z, type="u32")
    acc = kb.var("acc", 0.0, type="f32")
    acc += 1.5
    acc *= 2
    acc.set(acc - 1)
    with kb.if_(i.eq(0).and_(flag.not_())):
        kb.return_()
    with kb.elif_(i.ne(1).or_(flag)):
        kb.barrier()
    with kb.else_():
        kb.fence("acq_rel", "workgroup")
    with kb.for_("k", 0, n, step=2) as k:
        t[k % 32] = cast("f32", k)
        with kb.if_(k > 10):
            kb.break_()
        kb.continue_()
    with kb.while_(acc < 100.0):
        acc.set(call("min", acc * 2.0, 1e3))
    with kb.loop():
        kb.eval(h.atomic("add", i, 1))
        kb.break_()
    old = kb.let("old", h.atomic("compare_exchange", 0, 1, 2, order="seq_cst"))
    o.store(i, bitcast("f32", old) + -acc, op=BinOp.ADD)
    kb.fence()
    o[~i >> 1 << 2 | lit(3) & 5 ^ 6] = lit(2, "f32") / 4.0 % 3.0
    kb.assign("acc", 7.0, op="-")
    built = kb.build()
    text = """
kernel all workgroup(8, 4, 2) {
  param n: u32
  param flag: bool
  buffer h: u32[64] read_write host
  buffer o: f32[] write
  shared t: f32[32]
  let i: u32 = lid.x + wid.y * nwg.z
  var acc: f32 = 0.0
  acc += 1.5
  acc *= 2
  acc = acc - 1
  if i == 0 && !flag {
    return
  } else if i != 1 || flag {
    barrier()
  } else {
    fence(acq_rel, workgroup)
  }
  for k in 0..n step 2 {
    t[k % 32] = f32(k)
    if k > 10 {
      break
    }
    continue
  }
  while acc < 100.0 {
    acc = min(acc * 2.0, 1000.0)
  }
  loop {
    atomic_add(h[i], 1)
    break
  }
  let old = atomic_compare_exchange(h[0], 1, 2, seq_cst)
  o[i] += bitcast<f32>(old) + -acc
  fence()
  o[~i >> 1 << 2 | 3 & 5 ^ 6] = 2.0f32 / 4.0 % 3.0
  acc -= 7.0
}
"""
    assert built == kernel_of(text)
    assert parse(to_text(built)).kernels[0] == built


def test_python_numbers_become_unsuffixed_literals():
    assert lit(1).node == Lit(1)
    assert lit(True).node == Lit(True, ScalarType.BOOL)
    assert lit(3, "f64").node == Lit(3.0, ScalarType.F64)
    assert isinstance(lit(3, "f64").node.value, float)


def test_compound_store_from_python_augmented_assignment_is_a_plain_store():
    kb = KernelBuilder("k")
    b = kb.buffer("b", "u32")
    b[0] += 1
    (stmt,) = kb.build().body
    assert stmt == Store("b", Lit(0), kernel_of("kernel k workgroup(1) {\n  b[0] = b[0] + 1\n}\n")
                         .body[0].value)


def test_var_augmented_assignment_is_a_compound_assign():
    kb = KernelBuilder("k")
    v = kb.var("v", 0)
    v <<= 3
    assert kb.build().body[1] == Assign("v", Lit(3), BinOp.SHL)


def test_module_of_builders():
    m = module(KernelBuilder("a"), KernelBuilder("b", workgroup=(2, 2)).build())
    assert [k.name for k in m.kernels] == ["a", "b"]
    assert m.kernels[1].workgroup == (2, 2)


def test_python_equality_is_refused_as_a_condition():
    kb = KernelBuilder("k")
    i = kb.let("i", kb.gid.x)
    with pytest.raises(VyreError) as info, kb.if_(i == 0):
        pass
    assert "a.eq(b)" in info.value.fix
    with pytest.raises(VyreError):
        bool(i < 3)


@pytest.mark.parametrize("misuse", [
    lambda kb: kb.param("p", "float"),
    lambda kb: call("sqr", 1),
    lambda kb: kb.else_().__enter__(),
    lambda kb: kb.let("v", object()),
])
def test_misuse_raises_vyre_errors(misuse):
    with pytest.raises(VyreError):
        misuse(KernelBuilder("k"))


def test_build_inside_an_open_block_is_refused():
    kb = KernelBuilder("k")
    with pytest.raises(VyreError), kb.loop():
        kb.build()


def test_else_after_else_is_refused():
    kb = KernelBuilder("k")
    with kb.if_(lit(True)):
        kb.break_()
    with kb.else_():
        kb.continue_()
    with pytest.raises(VyreError), kb.else_():
        pass


@pytest.mark.parametrize("bad", ["let", "f32", "1x", "a-b", ""])
def test_names_must_be_spellable(bad):
    with pytest.raises(VyreError) as info:
        KernelBuilder("k").param(bad, "u32")
    assert info.value.code == "V190"
