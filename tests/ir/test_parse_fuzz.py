"""No input makes the parser fail with anything but VyreSyntaxError (hypothesis fuzzing)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ir.strategies import modules
from vyre.errors import VyreSyntaxError
from vyre.ir.fmt import format_text
from vyre.ir.nodes import Module
from vyre.ir.parse import Layout, _parse_with_lark, parse, parse_with_layout
from vyre.ir.printer import to_text

EXAMPLES = [p.read_text(encoding="utf-8")
            for p in sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.vir"))]
SEED = """vir0
# seed
kernel k workgroup(64, 2) {
  param n: u32
  buffer x: f32[] read_write
  buffer h: u32[16] read_write host
  shared t: f32[64]
  let i = gid.x
  var acc: f32 = -1.5e-3f32
  if i < len(x) && !(n == 0) {
    x[i] = fma(x[i], 2.0, f32(i)) + bitcast<f32>(0x3f800000u32)
  } else if i == 1 {
    atomic_add(h[i % 16], 1, acq_rel)
  } else {
    fence(seq_cst, workgroup)
  }
  for k in 0..n step 2 { acc += 1.0 }
  while acc < 10.0 { acc = acc * 2.0 }
  loop { break }
  barrier()
}
"""
# Pieces that make mutations land near the grammar's edges.
FRAGMENTS = [
    "{", "}", "(", ")", "[", "]", ",", ":", "..", ".", "=", "==", "-", "--", "+=", "<<=", ">",
    "<", "\n", " ", "#", "# c\n", ";", "0x", "1e", "1.5", "2f32", "-1", "9" * 30, "u32", "f32",
    "let", "var", "if", "else", "for", "in", "step", "while", "loop", "break", "return",
    "kernel", "workgroup", "param", "buffer", "shared", "read", "host", "vir0", "gid", ".w",
    "len", "bitcast", "atomic_add", "atomic_load", "min", "relaxed", "acq_rel", "fence",
    "barrier", "true", "\r\n", "\t", "é", "\x00", "\u2028", "'", '"', "@",
]


def check_parse(text: str) -> None:
    try:
        result = parse(text, "fuzz.vir")
    except VyreSyntaxError as e:
        assert e.code.startswith("V1")
        assert e.fix
        rendered = e.render()
        assert rendered.startswith("fuzz.vir:")
        assert e.span is not None and e.span.line >= 1 and e.span.col >= 1
        return
    assert isinstance(result, Module)
    # Whatever parses also prints and formats.
    assert parse(to_text(result)) == result
    assert parse(format_text(text)) == result


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text(text):
    check_parse(text)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS + list("abcxyz019_")), max_size=40).map(
    lambda parts: "vir0\nkernel k workgroup(1) {\n" + " ".join(parts) + "\n}\n"))
def test_random_token_soup_inside_a_kernel(text):
    check_parse(text)


@st.composite
def mutated(draw) -> str:
    source = draw(st.sampled_from([SEED, *EXAMPLES]))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(source)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        if kind == "delete":
            end = draw(st.integers(pos, min(len(source), pos + 12)))
            source = source[:pos] + source[end:]
        else:
            frag = draw(st.sampled_from(FRAGMENTS))
            cut = pos + (draw(st.integers(0, 6)) if kind == "replace" else 0)
            source = source[:pos] + frag + source[cut:]
    return source


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_valid_programs(text):
    check_parse(text)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(modules(), st.data())
def test_truncated_generated_programs(module, data):
    text = to_text(module)
    cut = data.draw(st.integers(0, len(text)))
    check_parse(text[:cut])


def test_pathological_inputs():
    for text in ["(" * 20000, "vir0\n" + "{" * 5000, "vir0\nkernel k workgroup(1) {\n"
                 + "  let a = " + "-" * 20000 + "1\n}\n", "\x00" * 100, "vir0\n" + "#" * 100000,
                 "vir0\nkernel k workgroup(1) {\n  let a = " + "1" * 5000 + "\n}\n"]:
        check_parse(text)


# --- the fast driver and Lark agree -----------------------------------------------------------
def _spans(node) -> list:
    """Every span in the tree, in field order (equality of nodes ignores spans)."""
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, tuple):
            stack.extend(reversed(n))
        elif dataclasses.is_dataclass(n):
            out.append((type(n).__name__, n.span))
            stack.extend(reversed([getattr(n, f.name) for f in dataclasses.fields(n)
                                   if f.name != "span"]))
    return out


def check_both_paths(text: str) -> None:
    try:
        fast, fast_layout = parse_with_layout(text, "same.vir")
    except VyreSyntaxError as e:
        fast_error = e.render()
    else:
        fast_error = None
    lark_layout = Layout(text)
    try:
        slow = _parse_with_lark(text, "same.vir", lark_layout)
    except VyreSyntaxError as e:
        assert fast_error == e.render()
        return
    assert fast_error is None, fast_error
    assert fast == slow
    assert _spans(fast) == _spans(slow)
    assert [(c, c.line, c.column) for c in fast_layout.comments] == \
        [(str(c), c.line, c.column) for c in lark_layout.comments]
    assert sorted(fast_layout.closes.values()) == sorted(lark_layout.closes.values())
    assert fast_layout.header == lark_layout.header


@settings(max_examples=30)
@given(modules())
def test_fast_parser_agrees_with_lark_on_generated_programs(module):
    check_both_paths(to_text(module))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fast_parser_agrees_with_lark_on_mutated_programs(text):
    check_both_paths(text)


def test_fast_parser_agrees_with_lark_on_the_examples():
    for text in [SEED, *EXAMPLES]:
        check_both_paths(text)
