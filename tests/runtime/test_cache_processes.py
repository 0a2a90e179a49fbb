"""Several processes sharing one cache directory: no partial reads, no crashes, no bad code."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

import pytest

from tests.runtime.fakes import FakeBackend, scale_kernel
from vyre.backends.base import CompileOptions
from vyre.runtime import disk_cache
from vyre.runtime.pipeline_cache import PipelineCache

OPTS = CompileOptions()
ROOT = Path(__file__).resolve().parents[2]
# The repository first, then whatever the environment already needs (e.g. carried packages).
PYTHONPATH = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)


def _worker(directory: str, worker: int, rounds: int, disk_bytes: int) -> None:
    """Compile shared and private programs many times; exit non-zero on any wrong result."""
    backend = FakeBackend(padding=2000)
    try:
        for r in range(rounds):
            # A fresh PipelineCache each round, so every lookup goes to the disk.
            cache = PipelineCache(directory, memory_entries=0, disk_bytes=disk_bytes)
            for factor in (1, 2, 3, 4, 100 + worker, 200 + worker * 10 + r % 3):
                kernel = scale_kernel(factor)
                exe = cache.get_or_compile(kernel, backend, OPTS)
                if exe.artifact != backend.build(kernel, OPTS):  # type: ignore[attr-defined]
                    os._exit(3)
                backend.builds -= 1
    except BaseException:  # noqa: BLE001 - any exception in a worker is a failure
        os._exit(2)
    os._exit(0)


def _run_workers(directory: Path, disk_bytes: int, workers: int = 6, rounds: int = 15) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_worker, args=(str(directory), w, rounds, disk_bytes)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * workers


def _all_entries_intact(directory: Path) -> int:
    entries = list(directory.rglob("*" + disk_cache.SUFFIX))
    for path in entries:
        key = path.name.removesuffix(disk_cache.SUFFIX)
        assert disk_cache.unpack_entry(key, path.read_bytes()) is not None, f"{path} is damaged"
    assert not list(directory.rglob(disk_cache.TEMP_PREFIX + "*")), "temp files were left behind"
    return len(entries)


def test_processes_writing_same_and_different_keys(tmp_path: Path) -> None:
    _run_workers(tmp_path, disk_bytes=1 << 30)
    # 4 shared programs + per worker 1 private + 3 rotating ones.
    assert _all_entries_intact(tmp_path) == 4 + 6 * 4


def test_processes_writing_while_evicting(tmp_path: Path) -> None:
    entry = len(disk_cache.pack_entry("00" * 32, FakeBackend(padding=2000).build(scale_kernel(), OPTS)))
    _run_workers(tmp_path, disk_bytes=entry * 6)
    assert _all_entries_intact(tmp_path) <= 6 + 6  # each writer may overshoot by one before evicting


def test_a_new_process_hits_the_disk_cache(tmp_path: Path) -> None:
    backend = FakeBackend()
    PipelineCache(tmp_path).get_or_compile(scale_kernel(), backend, OPTS)
    script = textwrap.dedent("""
        from tests.runtime.fakes import FakeBackend, scale_kernel
        from vyre.backends.base import CompileOptions
        from vyre.runtime.pipeline_cache import compile_cached, default_cache
        backend = FakeBackend()
        exe = compile_cached(scale_kernel(), backend, CompileOptions())
        assert exe.artifact == backend.build(scale_kernel(), CompileOptions())
        print(backend.builds - 1, default_cache().stats().disk_hits)
    """)
    env = {**os.environ, "VYRE_CACHE_DIR": str(tmp_path), "PYTHONPATH": PYTHONPATH}
    env.pop("VYRE_CACHE", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "1"]  # no build, one disk hit


@pytest.mark.parametrize("value", ["0", "off"])
def test_vyre_cache_off_in_a_new_process(tmp_path: Path, value: str) -> None:
    script = textwrap.dedent("""
        from tests.runtime.fakes import FakeBackend, scale_kernel
        from vyre.backends.base import CompileOptions
        from vyre.runtime.pipeline_cache import compile_cached
        backend = FakeBackend()
        compile_cached(scale_kernel(), backend, CompileOptions())
        compile_cached(scale_kernel(), backend, CompileOptions())
        print(backend.builds)
    """)
    env = {**os.environ, "VYRE_CACHE_DIR": str(tmp_path / "c"), "VYRE_CACHE": value,
           "PYTHONPATH": PYTHONPATH}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2"]
    assert not (tmp_path / "c").exists()


def _forked_child_check(cache: PipelineCache, backend: FakeBackend) -> None:
    # The parent's loaded executables are not inherited; the shared disk entry is.
    if cache.stats().memory_entries != 0:
        os._exit(4)
    import gc

    gc.collect()
    if _Finalized.count:  # the parent's executables were finalized in the child
        os._exit(6)
    cache.get_or_compile(scale_kernel(), backend, OPTS)
    stats = cache.stats()
    os._exit(0 if (stats.disk_hits, backend.builds) == (1, 1) else 5)


class _Finalized(FakeBackend):
    """Its executables count their finalizations (a CUDA module unload, in a real backend)."""

    count = 0

    def load(self, artifact, kernel, options):  # type: ignore[no-untyped-def]
        exe = super().load(artifact, kernel, options)
        weakref.finalize(exe, _Finalized._bump)
        return exe

    @staticmethod
    def _bump() -> None:
        _Finalized.count += 1


def test_a_forked_child_drops_loaded_executables_but_keeps_the_disk(tmp_path: Path) -> None:
    backend = _Finalized()
    cache = PipelineCache(tmp_path)
    cache.get_or_compile(scale_kernel(), backend, OPTS)
    proc = multiprocessing.get_context("fork").Process(target=_forked_child_check, args=(cache, backend))
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0
    assert cache.stats().memory_entries == 1  # the parent keeps its own
