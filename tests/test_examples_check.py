"""Every example program parses, validates, resolves and documents how to run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from vyre.ir.infer import resolve
from vyre.ir.nodes import Barrier, Module, Shared
from vyre.ir.parse import load, parse
from vyre.ir.validate import check

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.vir"))
REQUIRED = {
    "saxpy", "dot", "histogram", "prefix_sum", "matmul", "grid_stride", "scan_bytes", "collatz",
    "host_flag",
}

SAXPY_CONTRACT = """vir0
kernel saxpy workgroup(256) {
  param a: f32
  buffer x: f32[] read
  buffer y: f32[] read_write
  let i = gid.x
  if i < len(y) {
    y[i] = a * x[i] + y[i]
  }
}
"""


def test_all_required_examples_exist():
    assert {p.stem for p in EXAMPLES} >= REQUIRED


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_valid(path: Path):
    module = load(path)
    assert check(module) == []
    for k in module.kernels:
        resolved = resolve(k)
        assert resolve(resolved) == resolved
        assert check(Module((resolved,))) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_has_a_header(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "vir0"
    header = []
    for line in lines[1:]:
        if not line.startswith("#"):
            break
        header.append(line)
    text = "\n".join(header)
    assert text.startswith(f"# {path.stem}:"), "the header starts with the kernel's name and what it computes"
    assert "Buffers:" in text and "Grid:" in text


def test_saxpy_is_the_syntax_contract_program():
    assert load(ROOT / "examples" / "saxpy.vir") == parse(SAXPY_CONTRACT)


@pytest.mark.parametrize("name", ["dot", "histogram", "prefix_sum", "matmul"])
def test_shared_memory_examples_use_barriers(name: str):
    (k,) = load(ROOT / "examples" / f"{name}.vir").kernels
    assert any(isinstance(d, Shared) for d in k.decls)
    assert "barrier()" in (ROOT / "examples" / f"{name}.vir").read_text() and Barrier in _stmt_types(k.body)


def _stmt_types(body) -> set[type]:
    from vyre.ir.nodes import BLOCK_FIELDS

    out: set[type] = set()
    for s in body:
        out.add(type(s))
        for f in BLOCK_FIELDS.get(type(s), ()):
            out |= _stmt_types(getattr(s, f))
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_canonically_formatted(path: Path):
    from vyre.ir.fmt import format_text

    text = path.read_text(encoding="utf-8")
    assert format_text(text, str(path)) == text
