"""Cold compile, text -> loaded kernel, with every cache off: vyre vs CuPy and Triton.

vyre: ``vyre.compile(text, backend="ptx", cache=None)`` (parse, validate, infer, lower to
LLVM IR, optimise, emit PTX, link to a cubin with the driver, load the module).  Each
repetition renames the kernel so no layer can reuse a previous result.  Reported: the first
compile in the process (LLVM and libdevice start-up included) and the median of the rest.
CuPy (ElementwiseKernel, NVRTC) and Triton (@triton.jit) are timed to their first finished
call with fresh, empty cache directories, likewise renamed every repetition.

    python bench/bench_compile.py [--reps N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import fresh_cache_dirs, write_result  # noqa: E402

SAXPY = """vir0
kernel {name} workgroup(256) {{
  param a: f32
  buffer x: f32[] read
  buffer y: f32[] read_write
  let i = gid.x
  if i < len(y) {{
    y[i] = a * x[i] + y[i]
  }}
}}
"""
TRANSCENDENTAL = """vir0
kernel {name} workgroup(256) {{
  param a: f32
  buffer x: f32[] read
  buffer y: f32[] read_write
  let i = gid.x
  if i < len(y) {{
    y[i] = sin(a * x[i]) + exp(y[i])
  }}
}}
"""


def time_vyre(template: str, reps: int, tag: str, phases: bool = False) -> dict[str, object]:
    import numpy as np

    import vyre

    samples = []
    for r in range(reps):
        text = template.format(name=f"k_{tag}_{r}")
        t0 = time.perf_counter()
        exe = vyre.compile(text, backend="ptx", cache=None)
        samples.append((time.perf_counter() - t0) * 1e3)
        if r == 0:
            x = np.linspace(-1, 1, 1000, dtype=np.float32)
            out = exe(a=0.5, x=x, y=x.copy())["y"]
            assert np.all(np.isfinite(out))
    out = {"first_ms": samples[0], "median_rest_ms": statistics.median(samples[1:]),
           "all_ms": [round(s, 2) for s in samples]}
    if phases:
        out["phases_ms"] = vyre_phases(template, tag)
    return out


def time_warm_disk_hit(template: str, reps: int, tag: str) -> dict[str, object]:
    """A compile that finds its cubin in the disk cache, as a new process would (no memory layer)."""
    import tempfile

    import vyre
    from vyre.backends.ptx import module
    from vyre.runtime.pipeline_cache import PipelineCache

    samples = []
    for r in range(reps):
        text = template.format(name=f"k_{tag}_warm_{r}")
        directory = tempfile.mkdtemp(prefix="vyre-warm-")
        vyre.compile(text, backend="ptx", cache=PipelineCache(directory))
        module._modules.clear()  # no loaded module to share, as in a new process
        cache = PipelineCache(directory, memory_entries=0)
        t0 = time.perf_counter()
        vyre.compile(text, backend="ptx", cache=cache)
        samples.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(samples), "all_ms": [round(s, 3) for s in samples]}


def vyre_phases(template: str, tag: str) -> dict[str, float]:
    """Where a warm-process compile spends its time: front end, LLVM, driver link, load."""
    import vyre
    from vyre.backends.base import CompileOptions
    from vyre.backends.ptx import context, module
    from vyre.backends.ptx.backend import lower_to_ptx
    from vyre.ir.infer import resolve
    from vyre.ir.validate import validate

    text = template.format(name=f"k_{tag}_phases")
    arch = context.current().arch
    t0 = time.perf_counter()
    m = vyre.parse(text)
    validate(m)
    k = resolve(m.kernel())
    t1 = time.perf_counter()
    ptx = lower_to_ptx(k, arch, CompileOptions())
    t2 = time.perf_counter()
    cubin = module.link_ptx(ptx)
    t3 = time.perf_counter()
    module._load_data(cubin)
    t4 = time.perf_counter()
    module._load_data(ptx)
    t5 = time.perf_counter()
    return {"front_end": (t1 - t0) * 1e3, "lower_llvm_to_ptx": (t2 - t1) * 1e3,
            "driver_link_to_cubin": (t3 - t2) * 1e3, "load_cubin": (t4 - t3) * 1e3,
            "load_ptx_instead_(driver_jit)": (t5 - t4) * 1e3}


def time_cupy(reps: int, transcendental: bool) -> dict[str, object] | None:
    try:
        import cupy as cp
    except ImportError:
        return None
    body = "y = sinf(a * x) + expf(y)" if transcendental else "y = a * x + y"
    x = cp.linspace(-1, 1, 1000, dtype=cp.float32)
    samples = []
    for r in range(reps):
        k = cp.ElementwiseKernel("float32 a, float32 x", "float32 y", body + f"; /* {r} */",
                                 f"cold_{int(transcendental)}_{r}")
        y = x.copy()
        t0 = time.perf_counter()
        k(cp.float32(0.5), x, y)
        cp.cuda.get_current_stream().synchronize()
        samples.append((time.perf_counter() - t0) * 1e3)
    return {"first_ms": samples[0], "median_rest_ms": statistics.median(samples[1:]),
            "all_ms": [round(s, 2) for s in samples]}


def time_triton(reps: int, transcendental: bool) -> dict[str, object] | None:
    try:
        import torch
        import triton  # noqa: F401
    except ImportError:
        return None
    expr = "tl.sin(a * x) + tl.exp(y)" if transcendental else "a * x + y"
    x = torch.linspace(-1, 1, 1000, device="cuda")
    samples = []
    tmp = Path(fresh_cache_dirs()["triton"]).parent / "triton_src"
    tmp.mkdir(exist_ok=True)
    for r in range(reps):
        # @triton.jit needs real source files; each repetition is a new kernel
        src = (
            "import triton\nimport triton.language as tl\n\n"
            "@triton.jit\n"
            f"def k_{r}(x_ptr, y_ptr, a, n, BLOCK: tl.constexpr):\n"
            "    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)\n"
            "    m = offs < n\n"
            "    x = tl.load(x_ptr + offs, mask=m)\n"
            "    y = tl.load(y_ptr + offs, mask=m)\n"
            f"    tl.store(y_ptr + offs, {expr} + {r}.0 * 0.0, mask=m)\n"
        )
        path = tmp / f"cold_{int(transcendental)}_{r}.py"
        path.write_text(src)
        import importlib.util

        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        fn = getattr(mod, f"k_{r}")
        y = x.clone()
        t0 = time.perf_counter()
        fn[(1,)](x, y, 0.5, 1000, BLOCK=1024)
        torch.cuda.synchronize()
        samples.append((time.perf_counter() - t0) * 1e3)
    return {"first_ms": samples[0], "median_rest_ms": statistics.median(samples[1:]),
            "all_ms": [round(s, 2) for s in samples]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=12)
    reps = ap.parse_args().reps
    dirs = fresh_cache_dirs()
    from vyre.backends.ptx import context

    context.current()  # the CUDA context is not part of a compile
    res: dict[str, object] = {"cache_dirs": dirs, "reps": reps}
    res["vyre_saxpy"] = time_vyre(SAXPY, reps, "s", phases=True)
    res["vyre_transcendental"] = time_vyre(TRANSCENDENTAL, reps, "t", phases=True)
    res["vyre_saxpy_warm_disk_hit"] = time_warm_disk_hit(SAXPY, reps, "s")
    res["vyre_transcendental_warm_disk_hit"] = time_warm_disk_hit(TRANSCENDENTAL, reps, "t")
    res["cupy_saxpy"] = time_cupy(reps, False)
    res["cupy_transcendental"] = time_cupy(reps, True)
    res["triton_saxpy"] = time_triton(reps, False)
    res["triton_transcendental"] = time_triton(reps, True)
    path = write_result("compile", res)
    print(f"wrote {path}")
    for key, r in res.items():
        if isinstance(r, dict) and "median_ms" in r:
            print(f"{key:34s} median {r['median_ms']:.3f} ms")
        if isinstance(r, dict) and "first_ms" in r:
            print(f"{key:24s} first {r['first_ms']:8.1f} ms   median of rest {r['median_rest_ms']:8.1f} ms")
            if "phases_ms" in r:
                print("    phases:", {k: round(v, 2) for k, v in r["phases_ms"].items()})


if __name__ == "__main__":
    main()
