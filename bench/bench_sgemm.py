"""4096 x 4096 fp32 matrix product: vyre's examples/matmul.vir (16x16 shared tiles) vs torch.mm.

TF32 is disabled for torch so both compute in full fp32.  Device times are CUDA-event
medians (triton.testing.do_bench); accuracy is ||C - C64|| / ||C64|| against float64.

    python bench/bench_sgemm.py [--n N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import device_ms, write_result  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4096)
    n = ap.parse_args().n
    import torch

    import vyre

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    exe = vyre.compile(vyre.load(ROOT / "examples" / "matmul.vir"), backend="ptx", cache=None)
    gen = torch.Generator(device="cuda").manual_seed(2)
    a = torch.randn(n, n, device="cuda", generator=gen)
    b = torch.randn(n, n, device="cuda", generator=gen)
    c = torch.full((n, n), float("nan"), device="cuda")  # poisoned: every element must be written
    g = -(-n // 16)
    af, bf, cf = a.view(-1), b.view(-1), c.view(-1)

    def run_vyre() -> None:
        exe.enqueue(grid=(g, g), n=n, a=af, b=bf, c=cf)

    c_torch = torch.empty(n, n, device="cuda")

    def run_torch() -> None:
        torch.mm(a, b, out=c_torch)

    run_vyre()
    run_torch()
    torch.cuda.synchronize()
    ref = torch.mm(a.double(), b.double())
    err_vyre = float((c.double() - ref).norm() / ref.norm())
    err_torch = float((c_torch.double() - ref).norm() / ref.norm())
    times: dict[str, list[float]] = {}
    for _round in range(2):
        for name, fn in (("vyre", run_vyre), ("torch_fp32", run_torch)):
            times.setdefault(name, []).append(device_ms(fn, rep_ms=500))
    flops = 2 * n**3
    table = {name: {"ms": min(ts), "ms_runs": ts, "TFLOP_per_s": flops / (min(ts) * 1e-3) / 1e12}
             for name, ts in times.items()}
    res = {
        "n": n,
        "tf32": False,
        "results": table,
        "rel_error_vyre": err_vyre,
        "rel_error_torch": err_torch,
        "vyre_over_torch_throughput": table["vyre"]["TFLOP_per_s"] / table["torch_fp32"]["TFLOP_per_s"],
    }
    path = write_result("sgemm", res)
    print(f"wrote {path}")
    for name, r in table.items():
        print(f"{name:12s} {r['ms']:.3f} ms  {r['TFLOP_per_s']:.2f} TFLOP/s  runs={[round(t, 3) for t in r['ms_runs']]}")
    print(f"rel error vyre={err_vyre:.2e} torch={err_torch:.2e}")


if __name__ == "__main__":
    main()
