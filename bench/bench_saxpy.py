"""saxpy over 64M f32 elements: effective bandwidth of vyre's examples/saxpy.vir vs peers.

Effective bandwidth counts 12 bytes per element (read x, read y, write y).  Device times are
CUDA-event medians of back-to-back launches (triton.testing.do_bench) for every contender:
vyre (Executable.enqueue on DeviceArrays), torch ``y.add_(x, alpha=a)``, a CuPy
ElementwiseKernel, and a Triton kernel.  A plain device-to-device copy gives the ceiling.

    python bench/bench_saxpy.py [--n N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench._common import device_ms, write_result  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=64 * 1024 * 1024)
    opts = ap.parse_args()
    n = opts.n
    import torch

    import vyre
    from vyre.backends.ptx import DeviceArray

    a = 1.75
    gen = torch.Generator(device="cuda").manual_seed(0)
    x = torch.randn(n, device="cuda", generator=gen)
    y0 = torch.randn(n, device="cuda", generator=gen)
    bytes_moved = 12 * n
    res: dict[str, object] = {"n": n, "bytes_per_elem": 12}

    # correctness first: one vyre call on fresh data against a float64 reference
    exe = vyre.compile(vyre.load(ROOT / "examples" / "saxpy.vir"), backend="ptx", cache=None)
    y = y0.clone()
    exe(a=a, x=x, y=y)
    ref = np.float32(a) * x.cpu().numpy() + y0.cpu().numpy()
    res["vyre_exact_vs_numpy_f32"] = bool(np.array_equal(y.cpu().numpy(), ref))

    dx = DeviceArray.empty(n, np.float32)
    dy = DeviceArray.empty(n, np.float32)
    torch.as_tensor(dx, device="cuda").copy_(x)
    torch.as_tensor(dy, device="cuda").copy_(y0)
    torch.cuda.synchronize()

    def run_vyre() -> None:
        exe.enqueue(a=a, x=dx, y=dy)

    def run_torch() -> None:
        y.add_(x, alpha=a)

    # The same computation with four elements per invocation (bench/kernels/saxpy_x4.vir).
    exe4 = vyre.compile(vyre.load(ROOT / "bench" / "kernels" / "saxpy_x4.vir"), backend="ptx", cache=None)
    y4 = y0.clone()
    grid4 = -(-n // 1024)
    exe4(grid=grid4, a=a, x=x, y=y4)
    res["vyre_x4_exact_vs_numpy_f32"] = bool(np.array_equal(y4.cpu().numpy(), ref))

    def run_vyre_x4() -> None:
        exe4.enqueue(grid=grid4, a=a, x=dx, y=dy)

    contenders = {"vyre": run_vyre, "vyre_x4": run_vyre_x4, "torch": run_torch}
    try:
        import cupy as cp

        k = cp.ElementwiseKernel("float32 a, raw float32 x", "float32 y", "y = a * x[i] + y", "bench_saxpy")
        cx, cy = cp.asarray(x), cp.asarray(y)
        af = np.float32(a)
        contenders["cupy"] = lambda: k(af, cx, cy)
    except ImportError:
        pass
    try:
        import triton
        import triton.language as tl

        @triton.jit
        def saxpy_kernel(x_ptr, y_ptr, a, n, BLOCK: tl.constexpr):
            offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
            m = offs < n
            tl.store(y_ptr + offs, a * tl.load(x_ptr + offs, mask=m) + tl.load(y_ptr + offs, mask=m), mask=m)

        grid = (triton.cdiv(n, 1024),)
        contenders["triton"] = lambda: saxpy_kernel[grid](x, y, a, n, BLOCK=1024)
    except ImportError:
        pass
    src, dst = torch.empty(3 * n, device="cuda"), torch.empty(3 * n, device="cuda")  # 12n bytes moved... x2
    contenders["copy_ceiling"] = lambda: dst.copy_(src)

    times: dict[str, list[float]] = {}
    for _round in range(2):  # twice, to see the spread between identical measurements
        for name, fn in contenders.items():
            times.setdefault(name, []).append(device_ms(fn))
    table = {}
    for name, ts in times.items():
        ms = min(ts)
        moved = 2 * 3 * n * 4 if name == "copy_ceiling" else bytes_moved
        table[name] = {"ms": ms, "ms_runs": ts, "TB_per_s": moved / (ms * 1e-3) / 1e12}
    res["results"] = table
    res["vyre_over_torch_bandwidth"] = table["vyre"]["TB_per_s"] / table["torch"]["TB_per_s"]
    res["vyre_x4_over_torch_bandwidth"] = table["vyre_x4"]["TB_per_s"] / table["torch"]["TB_per_s"]
    path = write_result("saxpy", res)
    print(f"wrote {path}")
    for name, r in table.items():
        print(f"{name:14s} {r['ms']:.4f} ms  {r['TB_per_s']:.3f} TB/s  runs={[round(t, 4) for t in r['ms_runs']]}")
    print(f"vyre/torch bandwidth ratio: {res['vyre_over_torch_bandwidth']:.3f}; exact: {res['vyre_exact_vs_numpy_f32']}")
    print(f"vyre_x4/torch bandwidth ratio: {res['vyre_x4_over_torch_bandwidth']:.3f}; exact: {res['vyre_x4_exact_vs_numpy_f32']}")


if __name__ == "__main__":
    main()
