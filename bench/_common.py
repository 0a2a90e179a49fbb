"""Shared helpers for the GPU benchmarks: timing, environment facts and result files.

Every benchmark times vyre and its peers in the same process on the same GPU, warms up
first, and reports medians of many repetitions (see bench/NOTES.md for the method).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def commit() -> str:
    """The git commit being measured: $VYRE_COMMIT, else git, else .whl/COMMIT.

    The GPU machine gets the tree without its .git, so a run there names the commit in
    .whl/COMMIT; where git answers, that marker may be stale and is not read.
    """
    if os.environ.get("VYRE_COMMIT"):
        return os.environ["VYRE_COMMIT"]
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    marker = ROOT / ".whl" / "COMMIT"
    return marker.read_text().strip() if marker.exists() else "unknown"


def cpu_name() -> str:
    """The host CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def environment() -> dict[str, Any]:
    """Device name, software versions, date, commit and the exact command."""
    env: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "python": platform.python_version(),
    }
    try:
        from vyre.backends.ptx import context

        dev = context.current()
        env["device"] = dev.name
        env["arch"] = dev.arch
        env["multiprocessors"] = dev.multiprocessors
    except Exception as exc:  # noqa: BLE001 - a benchmark without a GPU still records why
        env["device"] = f"unavailable: {exc}"
    for mod in ("torch", "cupy", "triton", "llvmlite", "numpy"):
        try:
            env[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - peers are optional
            env[mod] = None
    try:
        from cuda import bindings

        env["cuda_bindings"] = bindings.__version__
    except Exception:  # noqa: BLE001
        env["cuda_bindings"] = None
    return env


def wall_samples(fn: Callable[[], Any], reps: int, warmup: int) -> list[float]:
    """Seconds per call of ``fn`` (which must synchronize itself), after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    out = []
    clock = time.perf_counter
    for _ in range(reps):
        t0 = clock()
        fn()
        out.append(clock() - t0)
    return out


def summary(samples: list[float], scale: float = 1e6) -> dict[str, float]:
    """Median, p10, p90 and min of ``samples`` times ``scale`` (default: microseconds)."""
    s = sorted(samples)
    n = len(s)
    return {
        "median": statistics.median(s) * scale,
        "p10": s[n // 10] * scale,
        "p90": s[(9 * n) // 10] * scale,
        "min": s[0] * scale,
        "n": n,
    }


def fresh_cache_dirs() -> dict[str, str]:
    """Point every compile cache (vyre, CuPy, Triton) at new empty directories."""
    base = tempfile.mkdtemp(prefix="vyre-bench-")
    dirs = {name: os.path.join(base, name) for name in ("vyre", "cupy", "triton")}
    for d in dirs.values():
        os.makedirs(d)
    os.environ["VYRE_CACHE_DIR"] = dirs["vyre"]
    os.environ["CUPY_CACHE_DIR"] = dirs["cupy"]
    os.environ["TRITON_CACHE_DIR"] = dirs["triton"]
    return dirs


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` (with the environment) to $OUT/<name>.json, else bench/results/."""
    out_dir = Path(os.environ.get("OUT") or ROOT / "bench" / "results")
    out_dir.mkdir(parents=True, exist_ok=True)
    day = datetime.date.today().isoformat()
    path = out_dir / f"{name}-{day}.json"
    data = {"benchmark": name, **environment(), **payload}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)
    return path


def device_ms(fn: Callable[[], Any], warmup_ms: float = 50, rep_ms: float = 300) -> float:
    """Median device time of ``fn`` in milliseconds, timed with CUDA events (triton's do_bench).

    ``fn`` must only enqueue work on the default stream (no synchronize inside), so the
    events bracket the kernels and not the host's launch overhead.
    """
    from triton.testing import do_bench

    return float(do_bench(fn, warmup=warmup_ms, rep=rep_ms, return_mode="median"))


def rel_error(got: Any, ref: Any) -> float:
    """||got - ref|| / ||ref|| in float64."""
    import numpy as np

    g = np.asarray(got, dtype=np.float64)
    r = np.asarray(ref, dtype=np.float64)
    return float(np.linalg.norm(g - r) / np.linalg.norm(r))
