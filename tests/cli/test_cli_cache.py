"""`vyre cache stats|clear|path` against a private VYRE_CACHE_DIR."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_support import SAXPY


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """A private cache per test: these tests count its entries."""
    path = tmp_path / "cache"
    path.mkdir()
    return path


def test_path_is_the_configured_directory(vyre_cli, cache_dir):
    result = vyre_cli("cache", "path")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(cache_dir)


def test_stats_and_clear_after_a_run(vyre_cli, write, cache_dir):
    write("saxpy.vir", SAXPY)
    assert vyre_cli("run", "saxpy.vir", "--backend", "cpu_ref", "--size", "8").returncode == 0

    stats = vyre_cli("cache", "stats")
    assert stats.returncode == 0, stats.stderr
    assert f"directory: {cache_dir}" in stats.stdout
    assert "entries: 1\n" in stats.stdout, stats.stdout
    assert re.search(r"size: [1-9]\d* bytes", stats.stdout)

    cleared = vyre_cli("cache", "clear")
    assert cleared.returncode == 0, cleared.stderr
    assert f"removed 1 entry from {cache_dir}" in cleared.stdout
    assert "entries: 0\n" in vyre_cli("cache", "stats").stdout


def test_no_cache_stores_nothing(vyre_cli, write, cache_dir):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("run", "saxpy.vir", "--backend", "cpu_ref", "--size", "8", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert "entries: 0\n" in vyre_cli("cache", "stats").stdout


def test_unknown_action_is_a_usage_error(vyre_cli):
    result = vyre_cli("cache", "purge")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_unusable_directory_is_an_error(vyre_cli, tmp_path):
    taken = tmp_path / "a-file"
    taken.write_text("not a directory")
    result = vyre_cli("cache", "stats", env={"VYRE_CACHE_DIR": str(taken)})
    assert result.returncode == 1
    assert "error[V601]" in result.stderr
    assert "Fix:" in result.stderr
    assert "Traceback" not in result.stderr


def test_stats_says_when_caching_is_off(vyre_cli, cache_dir):
    result = vyre_cli("cache", "stats", env={"VYRE_CACHE": "0"})
    assert result.returncode == 0, result.stderr
    assert f"directory: {cache_dir}" in result.stdout
    assert "caching: off" in result.stdout
