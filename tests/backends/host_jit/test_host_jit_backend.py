"""The backend interface: registry, artifacts (object code), loading, the public API, errors."""

from __future__ import annotations

import time

import numpy as np
import pytest
from host_jit_support import BACKEND, resolved

import vyre
from vyre.backends import registry
from vyre.backends.base import CompileOptions
from vyre.backends.host_jit import HostJitBackend
from vyre.errors import ArgumentError, BackendError, LoweringError

SRC = """vir0
kernel scale workgroup(16) {
  param s: u32
  buffer x: u32[] read_write
  let i = gid.x
  if i < len(x) {
    x[i] = x[i] * s + i
  }
}
"""


def test_registered_as_host_jit_and_available():
    backend = registry.get("host_jit")
    assert isinstance(backend, HostJitBackend)
    assert backend.name == "host_jit" and backend.unavailable_reason() is None
    assert ":" in backend.target(CompileOptions())  # triple:cpu, part of the cache key


def test_artifact_is_object_code_that_loads_without_rebuilding(monkeypatch):
    k = resolved(SRC)
    artifact = BACKEND.build(k, CompileOptions())
    assert artifact.startswith(b"VYRE-HOSTJIT-1\0")

    import vyre.lower.target as target

    def no_llvm(*a, **kw):
        raise AssertionError("load() must not run the optimiser")

    monkeypatch.setattr(target, "optimize", no_llvm)
    exe = BACKEND.load(artifact, k, CompileOptions())
    out = exe(s=3, x=np.arange(40, dtype=np.uint32))
    assert out["x"].tolist() == [3 * i + i for i in range(40)]
    # two loads of one artifact are independent engines
    exe2 = BACKEND.load(artifact, k, CompileOptions())
    assert exe2(s=1, x=np.ones(5, np.uint32))["x"].tolist() == [1, 2, 3, 4, 5]
    assert exe(s=0, x=np.ones(2, np.uint32))["x"].tolist() == [0, 1]


@pytest.mark.parametrize("damage", ["foreign", "flipped", "truncated", "other_cpu"])
def test_damaged_artifacts_are_backend_errors_not_crashes(damage):
    from vyre.backends.host_jit import artifact as envelope

    k = resolved(SRC)
    good = BACKEND.build(k, CompileOptions())
    bad = {
        "foreign": b"definitely not an object file",
        "flipped": good[:-10] + bytes([good[-10] ^ 0xFF]) + good[-9:],
        "truncated": good[: len(good) // 2],
        "other_cpu": envelope.pack(envelope.unpack(good, BACKEND.target(CompileOptions()), "k"), "riscv64:foo"),
    }[damage]
    with pytest.raises(BackendError) as e:
        BACKEND.load(bad, k, CompileOptions())
    assert e.value.code == "V531" and "cache" in e.value.fix


def test_public_api_compiles_and_runs_on_host_jit():
    exe = vyre.compile(SRC, backend="host_jit", cache=None)
    x = np.arange(10, dtype=np.uint32)
    out = exe(s=2, x=x)
    assert out["x"].tolist() == [3 * i for i in range(10)]
    assert x.tolist() == list(range(10))  # the caller's array is not modified


def test_arguments_are_checked_by_the_shared_binder():
    exe = vyre.compile(SRC, backend="host_jit", cache=None)
    with pytest.raises(ArgumentError):
        exe(s=2, x=np.arange(10, dtype=np.int64))
    with pytest.raises(ArgumentError):
        exe(x=np.arange(10, dtype=np.uint32))


def test_opt_levels_agree():
    k = resolved(SRC)
    outs = []
    for level in (0, 1, 2, 3):
        o = CompileOptions(opt_level=level)
        outs.append(BACKEND.load(BACKEND.build(k, o), k, o)(s=7, x=np.arange(33, dtype=np.uint32))["x"].tolist())
    assert all(o == outs[0] for o in outs)
    with pytest.raises(LoweringError):
        BACKEND.build(k, CompileOptions(opt_level=4))


def test_empty_buffers_and_default_grid():
    exe = vyre.compile(SRC, backend="host_jit", cache=None)
    assert exe(s=1, x=np.zeros(0, np.uint32))["x"].tolist() == []


def test_small_kernels_build_quickly():
    k = resolved(SRC)
    BACKEND.build(k, CompileOptions())  # warm-up: target machines, LLVM initialisation
    start = time.perf_counter()
    for _ in range(5):
        BACKEND.build(k, CompileOptions())
    per_build = (time.perf_counter() - start) / 5
    assert per_build < 0.5, f"{per_build * 1000:.0f} ms per build"


def test_concurrent_calls_of_one_executable_do_not_share_state():
    import threading

    exe = vyre.compile("""vir0
kernel k workgroup(8) {
  param s: u32
  shared t: u32[8]
  buffer out: u32[] write
  t[lid.x] = gid.x * s
  barrier()
  out[gid.x] = t[7 - lid.x]
}
""", backend="host_jit", cache=None)
    results: dict[int, list[int]] = {}

    def work(s: int) -> None:
        for _ in range(20):
            results[s] = exe(grid=4, s=s, out=np.zeros(32, np.uint32))["out"].tolist()

    threads = [threading.Thread(target=work, args=(s,)) for s in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in range(1, 5):
        assert results[s] == [(w * 8 + 7 - lx) * s for w in range(4) for lx in range(8)]
