"""Benchmark the cpu_ref interpreter on every example against the same work done in numpy.

Run from the repository root::

    python bench/bench_cpu_ref.py [--repeat 7] [--quick] [--out bench/results]

Each case times a full call of the compiled executable (argument binding, copies of the
writable buffers, the dispatch) and a numpy "peer" computing the same result directly; the
ratio is cpu_ref time / numpy time, both the best of ``--repeat`` runs in this one process.
Every cpu_ref result is checked against its peer before it is timed.  Results go to
``bench/results/cpu_ref-<date>.json`` with the machine, date, git commit and command.

Targets (docs: the cpu_ref task): saxpy over 1M f32 within 5x of ``a*x + y``; the tiled
256x256 matmul within a few seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import vyre  # noqa: E402
from bench._common import commit, cpu_name  # noqa: E402


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(best, median) wall time of ``repeat`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def example(name: str):
    return vyre.compile(vyre.load(ROOT / "examples" / f"{name}.vir"), backend="cpu_ref", cache=None)


# --- cases: (description, cpu_ref call, numpy peer, check) ---------------------------------
def case_saxpy(n: int, rng: np.random.Generator):
    exe = example("saxpy")
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    a = np.float32(2.5)
    return (f"{n} f32", lambda: exe(a=float(a), x=x, y=y)["y"], lambda: a * x + y, _same)


def case_matmul(n: int, rng: np.random.Generator):
    exe = example("matmul")
    a = rng.standard_normal(n * n).astype(np.float32)
    b = rng.standard_normal(n * n).astype(np.float32)
    g = -(-n // 16)
    c = np.zeros(n * n, np.float32)

    def peer():
        return (a.reshape(n, n) @ b.reshape(n, n)).ravel()

    return (f"{n}x{n} f32, 16x16 tiles", lambda: exe(grid=(g, g), n=n, a=a, b=b, c=c)["c"], peer,
            _close(1e-3))


def case_dot(n: int, rng: np.random.Generator):
    exe = example("dot")
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    w = -(-n // 256)
    partial = np.zeros(w, np.float32)

    def peer():
        p = np.zeros(w * 256, np.float32)
        p[:n] = x * y
        return p.reshape(w, 256).sum(axis=1)

    return (f"{n} f32", lambda: exe(x=x, y=y, partial=partial)["partial"], peer, _close(1e-3))


def case_histogram(n: int, rng: np.random.Generator):
    exe = example("histogram")
    data = rng.integers(0, 2**32, n, dtype=np.uint32)
    bins = np.zeros(256, np.uint32)
    return (f"{n} u32 into 256 bins", lambda: exe(data=data, bins=bins)["bins"],
            lambda: np.bincount(data & 255, minlength=256).astype(np.uint32), _same)


def case_prefix_sum(n: int, rng: np.random.Generator):
    exe = example("prefix_sum")
    src = rng.integers(0, 2**32, n, dtype=np.uint32)
    dst = np.zeros(n, np.uint32)

    def peer():
        p = np.zeros(-(-n // 256) * 256, np.uint32)
        p[:n] = src
        return np.cumsum(p.reshape(-1, 256), axis=1, dtype=np.uint32).ravel()[:n]

    return (f"{n} u32, blocks of 256", lambda: exe(src=src, dst=dst)["dst"], peer, _same)


def case_grid_stride(n: int, rng: np.random.Generator):
    exe = example("grid_stride")
    x = rng.standard_normal(n).astype(np.float32)
    out = np.zeros(n, np.float32)
    return (f"{n} f32, 64 workgroups", lambda: exe(grid=64, x=x, out=out)["out"],
            lambda: np.float32(2) * x + np.float32(1), _same)


def case_host_flag(n: int, rng: np.random.Generator):
    exe = example("host_flag")
    data = rng.standard_normal(n).astype(np.float32)
    progress = np.zeros(2, np.uint32)
    return (f"{n} f32", lambda: exe(data=data, progress=progress)["data"], lambda: data * data,
            _same)


def case_collatz(n: int, rng: np.random.Generator):
    exe = example("collatz")
    start = rng.integers(1, 2**20, n, dtype=np.uint64)
    steps = np.zeros(n, np.uint32)

    def peer():
        v = start.copy()
        count = np.zeros(n, np.uint32)
        live = np.flatnonzero(v > 1)
        while len(live):
            w = v[live]
            w = np.where(w % 2 == 0, w // 2, 3 * w + 1)
            v[live] = w
            count[live] += 1
            live = live[w > 1]
        return count

    return (f"{n} starts below 2**20", lambda: exe(start=start, steps=steps)["steps"], peer, _same)


def case_scan_bytes(n: int, rng: np.random.Generator):
    exe = example("scan_bytes")
    pattern = np.frombuffer(b"abab", np.uint8)
    text = rng.choice(np.frombuffer(b"ab c", np.uint8), n).astype(np.uint8)
    packed = np.frombuffer(text.tobytes() + bytes(-n % 4), "<u4").astype(np.uint32)
    m = len(pattern)
    table = np.zeros((m + 1, 256), np.uint32)
    for state in range(m + 1):
        for byte in range(256):
            seen = bytes(pattern[:state]) + bytes([byte])
            k = min(m, len(seen))
            while k > 0 and seen[len(seen) - k :] != bytes(pattern[:k]):
                k -= 1
            table[state, byte] = k
    chunk = 256
    jobs = -(-n // chunk)
    counts = np.zeros(jobs, np.uint32)

    def run():
        out = exe(grid=-(-jobs // 64), nbytes=n, chunk=chunk, accept=m, overlap=m - 1,
                  text=packed, table=table.ravel(), counts=counts)["counts"]
        return np.array([out.sum()])

    def peer():
        hit = np.ones(n - m + 1, bool)
        for k in range(m):
            hit &= text[k : n - m + 1 + k] == pattern[k]
        return np.array([hit.sum()], dtype=np.uint64)

    return (f"{n} bytes, chunks of {chunk}", run, peer, lambda a, b: int(a[0]) == int(b[0]))


def case_reduce_max(n: int, rng: np.random.Generator):
    exe = example("reduce_max")
    values = rng.integers(0, 2**32, n, dtype=np.uint32)
    result = np.zeros(1, np.uint32)
    return (f"{n} u32", lambda: exe(values=values, result=result)["result"],
            lambda: np.array([values.max()], np.uint32), _same)


def case_transpose(n: int, rng: np.random.Generator):
    exe = example("transpose")
    src = rng.standard_normal(n * n).astype(np.float32)
    dst = np.zeros(n * n, np.float32)
    g = -(-n // 16)
    return (f"{n}x{n} f32, 16x16 tiles",
            lambda: exe(grid=(g, g), rows=n, cols=n, src=src, dst=dst)["dst"],
            lambda: np.ascontiguousarray(src.reshape(n, n).T).ravel(), _same)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.tobytes() == np.asarray(b, a.dtype).tobytes()


def _close(tol: float) -> Callable[[np.ndarray, np.ndarray], bool]:
    return lambda a, b: bool(np.allclose(a, b, rtol=tol, atol=tol))


CASES = {
    "saxpy": (case_saxpy, 1 << 20, 1 << 16),
    "matmul": (case_matmul, 256, 64),
    "dot": (case_dot, 1 << 20, 1 << 16),
    "histogram": (case_histogram, 1 << 20, 1 << 16),
    "prefix_sum": (case_prefix_sum, 1 << 20, 1 << 16),
    "grid_stride": (case_grid_stride, 1 << 20, 1 << 16),
    "host_flag": (case_host_flag, 1 << 20, 1 << 16),
    "collatz": (case_collatz, 1 << 16, 1 << 12),
    "scan_bytes": (case_scan_bytes, 1 << 20, 1 << 16),
    "reduce_max": (case_reduce_max, 1 << 20, 1 << 16),
    "transpose": (case_transpose, 1024, 128),
}


def machine() -> dict[str, Any]:
    return {
        "cpu": cpu_name(), "cores": os.cpu_count(), "platform": platform.platform(),
        "python": platform.python_version(), "numpy": np.__version__,
        "load_average_1m": os.getloadavg()[0],  # other work on the machine skews timings
    }


def _shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--only", nargs="*", help="case names to run")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    results: dict[str, Any] = {}
    for name, (make, size, quick_size) in CASES.items():
        if args.only and name not in args.only:
            continue
        if not (ROOT / "examples" / f"{name}.vir").exists():
            continue
        what, run, peer, check = make(quick_size if args.quick else size, rng)
        if not check(run(), peer()):
            print(f"{name}: cpu_ref disagrees with the numpy peer", file=sys.stderr)
            return 1
        ours, ours_median = best_of(run, args.repeat)
        theirs, theirs_median = best_of(peer, args.repeat)
        results[name] = {
            "input": what, "cpu_ref_s": ours, "cpu_ref_median_s": ours_median,
            "numpy_s": theirs, "numpy_median_s": theirs_median, "ratio": ours / theirs,
        }
        print(f"{name:12s} {what:28s} cpu_ref {ours * 1e3:9.2f} ms   numpy {theirs * 1e3:8.2f} ms"
              f"   ratio {ours / theirs:7.1f}x")
    now = dt.datetime.now(dt.UTC)
    report = {
        "benchmark": "cpu_ref", "date": now.isoformat(timespec="seconds"),
        "git_commit": commit(), "command": " ".join(["python", _shown(Path(sys.argv[0])), *sys.argv[1:]]),
        "machine": machine(), "repeat": args.repeat, "quick": args.quick,
        "targets": {"saxpy_ratio_max": 5.0, "matmul_256_seconds_max": 3.0},
        "results": results,
    }
    if "saxpy" in results:
        report["targets"]["saxpy_ratio"] = results["saxpy"]["ratio"]
    if "matmul" in results:
        report["targets"]["matmul_seconds"] = results["matmul"]["cpu_ref_s"]
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"cpu_ref-{now:%Y-%m-%d}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    os.replace(tmp, path)  # atomic: readers never see half a file
    print(f"wrote {_shown(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
