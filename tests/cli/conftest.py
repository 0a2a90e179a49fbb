"""Fixtures for the command-line tests: run ``python -m vyre`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import Runner, vyre_env


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vyre-cache")


@pytest.fixture
def cache_dir(shared_cache: Path) -> Path:
    """The compile cache directory the commands use: one for the whole run, so the parser's
    grammar tables and compiled kernels are built once (test_cli_cache.py gives each of its
    tests a private one instead)."""
    return shared_cache


@pytest.fixture
def vyre_cli(tmp_path: Path, cache_dir: Path) -> Runner:
    """Run ``python -m vyre ARGS`` in ``tmp_path`` with a private compile cache."""

    def run(*args: str, stdin: str | bytes | None = None, text: bool = True,
            env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
        full_env = vyre_env(VYRE_CACHE_DIR=str(cache_dir))
        full_env.update(env or {})
        if isinstance(stdin, str) and not text:
            stdin = stdin.encode()
        return subprocess.run(
            [sys.executable, "-m", "vyre", *args],
            cwd=tmp_path, env=full_env, input=stdin, capture_output=True, text=text,
            timeout=120, **kwargs,
        )

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return _write


@pytest.fixture
def vyre_main(tmp_path: Path, cache_dir: Path, monkeypatch, capsys) -> Runner:
    """Run ``vyre.cli.main(ARGS)`` in this process, in ``tmp_path``: the fast way for tests
    of many small error cases, which cannot reach the compile cache anyway."""
    from vyre import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VYRE_CACHE_DIR", str(cache_dir))
    monkeypatch.delenv("VYRE_DEBUG", raising=False)

    def run(*args: str) -> subprocess.CompletedProcess:
        capsys.readouterr()
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["vyre", *args], code, out, err)

    return run
