"""The cache with real backends: a hit (memory or disk) still computes the right result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import vyre
from vyre.backends.base import Executable
from vyre.runtime.pipeline_cache import PipelineCache

ROOT = Path(__file__).resolve().parents[2]
SAXPY = (ROOT / "examples" / "saxpy.vir").read_text()
# The same program reformatted and respelled: it must hit the same cache entry.
SAXPY_RESPELLED = """\
vir0
kernel saxpy workgroup(0x100) {
  param a: f32
  buffer x: f32[] read
  buffer y: f32[] read_write
  let i: u32 = gid.x
  if (i < len(y)) { y[i] = (a * x[i]) + y[i] }
}
"""


def _args(n: int = 1000) -> tuple[dict, np.ndarray]:
    x = np.arange(n, dtype=np.float32)
    y = np.full(n, 0.5, dtype=np.float32)
    return {"a": np.float32(3.0), "x": x, "y": y.copy()}, 3.0 * x + y


def _check(exe: Executable) -> None:
    args, expected = _args()
    np.testing.assert_array_equal(exe(**args)["y"], expected)


@pytest.mark.parametrize("backend", ["cpu_ref", "host_jit"])
def test_hits_compute_the_right_result(backend: str, tmp_path: Path) -> None:
    cold_cache = PipelineCache(tmp_path)
    cold = vyre.compile(SAXPY, backend=backend, cache=cold_cache)
    _check(cold)
    assert cold_cache.stats().misses == 1

    # In-process hit: the same executable, reformatted source and all.
    assert vyre.compile(SAXPY_RESPELLED, backend=backend, cache=cold_cache) is cold
    assert cold_cache.stats().memory_hits == 1

    # Disk hit in a cache with an empty memory layer, as in a new process.
    warm_cache = PipelineCache(tmp_path)
    warm = vyre.compile(SAXPY_RESPELLED, backend=backend, cache=warm_cache)
    assert warm is not cold
    _check(warm)
    stats = warm_cache.stats()
    assert (stats.disk_hits, stats.misses, stats.disk_entries) == (1, 0, 1)


def test_backends_do_not_share_entries(tmp_path: Path) -> None:
    cache = PipelineCache(tmp_path)
    vyre.compile(SAXPY, backend="cpu_ref", cache=cache)
    vyre.compile(SAXPY, backend="host_jit", cache=cache)
    assert cache.stats().disk_entries == 2 and cache.stats().misses == 2


def test_corrupt_host_jit_artifact_is_rebuilt(tmp_path: Path) -> None:
    cache = PipelineCache(tmp_path)
    vyre.compile(SAXPY, backend="host_jit", cache=cache)
    (entry,) = tmp_path.rglob("*.vyc")
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF
    entry.write_bytes(bytes(data))
    fresh = PipelineCache(tmp_path)
    _check(vyre.compile(SAXPY, backend="host_jit", cache=fresh))
    assert fresh.stats().disk_corrupt == 1 and fresh.stats().misses == 1
