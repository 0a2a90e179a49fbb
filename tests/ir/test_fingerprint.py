"""Canonical bytes and fingerprints: equal for programs of equal meaning, different otherwise."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings

from vyre.errors import ValidationError, WireError
from vyre.ir import wire
from vyre.ir.canon import canonical_bytes, canonicalize, fingerprint
from vyre.ir.nodes import For, Let, Lit, Module, VarDecl
from vyre.ir.parse import parse
from vyre.testing.programs import kernels as valid_kernels

BASE = """\
vir0
kernel k workgroup(64) {
  param a: f32
  buffer x: f32[] read
  buffer y: f32[] read_write
  let i = gid.x
  if i < len(y) {
    y[i] = a * x[i] + y[i]
  }
}
"""


def _fp(text: str) -> str:
    return fingerprint(parse(text))


def _wrap(body: str, decls: str = "  buffer out: u32[] read_write\n  param n: u32\n", head: str = "kernel k workgroup(64)") -> str:
    return f"vir0\n{head} {{\n{decls}{body}}}\n"


# Each group lists spellings of one program; every pair in a group must share a fingerprint.
SAME_MEANING: dict[str, list[str]] = {
    "formatting and comments": [
        BASE,
        "vir0\n# a comment\nkernel   k   workgroup( 64 ) {\n  param a : f32   # the scale\n"
        "  buffer x: f32[] read\n\n\n  buffer y: f32[] read_write\n  let i = gid.x\n"
        "  if (i < len(y)) {\n    y[i] = ((a * x[i]) + y[i])   # fma-free\n  }\n}\n",
    ],
    "integer literal spelling": [
        _wrap("  out[0] = 16\n"),
        _wrap("  out[0] = 0x10\n"),
        _wrap("  out[0] = 16u32\n"),
        _wrap("  out[0] = 0x10u32\n"),
    ],
    "float literal spelling": [
        _wrap("  out[0] = 1.0\n", decls="  buffer out: f32[] read_write\n"),
        _wrap("  out[0] = 1.00\n", decls="  buffer out: f32[] read_write\n"),
        _wrap("  out[0] = 1e0\n", decls="  buffer out: f32[] read_write\n"),
        _wrap("  out[0] = 1.0f32\n", decls="  buffer out: f32[] read_write\n"),
        _wrap("  out[0] = 1f32\n", decls="  buffer out: f32[] read_write\n"),
        _wrap("  out[0] = 1\n", decls="  buffer out: f32[] read_write\n"),
    ],
    "let annotation": [
        _wrap("  let x = 1\n  out[0] = x\n"),
        _wrap("  let x: u32 = 1\n  out[0] = x\n"),
        _wrap("  let x: u32 = 1u32\n  out[0] = x\n"),
    ],
    "var annotation": [
        _wrap("  var x = 2.5\n  x += 1.0\n", decls=""),
        _wrap("  var x: f32 = 2.5\n  x += 1.0\n", decls=""),
        _wrap("  var x: f32 = 2.5f32\n  x += 1f32\n", decls=""),
    ],
    "else if chains": [
        _wrap("  if n == 0 {\n    out[0] = 1\n  } else if n == 1 {\n    out[0] = 2\n  }\n"),
        _wrap("  if n == 0 {\n    out[0] = 1\n  } else {\n    if n == 1 {\n      out[0] = 2\n    }\n  }\n"),
    ],
    "default step": [
        _wrap("  for j in 0..n {\n    out[j] = j\n  }\n"),
        _wrap("  for j in 0..n step 1 {\n    out[j] = j\n  }\n"),
        _wrap("  for j in 0..n step 1u32 {\n    out[j] = j\n  }\n"),
    ],
    "default fence and atomic ordering": [
        _wrap("  fence()\n  atomic_add(out[0], 1)\n"),
        _wrap("  fence(seq_cst, device)\n  atomic_add(out[0], 1u32, relaxed)\n"),
    ],
    "negative literal": [
        _wrap("  out[0] = bitcast<u32>(-1i32)\n"),
        _wrap("  out[0] = bitcast<u32>(-0x1i32)\n"),
    ],
}

DIFFERENT_MEANING: dict[str, str] = {
    "base": BASE,
    "operator": BASE.replace("a * x[i] + y[i]", "a * x[i] - y[i]"),
    "operand order": BASE.replace("a * x[i] + y[i]", "y[i] + a * x[i]"),
    "comparison": BASE.replace("i < len(y)", "i <= len(y)"),
    "constant": BASE.replace("a * x[i] + y[i]", "a * x[i] + 1.0"),
    "other constant": BASE.replace("a * x[i] + y[i]", "a * x[i] + 2.0"),
    "negative zero": BASE.replace("a * x[i] + y[i]", "a * x[i] + -0.0"),
    "element type": BASE.replace("f32", "f64"),
    "access": BASE.replace("buffer x: f32[] read\n", "buffer x: f32[] read_write\n"),
    "static size": BASE.replace("buffer x: f32[] read\n", "buffer x: f32[64] read\n"),
    "placement": BASE.replace("buffer x: f32[] read\n", "buffer x: f32[64] read host\n"),
    "workgroup size": BASE.replace("workgroup(64)", "workgroup(128)"),
    "workgroup dims": BASE.replace("workgroup(64)", "workgroup(64, 1)"),
    "kernel name": BASE.replace("kernel k", "kernel k2"),
    "param name": BASE.replace("param a", "param b").replace("a * x", "b * x"),
    "declaration order": BASE.replace(
        "  buffer x: f32[] read\n  buffer y: f32[] read_write\n",
        "  buffer y: f32[] read_write\n  buffer x: f32[] read\n",
    ),
    "thread id": BASE.replace("gid.x", "lid.x"),
    "thread axis": BASE.replace("workgroup(64)", "workgroup(64, 1)").replace("gid.x", "gid.y"),
    "builtin": BASE.replace("a * x[i] + y[i]", "min(a, x[i])"),
    "other builtin": BASE.replace("a * x[i] + y[i]", "max(a, x[i])"),
    "statement order": BASE.replace(
        "    y[i] = a * x[i] + y[i]\n", "    y[i] = a\n    y[i] = x[i]\n"
    ),
    "swapped statements": BASE.replace(
        "    y[i] = a * x[i] + y[i]\n", "    y[i] = x[i]\n    y[i] = a\n"
    ),
    "barrier": BASE.replace("  let i = gid.x\n", "  let i = gid.x\n  barrier()\n"),
    "fence scope": BASE.replace("  let i = gid.x\n", "  let i = gid.x\n  fence(seq_cst, workgroup)\n"),
    "compound store": BASE.replace("y[i] = a * x[i] + y[i]", "y[i] += a * x[i]"),
}

ATOMIC_ORDER = [
    _wrap("  atomic_add(out[0], 1)\n"),
    _wrap("  atomic_add(out[0], 1, acq_rel)\n"),
    _wrap("  atomic_sub(out[0], 1)\n"),
    _wrap("  atomic_add(out[0], 2)\n"),
    _wrap("  atomic_add(out[1], 1)\n"),
]
LITERAL_TYPES = [
    _wrap("  out[0] = u32(1i32)\n"),
    _wrap("  out[0] = u32(1i64)\n"),
    _wrap("  out[0] = u32(1u64)\n"),
    _wrap("  out[0] = u32(1.0)\n"),
    _wrap("  out[0] = u32(1.0f64)\n"),
    _wrap("  out[0] = u32(true)\n"),
]
STEPS = [
    _wrap("  for j in 0..n {\n    out[j] = j\n  }\n"),
    _wrap("  for j in 0..n step 2 {\n    out[j] = j\n  }\n"),
    _wrap("  for j in 1..n {\n    out[j] = j\n  }\n"),
]


@pytest.mark.parametrize("group", sorted(SAME_MEANING))
def test_spellings_of_one_program_share_a_fingerprint(group: str) -> None:
    prints = {text: _fp(text) for text in SAME_MEANING[group]}
    assert len(set(prints.values())) == 1, prints


def test_different_groups_have_different_fingerprints() -> None:
    assert len({_fp(texts[0]) for texts in SAME_MEANING.values()}) == len(SAME_MEANING)


@pytest.mark.parametrize(
    "texts",
    [list(DIFFERENT_MEANING.values()), ATOMIC_ORDER, LITERAL_TYPES, STEPS],
    ids=["changes", "atomics", "literal types", "steps"],
)
def test_programs_of_different_meaning_have_different_fingerprints(texts: list[str]) -> None:
    prints = [_fp(t) for t in texts]
    for (i, a), (j, b) in itertools.combinations(enumerate(prints), 2):
        assert a != b, f"programs {i} and {j} share a fingerprint:\n{texts[i]}\n{texts[j]}"


def test_a_kernel_fingerprints_as_a_one_kernel_module() -> None:
    module = parse(BASE)
    kernel = module.kernels[0]
    assert fingerprint(kernel) == fingerprint(module)
    assert canonical_bytes(kernel) == canonical_bytes(module)
    assert isinstance(canonicalize(kernel), type(kernel))
    assert isinstance(canonicalize(module), Module)


def test_fingerprint_is_blake3_hex_of_the_canonical_bytes() -> None:
    import blake3

    module = parse(BASE)
    fp = fingerprint(module)
    assert len(fp) == 64 and all(c in "0123456789abcdef" for c in fp)
    assert fp == blake3.blake3(canonical_bytes(module)).hexdigest()


def test_canonical_form_is_resolved_and_decodes() -> None:
    module = wire.decode(canonical_bytes(parse(_wrap("  let x = 1\n  var y = x + 2\n  out[0] = y\n"))))
    for stmt in module.kernels[0].body:
        if isinstance(stmt, (Let, VarDecl)):
            assert stmt.type is not None
    lits = [e for e in _walk(module) if isinstance(e, Lit)]
    assert lits and all(lit.type is not None for lit in lits)


def _walk(node: object):  # type: ignore[no-untyped-def]
    yield node
    for value in getattr(node, "__dict__", {}).values():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if hasattr(item, "__dataclass_fields__"):
                yield from _walk(item)


def test_canonicalize_is_idempotent() -> None:
    once = canonicalize(parse(SAME_MEANING["default step"][1]))
    assert canonicalize(once) == once
    loop = next(s for s in once.kernels[0].body if isinstance(s, For))
    assert loop.step is None


def test_invalid_programs_raise_validation_error_not_a_fingerprint() -> None:
    bad = parse(_wrap("  out[0] = 1.5\n"))  # a float into a u32 buffer
    with pytest.raises(ValidationError):
        fingerprint(bad)
    with pytest.raises(ValidationError):
        canonical_bytes(bad)


def test_non_programs_are_rejected() -> None:
    with pytest.raises(WireError):
        fingerprint("vir0")  # type: ignore[arg-type]


def test_vyre_fingerprint_is_the_same_function() -> None:
    import vyre

    assert vyre.fingerprint(parse(BASE)) == fingerprint(parse(BASE))


@settings(max_examples=40)
@given(valid_kernels())
def test_printing_and_reparsing_keeps_the_fingerprint(kernel) -> None:  # type: ignore[no-untyped-def]
    from vyre.ir.printer import to_text

    module = Module((kernel,))
    assert fingerprint(parse(to_text(module))) == fingerprint(module)
    assert canonicalize(canonicalize(module)) == canonicalize(module)


EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.vir"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_formatting_an_example_keeps_its_fingerprint(path: Path) -> None:
    from vyre.ir.fmt import format_text
    from vyre.ir.printer import to_text

    text = path.read_text()
    fp = _fp(text)
    assert _fp(format_text(text)) == fp
    assert _fp(to_text(parse(text))) == fp


def test_examples_have_distinct_fingerprints() -> None:
    assert len(EXAMPLES) >= 3
    prints = {_fp(p.read_text()) for p in EXAMPLES}
    assert len(prints) == len(EXAMPLES)
