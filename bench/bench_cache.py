"""Compile-cache benchmark: cold compile versus a disk hit in a new process and a memory hit.

For each backend it measures, in one run and on one machine:

- ``cold``: build + load with no cache (the peer number every ratio is taken against);
- ``disk_hit_new_process``: the first ``compile_cached`` call of a fresh Python process whose
  cache directory already holds the artifact, up to a loaded kernel (target: <= 5 ms); each
  sample is its own process, after ``import vyre`` and loading the program;
- ``memory_hit``: ``compile_cached`` again in the same process (target: <= 50 us), for the
  same Kernel object and for an equal one parsed again;
- ``wire_decode``: ``vyre.ir.wire.decode`` of the program's encoding.

    python bench/bench_cache.py [--backend cpu_ref host_jit ptx] [--program FILE] [--procs N]

Results go to bench/results/cache-<backend>-<date>.json (or $OUT).  The default program is
examples/matmul.vir; host_jit runs examples/saxpy.vir by default (it has no barriers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, cpu_name, summary, wall_samples, write_result  # noqa: E402

DEFAULT_PROGRAMS = {
    "cpu_ref": "examples/matmul.vir",
    "ptx": "examples/matmul.vir",
    "host_jit": "examples/saxpy.vir",  # host_jit does not support barrier()
}
TARGET_DISK_HIT_MS = 5.0
TARGET_MEMORY_HIT_US = 50.0


def _load(program: str):  # type: ignore[no-untyped-def]
    """The program's first kernel, validated and resolved (what vyre.compile hands the cache)."""
    import vyre
    from vyre.ir.infer import resolve
    from vyre.ir.validate import validate

    module = vyre.load(program)
    validate(module)
    return resolve(module.kernels[0])


def child(backend_name: str, program: str, cache_dir: str | None) -> None:
    """One sample in a new process: a disk hit, or a cold compile when ``cache_dir`` is None.

    Prints the seconds the backend's runtime takes to start (``backend.target``: the CUDA
    context for ptx, LLVM's host target for host_jit), which any first compile or launch pays
    with or without a cache, and then the seconds of the compile itself.
    """
    from vyre.backends import registry
    from vyre.backends.base import CompileOptions
    from vyre.runtime.pipeline_cache import PipelineCache, compile_cached

    backend = registry.get(backend_name)
    kernel = _load(program)
    options = CompileOptions()
    t0 = time.perf_counter()
    backend.target(options)
    init = time.perf_counter() - t0
    if cache_dir is None:
        t0 = time.perf_counter()
        compile_cached(kernel, backend, options, cache=None)
        print(json.dumps({"init": init, "seconds": time.perf_counter() - t0}))
        return
    t0 = time.perf_counter()
    # The cache object is created inside the timed region, as the default cache is on a
    # process's first compile.
    cache = PipelineCache(cache_dir)
    exe = compile_cached(kernel, backend, options, cache=cache)
    first = time.perf_counter() - t0
    stats = cache.stats()
    assert stats.disk_hits == 1 and stats.misses == 0, stats
    assert exe is not None
    print(json.dumps({"init": init, "seconds": first}))


def _cold(backend, kernel, reps: int) -> list[float]:  # type: ignore[no-untyped-def]
    from vyre.backends.base import CompileOptions
    from vyre.runtime.pipeline_cache import compile_cached

    options = CompileOptions()
    return wall_samples(lambda: compile_cached(kernel, backend, options, cache=None), reps, warmup=1)


