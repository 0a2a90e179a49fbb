"""fmt: canonical text that keeps every comment, idempotent."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ir.strategies import kernels
from vyre.errors import VyreSyntaxError
from vyre.ir.fmt import format_text
from vyre.ir.parse import parse
from vyre.ir.printer import to_text

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.vir"))

MESSY = """\
# license: public domain

vir0   # version 0
# the kernel doc
kernel   scale   workgroup( 64,2 ) {   # opens
    param   k : f32 # factor


    # the data
  buffer x : f32[]   read_write
  let i=gid.x
  let j = min(i,      # first
      len(x))         # second
  if i<len(x){ # then
        x[i]=x[i]*k
    # end of then
  }
  else { x[i] = 0.0 }   # after the else
  loop { break }
  # before the closing brace
}
# trailer



# the end
"""

MESSY_FORMATTED = """\
# license: public domain

vir0   # version 0
# the kernel doc
kernel scale workgroup(64, 2) {  # opens
  param k: f32  # factor

  # the data
  buffer x: f32[] read_write
  let i = gid.x
  let j = min(i, len(x))  # first  # second
  if i < len(x) {  # then
    x[i] = x[i] * k
    # end of then
  } else {
    x[i] = 0.0
  }  # after the else
  loop {
    break
  }
  # before the closing brace
}
# trailer

# the end
"""


def comments(text: str) -> list[str]:
    return re.findall(r"#[^\n]*", text)


def test_messy_input_formats_exactly():
    assert format_text(MESSY) == MESSY_FORMATTED


def test_formatting_is_idempotent_and_keeps_the_program():
    once = format_text(MESSY)
    assert format_text(once) == once
    assert parse(once) == parse(MESSY)


def test_no_comment_text_is_lost():
    out = format_text(MESSY)
    for c in comments(MESSY):
        assert c.rstrip() in out


def test_without_comments_fmt_is_the_printer():
    text = "vir0\nkernel k workgroup(1) {\n  let a=(1+2)*3\n}\n"
    assert format_text(text) == to_text(parse(text))


def test_aligned_trailing_comments_keep_their_column():
    text = ("vir0\n\nkernel k workgroup(1) {\n"
            "  let a = 1            # one\n"
            "  let bb = 22          # two\n"
            "}\n")
    assert format_text(text) == text


def test_a_trailing_comment_on_a_rewritten_line_gets_two_spaces():
    text = "vir0\nkernel k workgroup(1) {\n  let a=1+2      # sum\n}\n"
    assert "  let a = 1 + 2  # sum\n" in format_text(text)


def test_comments_at_end_of_blocks_are_indented_with_the_block():
    text = "vir0\nkernel k workgroup(1) {\n  loop {\n    break\n# inner end\n  }\n# outer end\n}\n"
    out = format_text(text)
    assert "    # inner end\n  }\n  # outer end\n}\n" in out


def test_blank_lines_collapse_and_never_open_or_close_a_block():
    text = "vir0\nkernel k workgroup(1) {\n\n\n  let a = 1\n\n\n\n  let b = 2\n\n}\n"
    assert format_text(text) == "vir0\n\nkernel k workgroup(1) {\n  let a = 1\n\n  let b = 2\n}\n"


def test_kernels_are_separated_by_a_blank_line():
    text = "vir0\nkernel a workgroup(1) {\n}\nkernel b workgroup(1) {\n}\n"
    assert format_text(text) == "vir0\n\nkernel a workgroup(1) {\n}\n\nkernel b workgroup(1) {\n}\n"


def test_syntax_errors_are_raised_not_formatted():
    with pytest.raises(VyreSyntaxError):
        format_text("vir0\nkernel k workgroup(1) {\n", "broken.vir")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_are_idempotent_and_keep_comments(path):
    text = path.read_text(encoding="utf-8")
    once = format_text(text, str(path))
    assert format_text(once) == once
    assert comments(once) == [c.rstrip() for c in comments(text)]
    assert parse(once) == parse(text)


@st.composite
def commented(draw) -> tuple[str, list[str]]:
    """A printed program with comments put on their own lines and after code."""
    lines = to_text(draw(kernels())).splitlines()
    # One seed for the whole layout keeps generation fast: each number picks where the
    # comments of one line go, how far they are indented and whether a blank line follows.
    rng = random.Random(draw(st.integers(0, 2**32)))
    picks = [rng.randrange(2**16) for _ in lines]
    tails = ["", " x", " {", " }", " # nested"]
    out: list[str] = []
    added: list[str] = []
    for n, (line, pick) in enumerate(zip(lines, picks, strict=True)):
        where = pick % 5  # 0, 1: none; 2: before; 3: after; 4: both
        if where in (2, 4):
            out.append(" " * (pick >> 3 & 7) + f"# c{n}a")
            added.append(f"# c{n}a")
        if where in (3, 4) and line.strip():
            c = f"# c{n}b" + tails[pick >> 6 & 3]
            line = line + " " * (pick >> 8 & 15) + c
            added.append(c)
        out.append(line)
        if pick >> 12 & 3 == 0:
            out.append("")
    return "\n".join(out) + "\n", added


@settings(max_examples=25)
@given(commented())
def test_generated_comments_survive_in_order(case):
    text, added = case
    once = format_text(text)
    assert format_text(once) == once
    assert parse(once) == parse(text)
    kept = "".join(comments(once))
    position = 0
    for c in added:  # every comment, in the original order
        found = kept.find(c, position)
        assert found >= 0, (c, once)
        position = found + len(c)


@st.composite
def relaid(draw) -> tuple[str, str]:
    """(canonical text, the same program with random spacing and line breaks)."""
    from vyre.ir.grammar import get_tables

    canonical = to_text(draw(kernels()))
    rng = random.Random(draw(st.integers(0, 2**32)))
    out: list[str] = []
    for tok in get_tables().tokens(canonical, None):
        if tok.type == "_NL":
            out.append("\n" + " " * rng.randint(0, 5))  # blank lines would be kept
            continue
        out.append(str(tok))
        # After a token that cannot end a statement a line break is only layout.
        if str(tok) in (",", "(", "[", "{", "+", "*", "&&", "=", "..") and rng.random() < 0.3:
            out.append("\n" + "\t" * rng.randint(0, 2))
        else:
            out.append(" " * rng.randint(1, 3))
    return canonical, "".join(out)


@settings(max_examples=25)
@given(relaid())
def test_any_layout_formats_to_the_canonical_text(case):
    canonical, text = case
    assert parse(text) == parse(canonical)
    assert format_text(text) == canonical


def test_hex_literals_keep_their_spelling() -> None:
    src = (
        "vir0\nkernel k workgroup(1) {\n  buffer o: u32[2] read_write\n"
        "  o[0] = o[1] & 0xFF00u32  # mask\n  o[1] = 0x10 + 16\n}\n"
    )
    out = format_text(src)
    assert "o[0] = o[1] & 0xff00u32  # mask" in out  # hex kept, digits in lower case
    assert "o[1] = 0x10 + 16" in out  # decimal stays decimal
    assert format_text(out) == out
    assert parse(out) == parse(src)
