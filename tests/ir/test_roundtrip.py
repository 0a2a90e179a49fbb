"""Printer and parser round-trip on generated programs (properties, hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from tests.ir.strategies import exprs, modules
from vyre.ir.fmt import format_text
from vyre.ir.nodes import Kernel, Let, Module
from vyre.ir.parse import load, parse
from vyre.ir.printer import to_text

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.vir"))


@settings(max_examples=80)
@given(modules())
def test_parse_inverts_print_and_print_is_a_fixed_point(module):
    text = to_text(module)
    parsed = parse(text)
    assert parsed == module
    assert to_text(parsed) == text


@settings(max_examples=30)
@given(modules())
def test_fmt_of_canonical_text_is_the_identity(module):
    text = to_text(module)
    assert format_text(text) == text


@settings(max_examples=200)
@given(exprs(max_leaves=20))
def test_expressions_round_trip(e):
    k = Kernel("k", (1,), (), (Let("v", None, e),))
    assert parse(to_text(k)).kernels[0].body[0].value == e


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_round_trip(path):
    module = load(path)
    assert isinstance(module, Module)
    assert parse(to_text(module)) == module


def test_generated_names_are_never_reserved_words():
    from tests.ir.strategies import NAME_POOL, RESERVED

    assert not set(NAME_POOL) & RESERVED
