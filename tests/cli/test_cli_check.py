"""`vyre check`: diagnostics with positions, carets and fixes, a summary, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

from cli_support import ILL_TYPED, MALFORMED, SAXPY, no_traceback


def test_valid_file_exits_0(vyre_cli, write):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("check", "saxpy.vir")
    assert result.returncode == 0, result.stderr
    assert "no problems" in result.stderr
    assert "error[" not in result.stderr


def test_validation_error_is_rendered_with_position_caret_and_fix(vyre_cli, write):
    write("bad.vir", ILL_TYPED)
    result = vyre_cli("check", "bad.vir")
    assert result.returncode == 1
    no_traceback(result)
    assert re.search(r"bad\.vir:7:\d+: error\[V2\d\d\]", result.stderr), result.stderr
    assert "    y[i] = x[i] + 1u32" in result.stderr  # the source line, quoted
    assert re.search(r"^\s+\^+$", result.stderr, re.MULTILINE)
    assert "Fix:" in result.stderr
    assert "1 error in 1 file" in result.stderr


def test_syntax_error_is_rendered(vyre_cli, write):
    write("broken.vir", MALFORMED)
    result = vyre_cli("check", "broken.vir")
    assert result.returncode == 1
    no_traceback(result)
    assert re.search(r"broken\.vir:\d+:\d+: error\[V1\d\d\]", result.stderr), result.stderr
    assert "Fix:" in result.stderr


def test_every_file_is_checked_and_summarised(vyre_cli, write):
    write("good.vir", SAXPY)
    write("bad.vir", ILL_TYPED)
    write("broken.vir", MALFORMED)
    result = vyre_cli("check", "good.vir", "bad.vir", "broken.vir")
    assert result.returncode == 1
    assert "bad.vir:7:" in result.stderr
    assert "broken.vir:" in result.stderr
    assert "checked 3 files" in result.stderr
    assert "in 2 files" in result.stderr


def test_missing_file_is_an_error_not_a_traceback(vyre_cli, write):
    write("good.vir", SAXPY)
    result = vyre_cli("check", "nope.vir", "good.vir")
    assert result.returncode == 1
    no_traceback(result)
    assert "error[V710]: cannot read 'nope.vir'" in result.stderr
    assert "Fix:" in result.stderr
    assert "checked 2 files, 1 error in 1 file" in result.stderr


def test_stdin(vyre_cli):
    assert vyre_cli("check", "-", stdin=SAXPY).returncode == 0
    result = vyre_cli("check", "-", stdin=ILL_TYPED)
    assert result.returncode == 1
    assert "<stdin>:7:" in result.stderr


def test_a_directory_means_its_vir_files(vyre_cli, write, tmp_path):
    (tmp_path / "src" / "deep").mkdir(parents=True)
    write("src/good.vir", SAXPY)
    write("src/deep/bad.vir", ILL_TYPED)
    write("src/notes.txt", "not a program")
    result = vyre_cli("check", "src")
    assert result.returncode == 1
    assert "src/deep/bad.vir:7:" in result.stderr
    assert "checked 2 files, 1 error in 1 file" in result.stderr
    (tmp_path / "empty").mkdir()
    empty = vyre_cli("check", "empty", "src/good.vir")
    assert empty.returncode == 1
    assert "error[V710]: 'empty' is a directory holding no .vir files" in empty.stderr
    assert "checked 2 files, 1 error in 1 file" in empty.stderr


def test_every_example_is_valid(vyre_cli):
    examples = Path(__file__).resolve().parents[2] / "examples"
    result = vyre_cli("check", str(examples))
    assert result.returncode == 0, result.stderr
