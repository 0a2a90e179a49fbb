"""Launch + synchronize latency with device-resident arrays: vyre vs raw cuda-python, CuPy, torch.

Each timed call launches one small kernel (saxpy over 1024 floats, or an empty kernel for
the raw floor) and waits for it; the median of many calls is reported in microseconds.
Also times loading a module from a cubin versus from PTX (the driver's JIT).

    python bench/bench_launch.py [--reps N]
"""

from __future__ import annotations

import argparse
import ctypes
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import summary, wall_samples, write_result  # noqa: E402
from vyre.backends.ptx import context, module, to_device  # noqa: E402
from vyre.backends.ptx import driver as drv  # noqa: E402

EMPTY_PTX = b"""
.version 7.8
.target sm_80
.address_size 64
.visible .entry empty()
{
    ret;
}
"""

SAXPY_VIR = Path(__file__).resolve().parent.parent / "examples" / "saxpy.vir"
N = 1024


def raw_floor(reps: int) -> dict[str, float]:
    """cuLaunchKernel + cuStreamSynchronize of an empty kernel, straight through cuda-python."""
    cuda = drv.driver()
    dev = context.current()
    fn = module.load_image(module.link_ptx(EMPTY_PTX)).function("empty")
    launch, sync, stream = cuda.cuLaunchKernel, cuda.cuStreamSynchronize, dev.stream

    def once() -> None:
        launch(fn, 1, 1, 1, 32, 1, 1, 0, stream, 0, 0)
        sync(stream)

    return summary(wall_samples(once, reps, reps // 10))


def vyre_saxpy(reps: int) -> tuple[dict[str, float], str]:
    """vyre's saxpy.vir on DeviceArrays, called as users call it."""
    import vyre

    exe = vyre.compile(vyre.load(SAXPY_VIR), backend="ptx", cache=None)
    rng = np.random.default_rng(0)
    x = to_device(rng.standard_normal(N).astype(np.float32))
    y = to_device(rng.standard_normal(N).astype(np.float32))
    names = {b.name for b in exe.kernel.buffers} | {p.name for p in exe.kernel.params}
    args = {"a": 2.0, "x": x, "y": y}
    assert names == set(args), names

    def once() -> None:
        exe(**args)

    return summary(wall_samples(once, reps, reps // 10)), "examples/saxpy.vir"


def raw_saxpy(reps: int) -> dict[str, float]:
    """The same saxpy cubin and arguments as vyre_saxpy, launched straight through cuda-python.

    vyre's overhead is its time minus this one: the kernel's own run time is in both.
    """
    import vyre
    from vyre.backends.base import CompileOptions
    from vyre.backends.ptx import PtxBackend
    from vyre.ir.infer import resolve

    kernel = resolve(vyre.load(SAXPY_VIR).kernel())
    backend = PtxBackend()
    exe = backend.load(backend.build(kernel, CompileOptions()), kernel, CompileOptions())
    rng = np.random.default_rng(0)
    x = to_device(rng.standard_normal(N).astype(np.float32))
    y = to_device(rng.standard_normal(N).astype(np.float32))
    exe(a=2.0, x=x, y=y)  # packs the parameters; the raw launches below reuse them
    cuda = drv.driver()
    fn = module.load_image(backend.build(kernel, CompileOptions())).function(kernel.name)
    launch, sync, stream, addr = cuda.cuLaunchKernel, cuda.cuStreamSynchronize, context.current().stream, exe._params_addr
    grid = -(-N // 256)

    def once() -> None:
        launch(fn, grid, 1, 1, 256, 1, 1, 0, stream, addr, 0)
        sync(stream)

    return summary(wall_samples(once, reps, reps // 10))


def cupy_saxpy(reps: int) -> dict[str, float] | None:
    try:
        import cupy as cp
    except ImportError:
        return None
    k = cp.ElementwiseKernel("float32 a, float32 x", "float32 y", "y = a * x + y", "saxpy_k")
    x = cp.random.standard_normal(N, dtype=cp.float32)
    y = cp.random.standard_normal(N, dtype=cp.float32)
    a = np.float32(2.0)
    stream = cp.cuda.get_current_stream()

    def once() -> None:
        k(a, x, y)
        stream.synchronize()

    return summary(wall_samples(once, reps, reps // 10))


def torch_saxpy(reps: int) -> dict[str, float] | None:
    try:
        import torch
    except ImportError:
        return None
    x = torch.randn(N, device="cuda")
    y = torch.randn(N, device="cuda")
    sync = torch.cuda.synchronize

    def once() -> None:
        y.add_(x, alpha=2.0)
        sync()

    return summary(wall_samples(once, reps, reps // 10))


def module_load_times(reps: int = 30) -> dict[str, dict[str, float]]:
    """cuModuleLoadData from a cubin vs from PTX text, for the empty kernel and saxpy.vir."""
    cuda = drv.driver()
    images = {"empty": EMPTY_PTX}
    try:
        import vyre
        from vyre.backends.base import CompileOptions
        from vyre.backends.ptx.backend import lower_to_ptx
        from vyre.ir.infer import resolve

        kernel = resolve(vyre.load(SAXPY_VIR).kernel())
        images["saxpy.vir"] = lower_to_ptx(kernel, context.current().arch, CompileOptions())
    except Exception as exc:  # noqa: BLE001 - report what could be measured
        print("saxpy.vir PTX unavailable:", exc)
    out = {}
    for name, ptx in images.items():
        cubin = module.link_ptx(ptx)
        for kind, image in (("cubin", cubin), ("ptx", ptx)):
            samples = []
            for _ in range(reps):
                t0 = time.perf_counter()
                handle = module._load_data(image)
                samples.append(time.perf_counter() - t0)
                drv.check("cuModuleUnload", cuda.cuModuleUnload(handle))
            out[f"{name}/{kind}"] = summary(samples, scale=1e3)  # milliseconds
        t0 = time.perf_counter()
        module.link_ptx(ptx)
        out[f"{name}/link_ptx_to_cubin_ms"] = {"once": (time.perf_counter() - t0) * 1e3}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20000)
    opts = ap.parse_args()
    ctypes.CDLL  # noqa: B018 - keep ctypes imported for cuda-python's pointer handling
    results: dict[str, object] = {"unit": "microseconds per launch+synchronize (median)", "n": N}
    results["raw_cuda_python_empty"] = raw_floor(opts.reps)
    try:
        results["vyre_saxpy"], results["vyre_source"] = vyre_saxpy(opts.reps)
    except Exception as exc:  # noqa: BLE001 - recorded, not hidden
        results["vyre_saxpy"] = {"error": f"{type(exc).__name__}: {exc}"}
    results["raw_cuda_python_saxpy"] = raw_saxpy(opts.reps)
    results["cupy_saxpy"] = cupy_saxpy(opts.reps)
    results["torch_saxpy"] = torch_saxpy(opts.reps)
    results["raw_cuda_python_empty_again"] = raw_floor(opts.reps)
    results["module_load_ms"] = module_load_times()
    path = write_result("launch", results)
    print(f"wrote {path}")
    print(f"{'what':32s} {'median us':>10s} {'p10':>8s} {'p90':>8s}")
    for key in ("raw_cuda_python_empty", "raw_cuda_python_saxpy", "vyre_saxpy", "cupy_saxpy", "torch_saxpy",
                "raw_cuda_python_empty_again"):
        r = results.get(key)
        if isinstance(r, dict) and "median" in r:
            print(f"{key:32s} {r['median']:10.2f} {r['p10']:8.2f} {r['p90']:8.2f}")
        else:
            print(f"{key:32s} {r}")
    for key, r in results["module_load_ms"].items():
        print(f"load {key:40s} {r}")


if __name__ == "__main__":
    main()