def _new_process_samples(backend_name: str, program: str, cache_dir: str | None,
                         procs: int) -> tuple[list[float], list[float]]:
    """Seconds of runtime start and of the first compile in each of ``procs`` new processes.

    The compile is cold when ``cache_dir`` is None, else a disk hit.
    """
    path = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p)}
    inits, samples = [], []
    for _ in range(procs):
        cmd = [sys.executable, __file__, "--child", backend_name, "--program", program]
        if cache_dir is not None:
            cmd += ["--cache-dir", cache_dir]
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise SystemExit(f"a measuring process failed ({' '.join(cmd)}):\n{out.stderr}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        inits.append(result["init"])
        samples.append(result["seconds"])
    return inits, samples


def bench_backend(backend_name: str, program: str | None, procs: int, reps: int) -> dict[str, Any]:
    from vyre.backends import registry
    from vyre.backends.base import CompileOptions
    from vyre.ir import wire
    from vyre.runtime.pipeline_cache import PipelineCache, compile_cached

    program = program or DEFAULT_PROGRAMS[backend_name]
    backend = registry.get(backend_name)
    kernel = _load(program)
    options = CompileOptions()

    cold = _cold(backend, kernel, reps=max(5, reps // 100))
    _, cold_new = _new_process_samples(backend_name, program, None, max(3, procs // 2))

    cache_dir = tempfile.mkdtemp(prefix="vyre-bench-cache-")
    try:
        cache = PipelineCache(cache_dir)
        compile_cached(kernel, backend, options, cache=cache)  # fill memory and disk
        same = wall_samples(lambda: compile_cached(kernel, backend, options, cache=cache), reps, warmup=100)
        equal = _load(program)  # an equal Kernel, not the same object: the key is recomputed
        fresh = [_load(program) for _ in range(reps)]
        it = iter(fresh)
        equal_samples = wall_samples(lambda: compile_cached(next(it), backend, options, cache=cache), reps, warmup=0)
        assert compile_cached(equal, backend, options, cache=cache) is compile_cached(kernel, backend, options, cache=cache)
        import vyre

        api = wall_samples(lambda: vyre.compile(kernel, backend=backend_name, cache=cache), reps, warmup=100)
        runtime_init, disk = _new_process_samples(backend_name, program, cache_dir, procs)
        entry_bytes = cache.stats().disk_bytes
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)

    blob = wire.encode(kernel)
    decode = wall_samples(lambda: wire.decode(blob), reps, warmup=50)

    cold_med = statistics.median(cold)
    cold_new_med = statistics.median(cold_new)
    disk_med = statistics.median(disk)
    mem_med = statistics.median(same)
    return {
        "method": {
            "cold_compile": "compile_cached(cache=None) repeated in this process: build + load",
            "cold_compile_new_process": "the first compile_cached(cache=None) of a fresh process, after import, "
                                        "parsing and runtime start",
            "disk_hit_new_process": "PipelineCache(dir) + the first compile_cached of a fresh process whose cache "
                                    "directory holds the entry, up to a loaded Executable; after import, "
                                    "parsing and runtime start",
            "runtime_start_new_process": "backend.target(options) in a fresh process: the CUDA context for ptx, "
                                         "LLVM's host target for host_jit; paid once per process, cache or not",
            "memory_hit_same_kernel": "compile_cached again with the same Kernel object",
            "memory_hit_equal_kernel": "compile_cached with an equal Kernel parsed again (its key is recomputed)",
            "memory_hit_vyre_compile": "vyre.compile(program, backend, cache) again with the same program object: "
                                       "the user-facing path, validation remembered per program",
            "statistics": "microseconds; median, p10, p90, min over n samples",
        },
        "backend": backend_name,
        "target": backend.target(options),
        "program": program,
        "artifact_bytes": entry_bytes,
        "cold_compile_us": summary(cold),
        "cold_compile_new_process_us": summary(cold_new),
        "disk_hit_new_process_us": summary(disk),
        "runtime_start_new_process_us": summary(runtime_init),
        "memory_hit_same_kernel_us": summary(same),
        "memory_hit_equal_kernel_us": summary(equal_samples),
        "memory_hit_vyre_compile_us": summary(api),
        "wire_bytes": len(blob),
        "wire_decode_us": summary(decode),
        # Each hit against the cold compile in the same setting: a new process's first compile,
        # or a repeated compile in a warm process.
        "ratios_to_cold": {
            "disk_hit_new_process": disk_med / cold_new_med,
            "memory_hit_same_kernel": mem_med / cold_med,
            "memory_hit_equal_kernel": statistics.median(equal_samples) / cold_med,
            "memory_hit_vyre_compile": statistics.median(api) / cold_med,
        },
        "targets": {
            "disk_hit_new_process_ms": TARGET_DISK_HIT_MS,
            "disk_hit_new_process_met": disk_med * 1e3 <= TARGET_DISK_HIT_MS,
            "memory_hit_us": TARGET_MEMORY_HIT_US,
            "memory_hit_met": mem_med * 1e6 <= TARGET_MEMORY_HIT_US,
            "memory_hit_vyre_compile_met": statistics.median(api) * 1e6 <= TARGET_MEMORY_HIT_US,
        },
    }


def _machine() -> dict[str, Any]:
    cpu = cpu_name()
    # Other work on the machine skews every timing here; record how busy it was.
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"host": platform.node(), "system": platform.platform(), "cpu": cpu,
            "cores": os.cpu_count(), "load_average_1_5_15_min": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", nargs="*", default=None, help="backends to measure (default: every available one)")
    parser.add_argument("--program", default=None, help="a .vir file (default: per backend, see above)")
    parser.add_argument("--procs", type=int, default=20, help="new processes sampled for the disk hit")
    parser.add_argument("--reps", type=int, default=2000, help="repetitions of the in-process timings")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.program, args.cache_dir)
        return

    from vyre.backends import registry

    names = args.backend or [n for n in ("ptx", "host_jit", "cpu_ref")
                             if registry._instance(n).unavailable_reason() is None]
    for name in names:
        result = bench_backend(name, args.program, args.procs, args.reps)
        path = write_result(f"cache-{name}", {"machine": _machine(), **result})
        cold = result["cold_compile_us"]["median"]
        cold_new = result["cold_compile_new_process_us"]["median"]
        disk = result["disk_hit_new_process_us"]["median"]
        mem = result["memory_hit_same_kernel_us"]["median"]
        start = result["runtime_start_new_process_us"]["median"]
        print(f"{name:9} {result['program']}: runtime start {start:9.1f} us | "
              f"cold {cold:9.1f} us (new process {cold_new:9.1f} us) | "
              f"disk hit, new process {disk:8.1f} us ({disk / cold_new:.3f}x) | "
              f"memory hit {mem:6.2f} us ({mem / cold:.5f}x) | "
              f"equal-kernel memory hit {result['memory_hit_equal_kernel_us']['median']:6.1f} us | "
              f"vyre.compile hit {result['memory_hit_vyre_compile_us']['median']:6.1f} us | "
              f"wire decode {result['wire_decode_us']['median']:6.1f} us -> {path}")


if __name__ == "__main__":
    main()
