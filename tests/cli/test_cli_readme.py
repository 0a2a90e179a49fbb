"""README.md's commands and example are the real ones: CI runs them, the example works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from cli_support import vyre_env

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def _fenced(text: str) -> list[tuple[str, str]]:
    """``(language, body)`` of every fenced code block in ``text``, in order."""
    blocks, language, body = [], None, []
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if language is None:
                language, body = line[3:].strip(), []
            else:
                blocks.append((language, "".join(body)))
                language = None
        elif language is not None:
            body.append(line)
    return blocks


def _blocks(language: str) -> list[str]:
    return [body for lang, body in _fenced(README) if lang == language]


def _quick_start_commands() -> list[str]:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [body.strip() for lang, body in _fenced(quick_start) if lang == "bash"]


def test_quick_start_has_the_two_commands():
    main, tests = _quick_start_commands()
    assert main.startswith("python3 -m venv .venv && ")
    assert main.endswith("vyre run examples/saxpy.vir")
    assert (REPO / "examples" / "saxpy.vir").is_file()
    assert tests.startswith("python3 -m venv .venv && ")
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    _, tests = _quick_start_commands()
    ci = (REPO / ".ci" / "run").read_text()
    assert any(line.startswith(tests) for line in ci.splitlines()), tests
    assert os.access(REPO / ".ci" / "run", os.X_OK)


def test_python_example_runs_as_documented(tmp_path):
    (example,) = [b for b in _blocks("python") if "vyre.load" in b]
    result = subprocess.run(
        [sys.executable, "-c", example],
        cwd=REPO, env=vyre_env(VYRE_CACHE_DIR=str(tmp_path)), capture_output=True, text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "[1. 3. 5. 7.]" in result.stdout
    assert re.search(r"^[0-9a-f]{64}$", result.stdout, re.MULTILINE)


def test_builder_example_builds_the_example_kernel(tmp_path):
    (example,) = [b for b in _blocks("python") if "KernelBuilder" in b]
    probe = example + (
        "\nfrom vyre.ir.parse import load\n"
        "assert kb.build() == load('examples/saxpy.vir').kernel()\n"
        "print(saxpy(a=1.0, x=np.ones(8, np.float32), y=np.ones(8, np.float32))['y'].tolist())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import numpy as np, vyre\n" + probe],
        cwd=REPO, env=vyre_env(VYRE_CACHE_DIR=str(tmp_path)), capture_output=True, text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "[2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]" in result.stdout


def test_example_in_readme_is_the_example_program():
    from vyre.ir.parse import parse

    (shown,) = [b for b in _blocks("") if b.startswith("vir0\n")]
    assert parse(shown) == parse((REPO / "examples" / "saxpy.vir").read_text())
