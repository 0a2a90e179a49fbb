"""PtxBackend end to end: build artifacts, load them, call compiled kernels with every array kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import vyre
from vyre.backends.base import CompileOptions
from vyre.backends.ptx import (
    DeviceArray,
    HostMappedArray,
    PtxBackend,
    host_mapped,
    module,
    to_device,
)
from vyre.errors import ArgumentError
from vyre.ir.infer import resolve

pytestmark = pytest.mark.gpu
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _kernel(name: str):
    return resolve(vyre.load(EXAMPLES / f"{name}.vir").kernel())


@pytest.fixture(scope="module")
def saxpy():
    return vyre.compile(vyre.load(EXAMPLES / "saxpy.vir"), backend="ptx", cache=None)


def _xy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)


def test_build_gives_a_cubin_for_the_gpu_and_load_runs_it() -> None:
    backend = PtxBackend()
    opts = CompileOptions()
    assert backend.target(opts).startswith("sm_")
    kernel = _kernel("saxpy")
    artifact = backend.build(kernel, opts)
    assert artifact.startswith(module.ELF_MAGIC)
    exe = backend.load(artifact, kernel, opts)
    x, y = _xy(777, 1)
    np.testing.assert_array_equal(exe(a=2.0, x=x, y=y)["y"], np.float32(2.0) * x + y)


def test_ptx_text_artifact_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VYRE_PTX_ARTIFACT", "ptx")
    backend = PtxBackend()
    kernel = _kernel("saxpy")
    artifact = backend.build(kernel, CompileOptions())
    assert b".entry saxpy" in artifact
    x, y = _xy(300, 2)
    out = backend.load(artifact, kernel, CompileOptions())(a=-1.5, x=x, y=y)
    np.testing.assert_array_equal(out["y"], np.float32(-1.5) * x + y)


def test_explicit_older_arch_builds_ptx_that_runs_here() -> None:
    kernel = _kernel("saxpy")
    artifact = PtxBackend().build(kernel, CompileOptions(arch="sm_80"))
    assert b".target sm_80" in artifact  # portable PTX, JIT-compiled for this GPU at load
    exe = vyre.compile(vyre.load(EXAMPLES / "saxpy.vir"), backend="ptx", arch="sm_80", cache=None)
    x, y = _xy(100, 3)
    np.testing.assert_array_equal(exe(a=0.25, x=x, y=y)["y"], np.float32(0.25) * x + y)


def test_device_arrays_are_resident_and_returned(saxpy) -> None:
    x, y = _xy(4096, 4)
    dx, dy = to_device(x), to_device(y)
    out = saxpy(a=2.0, x=dx, y=dy)
    assert out["y"] is dy and isinstance(dy, DeviceArray)
    saxpy(a=3.0, x=dx, y=dy)
    np.testing.assert_array_equal(dy.numpy(), np.float32(3.0) * x + (np.float32(2.0) * x + y))


def test_mixed_numpy_and_device_arrays(saxpy) -> None:
    x, y = _xy(1000, 5)
    out = saxpy(a=1.0, x=to_device(x), y=y)
    assert isinstance(out["y"], np.ndarray)
    np.testing.assert_array_equal(out["y"], x + y)


def test_cupy_zero_copy(saxpy) -> None:
    cp = pytest.importorskip("cupy")
    x, y = _xy(2049, 6)
    cx, cy = cp.asarray(x), cp.asarray(y)
    assert saxpy(a=0.5, x=cx, y=cy)["y"] is cy
    np.testing.assert_array_equal(cp.asnumpy(cy), np.float32(0.5) * x + y)


def test_torch_zero_copy_and_ordering_with_torch_work(saxpy) -> None:
    torch = pytest.importorskip("torch")
    x, y = _xy(1 << 20, 7)
    tx = torch.from_numpy(x).cuda()
    ty = torch.from_numpy(y).cuda()
    ty.mul_(2.0)  # queued by torch; vyre's kernel must see it
    assert saxpy(a=1.0, x=tx, y=ty)["y"] is ty
    np.testing.assert_array_equal(ty.cpu().numpy(), x + np.float32(2.0) * y)
    with pytest.raises(ArgumentError):
        saxpy(a=1.0, x=tx.double(), y=ty)


def test_host_mapped_buffer_with_numpy_and_mapped_arrays() -> None:
    exe = vyre.compile(vyre.load(EXAMPLES / "host_flag.vir"), backend="ptx", cache=None)
    rng = np.random.default_rng(8)
    data = rng.standard_normal(1000).astype(np.float32)
    out = exe(data=data, progress=np.zeros(2, np.uint32))
    np.testing.assert_array_equal(out["data"], data * data)
    assert out["progress"].tolist() == [1000, 1]
    progress = host_mapped(np.zeros(2, np.uint32))
    assert isinstance(progress, HostMappedArray)
    view = progress.numpy()
    out = exe(data=to_device(data), progress=progress)
    assert out["progress"] is progress
    assert view.tolist() == [1000, 1]
    with pytest.raises(ArgumentError):
        exe(data=data, progress=to_device(np.zeros(2, np.uint32)))


def test_omitted_static_write_buffer_starts_zeroed() -> None:
    src = """vir0
