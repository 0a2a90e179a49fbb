"""`vyre cache stats|clear|path` against a private VYRE_CACHE_DIR."""

from __future__ import annotations

import re

from cli_support import SAXPY


def test_path_is_the_configured_directory(vyre_cli, cache_dir):
    result = vyre_cli("cache", "path")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(cache_dir)


def test_stats_and_clear_after_a_run(vyre_cli, write, cache_dir):
    write("saxpy.vir", SAXPY)
    assert vyre_cli("run", "saxpy.vir", "--backend", "cpu_ref", "--size", "8").returncode == 0
    assert any(p.is_file() for p in cache_dir.rglob("*")), "the run stored nothing in the cache"

    stats = vyre_cli("cache", "stats")
    assert stats.returncode == 0, stats.stderr
    assert f"directory: {cache_dir}" in stats.stdout
    assert re.search(r"entries: [1-9]", stats.stdout), stats.stdout

    cleared = vyre_cli("cache", "clear")
    assert cleared.returncode == 0, cleared.stderr
    assert str(cache_dir) in cleared.stdout
    assert not any(p.is_file() for p in cache_dir.rglob("*"))
    assert re.search(r"entries: 0\b", vyre_cli("cache", "stats").stdout)


def test_no_cache_stores_nothing(vyre_cli, write, cache_dir):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("run", "saxpy.vir", "--backend", "cpu_ref", "--size", "8", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert not any(p.is_file() for p in cache_dir.rglob("*"))


def test_unknown_action_is_a_usage_error(vyre_cli):
    result = vyre_cli("cache", "purge")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
