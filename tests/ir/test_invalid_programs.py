"""Invalid programs with the exact diagnostics they must produce.

Every ``tests/invalid/NAME.vir`` is parsed (as file ``tests/invalid/NAME.vir``) and
validated; the rendered error must equal ``NAME.expected`` exactly.  ``syntax_*`` cases fail
in the parser, the others in the validator.  A case without an ``.expected`` file, or one
that raises no error, fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vyre.errors import VyreError
from vyre.ir.parse import parse
from vyre.ir.validate import validate

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "tests" / "invalid").glob("*.vir"))


def render_case(path: Path) -> str | None:
    """The rendered error for the case at ``path``, or None when the program is accepted."""
    rel = path.relative_to(ROOT).as_posix()
    try:
        validate(parse(path.read_text(encoding="utf-8"), file=rel))
    except VyreError as err:
        return err.render()
    return None


def test_there_are_cases():
    assert len([p for p in CASES if not p.name.startswith("syntax_")]) >= 25


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_invalid_program(path: Path):
    expected_path = path.with_suffix(".expected")
    assert expected_path.exists(), f"{expected_path.name} is missing"
    rendered = render_case(path)
    assert rendered is not None, f"{path.name} was accepted, but it must be rejected"
    expected = expected_path.read_text(encoding="utf-8")
    assert rendered == expected.removesuffix("\n")


@pytest.mark.parametrize("path", [p for p in CASES if not p.name.startswith("syntax_")], ids=lambda p: p.stem)
def test_validation_case_codes_match_its_file(path: Path):
    # A validation case fails in the validator, not the parser, and every code it reports is V2xx.
    rendered = render_case(path)
    assert rendered is not None
    codes = [line.split("error[", 1)[1][:4] for line in rendered.splitlines() if "error[" in line]
    assert codes and all(c.startswith("V2") for c in codes)