kernel k workgroup(8) {
  buffer x: u32[] read
  buffer out: u32[8] write
  let i = gid.x
  if i < len(x) {
    out[i] = x[i] + 1
  }
}
"""
    exe = vyre.compile(src, backend="ptx", cache=None)
    assert exe(x=np.arange(8, dtype=np.uint32))["out"].tolist() == list(range(1, 9))
    # the staging memory of the last call is reused; the untouched elements must be zero again
    assert exe(x=np.full(3, 7, np.uint32))["out"].tolist() == [8, 8, 8, 0, 0, 0, 0, 0]


def test_enqueue_returns_before_the_kernel_is_waited_for(saxpy) -> None:
    from vyre.backends.ptx import synchronize

    x, y = _xy(1 << 16, 11)
    dx, dy = to_device(x), to_device(y)
    for _ in range(3):
        assert saxpy.enqueue(a=1.0, x=dx, y=dy)["y"] is dy
    synchronize()
    np.testing.assert_array_equal(dy.numpy(), ((y + x) + x) + x)


def test_argument_errors_match_the_other_backends(saxpy) -> None:
    x, y = _xy(10, 9)
    for bad, code in [
        ({"a": 1.0, "x": x, "y": y.astype(np.float64)}, "V404"),
        ({"a": 1.0, "x": x}, "V401"),
        ({"a": 1.0, "x": x, "y": y, "z": y}, "V402"),
        ({"a": 1e39, "x": x, "y": y}, "V408"),
        ({"a": 1.0, "x": to_device(x), "y": to_device(y.reshape(2, 5))}, "V406"),
    ]:
        with pytest.raises(ArgumentError) as info:
            saxpy(**bad)
        assert info.value.code == code, bad


def test_warm_cache_load_is_fast(tmp_path: Path) -> None:
    """A second compile of the same program loads the cached cubin (<= 5 ms on an H100)."""
    import time

    from vyre.runtime.pipeline_cache import PipelineCache

    src = (EXAMPLES / "saxpy.vir").read_text().replace("saxpy", "saxpy_warm")
    vyre.compile(src, backend="ptx", cache=PipelineCache(tmp_path))
    fresh = PipelineCache(tmp_path)  # a new process's view: disk only
    module._modules.clear()
    t0 = time.perf_counter()
    exe = vyre.compile(src, backend="ptx", cache=fresh)
    elapsed = time.perf_counter() - t0
    x, y = _xy(50, 10)
    np.testing.assert_array_equal(exe(a=1.0, x=x, y=y)["y"], x + y)
    assert elapsed < 0.05, f"warm load took {elapsed * 1e3:.1f} ms"


def test_calls_from_other_threads(saxpy) -> None:
    import threading

    x, y = _xy(3000, 12)
    results: list[tuple[np.ndarray, np.ndarray]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            out = saxpy(a=2.0, x=x, y=y)["y"]
            results.append((out, to_device(x).numpy()))  # one append: pairs stay together
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 4
    for out, copy in results:
        np.testing.assert_array_equal(out, np.float32(2.0) * x + y)
        np.testing.assert_array_equal(copy, x)


def test_enqueue_with_host_mapped_numpy_inputs_keeps_each_calls_data() -> None:
    src = """vir0
kernel k workgroup(64) {
  buffer h: u32[] read host
  buffer out: u32[] read_write
  let i = gid.x
  if i < len(out) {
    var acc = out[i]
    for j in 0..200 {
      acc = acc * 1664525 + h[i] + j
    }
    out[i] = acc
  }
}
"""
    exe = vyre.compile(src, backend="ptx", cache=None)
    n = 4096
    out = to_device(np.zeros(n, np.uint32))
    expected = np.zeros(n, np.uint64)
    for step in range(5):
        h = np.full(n, step + 1, np.uint32)
        exe.enqueue(h=h, out=out)  # the next call must not overwrite h while this one runs
        for j in range(200):
            expected = (expected * 1664525 + step + 1 + j) % 2**32
    np.testing.assert_array_equal(out.numpy(), expected.astype(np.uint32))
