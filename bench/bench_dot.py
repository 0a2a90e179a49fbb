"""Dot product of two 64M-element f32 vectors: vyre's examples/dot.vir vs torch.dot.

dot.vir reduces each workgroup of 256 elements to one partial sum.  The whole reduction on
vyre is that kernel applied repeatedly (x = partials, y = ones) until one value is left:
64M -> 256K -> 1K -> 4 -> 1, four launches.  The minimum traffic is 8 bytes per element
(read x and y once).  Device times are CUDA-event medians (triton.testing.do_bench).

    python bench/bench_dot.py [--n N]
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
    n = ap.parse_args().n
    import torch

    import vyre
    from vyre.backends.ptx import DeviceArray

    exe = vyre.compile(vyre.load(ROOT / "examples" / "dot.vir"), backend="ptx", cache=None)
    gen = torch.Generator(device="cuda").manual_seed(1)
    x = torch.randn(n, device="cuda", generator=gen)
    y = torch.randn(n, device="cuda", generator=gen)

    # The chain of partial-sum buffers, allocated once.
    sizes = [n]
    while sizes[-1] > 1:
        sizes.append(-(-sizes[-1] // 256))
    partials = [DeviceArray.empty(s, np.float32) for s in sizes[1:]]
    ones = [torch.ones(s, device="cuda") for s in sizes[1:-1]]

    def run_vyre_first_pass() -> None:
        exe.enqueue(x=x, y=y, partial=partials[0])

    def run_vyre_full() -> None:
        exe.enqueue(x=x, y=y, partial=partials[0])
        for i in range(1, len(partials)):
            exe.enqueue(x=partials[i - 1], y=ones[i - 1], partial=partials[i])

    out = torch.empty((), device="cuda")

    def run_torch() -> None:
        torch.dot(x, y, out=out)

    run_vyre_full()
    torch.cuda.synchronize()
    got = float(partials[-1].numpy()[0])
    ref = float(np.dot(x.cpu().numpy().astype(np.float64), y.cpu().numpy().astype(np.float64)))
    torch_val = float(torch.dot(x, y))
    times: dict[str, list[float]] = {}
    for _round in range(2):
        for name, fn in (("vyre_full", run_vyre_full), ("vyre_first_pass", run_vyre_first_pass),
                         ("torch", run_torch)):
            times.setdefault(name, []).append(device_ms(fn))
    table = {name: {"ms": min(ts), "ms_runs": ts, "TB_per_s": 8 * n / (min(ts) * 1e-3) / 1e12}
             for name, ts in times.items()}
    res = {
        "n": n,
        "launches_vyre_full": len(partials),
        "results": table,
        "vyre_value": got,
        "torch_value": torch_val,
        "float64_reference": ref,
        "vyre_abs_error": abs(got - ref),
        "torch_abs_error": abs(torch_val - ref),
        "vyre_full_over_torch_time": table["vyre_full"]["ms"] / table["torch"]["ms"],
    }
    path = write_result("dot", res)
    print(f"wrote {path}")
    for name, r in table.items():
        print(f"{name:16s} {r['ms']:.4f} ms  {r['TB_per_s']:.3f} TB/s  runs={[round(t, 4) for t in r['ms_runs']]}")
    print(f"value vyre={got:.6f} torch={torch_val:.6f} f64={ref:.6f}")


if __name__ == "__main__":
    main()
