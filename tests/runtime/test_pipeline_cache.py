"""compile_cached and PipelineCache: layers, cache= arguments, environment, stats and clear."""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from tests.runtime.fakes import FakeBackend, FakeExecutable, scale_kernel
from vyre.backends.base import CompileOptions
from vyre.errors import CacheError
from vyre.runtime import pipeline_cache as pc
from vyre.runtime.pipeline_cache import (
    CacheWarning,
    PipelineCache,
    compile_cached,
    default_cache,
    reset_default_cache,
)

OPTS = CompileOptions()


@pytest.fixture(autouse=True)
def _fresh_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Each test gets its own default cache under tmp_path, read from a clean environment."""
    for var in ("VYRE_CACHE", "VYRE_CACHE_DIR", "VYRE_CACHE_MAX_BYTES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    reset_default_cache()
    yield
    reset_default_cache()


def test_memory_hit_returns_the_same_executable_without_building(tmp_path: Path) -> None:
    backend = FakeBackend()
    cache = PipelineCache(tmp_path)
    first = cache.get_or_compile(scale_kernel(), backend, OPTS)
    second = cache.get_or_compile(scale_kernel(), backend, OPTS)  # equal, not identical
    assert second is first
    assert (backend.builds, backend.loads) == (1, 1)
    stats = cache.stats()
    assert (stats.memory_hits, stats.misses, stats.hits) == (1, 1, 1)


def test_disk_hit_in_a_new_cache_loads_without_building(tmp_path: Path) -> None:
    backend = FakeBackend()
    PipelineCache(tmp_path).get_or_compile(scale_kernel(), backend, OPTS)
    fresh = PipelineCache(tmp_path)  # as a new process would see it
    exe = fresh.get_or_compile(scale_kernel(), backend, OPTS)
    assert isinstance(exe, FakeExecutable)
    assert (backend.builds, backend.loads) == (1, 2)
    stats = fresh.stats()
    assert (stats.disk_hits, stats.misses, stats.disk_entries) == (1, 0, 1)
    assert stats.disk_bytes > len(exe.artifact)
    # ... and it is in the memory layer now.
    assert fresh.get_or_compile(scale_kernel(), backend, OPTS) is exe
    assert backend.loads == 2


def test_different_programs_get_different_entries(tmp_path: Path) -> None:
    backend = FakeBackend()
    cache = PipelineCache(tmp_path)
    a = cache.get_or_compile(scale_kernel(2), backend, OPTS)
    b = cache.get_or_compile(scale_kernel(3), backend, OPTS)
    assert a is not b and a.artifact != b.artifact
    assert backend.builds == 2
    assert cache.stats().disk_entries == 2


def test_options_and_arch_are_part_of_the_key(tmp_path: Path) -> None:
    backend = FakeBackend()
    cache = PipelineCache(tmp_path)
    for options in (CompileOptions(), CompileOptions(arch="sm_80"), CompileOptions(arch="sm_90"),
                    CompileOptions(opt_level=0)):
        cache.get_or_compile(scale_kernel(), backend, options)
    assert backend.builds == 4


@pytest.mark.parametrize("off", [None, False])
def test_no_cache_builds_every_time(off: object, tmp_path: Path) -> None:
    backend = FakeBackend()
    a = compile_cached(scale_kernel(), backend, OPTS, cache=off)
    b = compile_cached(scale_kernel(), backend, OPTS, cache=off)
    assert a is not b and backend.builds == 2
    assert not (tmp_path / "xdg").exists()


def test_cache_argument_may_be_a_directory_string_or_path(tmp_path: Path) -> None:
    backend = FakeBackend()
    a = compile_cached(scale_kernel(), backend, OPTS, cache=str(tmp_path / "c"))
    b = compile_cached(scale_kernel(), backend, OPTS, cache=tmp_path / "c")
    assert b is a and backend.builds == 1
    assert list((tmp_path / "c").rglob("*.vyc"))


def test_cache_argument_may_be_a_pipeline_cache(tmp_path: Path) -> None:
    backend = FakeBackend()
    cache = PipelineCache(None)
    a = compile_cached(scale_kernel(), backend, OPTS, cache=cache)
    assert compile_cached(scale_kernel(), backend, OPTS, cache=cache) is a
    assert cache.directory is None and cache.stats().memory_entries == 1


@pytest.mark.parametrize("bad", [42, "", b"/tmp", 1.5])
def test_bad_cache_argument_is_a_cache_error(bad: object) -> None:
    with pytest.raises(CacheError) as info:
        compile_cached(scale_kernel(), FakeBackend(), OPTS, cache=bad)
    assert info.value.code == "V603" and "Fix:" in str(info.value)


def test_cache_true_means_the_default_cache(tmp_path: Path) -> None:
    backend = FakeBackend()
    a = compile_cached(scale_kernel(), backend, OPTS, cache=True)
    assert compile_cached(scale_kernel(), backend, OPTS, cache="default") is a


def test_default_cache_lives_under_xdg_cache_home(tmp_path: Path) -> None:
    backend = FakeBackend()
    compile_cached(scale_kernel(), backend, OPTS)
    assert default_cache().directory == tmp_path / "xdg" / "vyre"
    assert list((tmp_path / "xdg" / "vyre").rglob("*.vyc"))


def test_default_cache_falls_back_to_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert pc.default_directory() == tmp_path / "home" / ".cache" / "vyre"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # ignored, as the XDG spec says
    assert pc.default_directory() == tmp_path / "home" / ".cache" / "vyre"


def test_vyre_cache_dir_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VYRE_CACHE_DIR", str(tmp_path / "mine"))
    compile_cached(scale_kernel(), FakeBackend(), OPTS)
    assert default_cache().directory == tmp_path / "mine"
    assert list((tmp_path / "mine").rglob("*.vyc"))


def test_vyre_cache_0_turns_the_default_cache_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VYRE_CACHE", "0")
    backend = FakeBackend()
    a = compile_cached(scale_kernel(), backend, OPTS)
    b = compile_cached(scale_kernel(), backend, OPTS)
    assert a is not b and backend.builds == 2
    assert default_cache().directory is None
    assert not (tmp_path / "xdg").exists()


def test_explicit_directory_that_is_a_file_is_a_cache_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("not a directory")
    with pytest.raises(CacheError) as info:
        compile_cached(scale_kernel(), FakeBackend(), OPTS, cache=target)
    assert info.value.code == "V601"
    assert str(target) in info.value.message and "Fix:" in str(info.value)


def test_unusable_vyre_cache_dir_warns_once_and_keeps_memory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("not a directory")
    monkeypatch.setenv("VYRE_CACHE_DIR", str(target))
    backend = FakeBackend()
    with pytest.warns(CacheWarning, match="memory-only"):
        a = compile_cached(scale_kernel(), backend, OPTS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compile_cached(scale_kernel(), backend, OPTS) is a
    assert backend.builds == 1 and default_cache().directory is None


def test_bad_max_bytes_is_a_cache_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VYRE_CACHE_MAX_BYTES", "lots")
    with pytest.raises(CacheError) as info:
        default_cache()
    assert info.value.code == "V602"


def test_build_errors_propagate_and_cache_nothing(tmp_path: Path) -> None:
    class Failing(FakeBackend):
        def build(self, kernel, options):  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    cache = PipelineCache(tmp_path)
    with pytest.raises(RuntimeError):
        cache.get_or_compile(scale_kernel(), Failing(), OPTS)
    assert cache.stats().disk_entries == 0 and len(cache.memory) == 0


def test_load_errors_of_a_fresh_build_propagate_and_cache_nothing(tmp_path: Path) -> None:
    from vyre.errors import BackendError

    class Unloadable(FakeBackend):
        def load(self, artifact, kernel, options):  # type: ignore[no-untyped-def]
            raise BackendError("cannot load here", code="V599", fix="use another backend")

    cache = PipelineCache(tmp_path)
    with pytest.raises(BackendError):
        cache.get_or_compile(scale_kernel(), Unloadable(), OPTS)
    assert cache.stats().disk_entries == 0 and len(cache.memory) == 0


def test_stats_and_clear(tmp_path: Path) -> None:
    backend = FakeBackend()
    cache = PipelineCache(tmp_path)
    for factor in range(3):
        cache.get_or_compile(scale_kernel(factor), backend, OPTS)
    cache.get_or_compile(scale_kernel(0), backend, OPTS)
    stats = cache.stats().as_dict()
    assert stats["misses"] == 3 and stats["memory_hits"] == 1
    assert stats["disk_entries"] == 3 and stats["memory_entries"] == 3
    assert stats["memory_bytes"] == sum(len(e.artifact) for e in cache.memory._entries.values())
    assert stats["directory"] == str(tmp_path)
    assert cache.clear() == 3
    after = cache.stats()
    assert (after.disk_entries, after.disk_bytes, after.memory_entries, after.memory_bytes) == (0, 0, 0, 0)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    cache.get_or_compile(scale_kernel(0), backend, OPTS)
    assert backend.builds == 4


def test_threads_asking_for_one_program_build_it_once(tmp_path: Path) -> None:
    class Slow(FakeBackend):
        def build(self, kernel, options):  # type: ignore[no-untyped-def]
            barrier_done.wait(5)
            return super().build(kernel, options)

    barrier_done = threading.Event()
    backend = Slow()
    cache = PipelineCache(tmp_path)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compile(scale_kernel(), backend, OPTS)))
               for _ in range(8)]
    for t in threads:
        t.start()
    barrier_done.set()
    for t in threads:
        t.join(10)
    assert len(results) == 8 and all(r is results[0] for r in results)
    assert backend.builds == 1


def test_a_disabled_cache_directory_is_none() -> None:
    cache = PipelineCache(None, memory_entries=0)
    backend = FakeBackend()
    cache.get_or_compile(scale_kernel(), backend, OPTS)
    cache.get_or_compile(scale_kernel(), backend, OPTS)
    assert backend.builds == 2 and cache.directory is None and cache.stats().misses == 2


def test_executable_from_a_hit_still_runs(tmp_path: Path) -> None:
    backend = FakeBackend()
    PipelineCache(tmp_path).get_or_compile(scale_kernel(), backend, OPTS)
    exe = PipelineCache(tmp_path).get_or_compile(scale_kernel(), backend, OPTS)
    out = exe()["loaded"]
    assert bytes(out) == backend.build(scale_kernel(), OPTS)
    assert isinstance(out, np.ndarray)


def test_a_relative_directory_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cache = PipelineCache("rel")
    assert cache.directory == tmp_path / "rel"
    monkeypatch.chdir("/")
    cache.get_or_compile(scale_kernel(), FakeBackend(), OPTS)
    assert list((tmp_path / "rel").rglob("*.vyc"))
