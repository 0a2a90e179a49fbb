"""GPU conformance: cpu_ref vs ptx on generated programs and on every example (needs a CUDA GPU).

Run on the GPU machine with ``pytest -m gpu tests/conformance/test_cpu_vs_ptx.py``.  With
``VYRE_CONFORMANCE_RECORD=path.json`` set, each test adds its counts, failures, the device,
the date and the git commit to that JSON file (bench/results/ keeps these records).
``VYRE_GPU_CONFORMANCE_PROGRAMS`` (default 2000) and ``VYRE_CONFORMANCE_SEED`` choose the
generated programs; ``VYRE_GIT_COMMIT`` names the commit where the tree has no ``.git``.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vyre.ir.parse import load
from vyre.testing.conformance import MATCH, check_case, run_conformance
from vyre.testing.features import supported
from vyre.testing.programs import Case, GenConfig
from vyre.testing.sandbox import Sandbox

pytestmark = pytest.mark.gpu

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROGRAMS = int(os.environ.get("VYRE_GPU_CONFORMANCE_PROGRAMS", "2000"))
SEED = int(os.environ.get("VYRE_CONFORMANCE_SEED", "20261124"))
rng = np.random.default_rng(2026)


def _f32(n: int) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


def _u32(n: int, hi: int = 2**32) -> np.ndarray:
    return rng.integers(0, hi, n, dtype=np.uint64).astype(np.uint32)


def _scan_bytes() -> tuple[dict[str, Any], Any]:
    nbytes, chunk, m = 5000, 37, 4
    n_inv = -(-nbytes // chunk)
    # any transition table is a valid DFA; states 0..m, accepting state m
    table = rng.integers(0, m + 1, (m + 1) * 256).astype(np.uint32)
    args = {"nbytes": nbytes, "chunk": chunk, "accept": m, "overlap": m - 1,
            "text": _u32(-(-nbytes // 4)), "table": table, "counts": np.zeros(n_inv, np.uint32)}
    return args, -(-n_inv // 64)


# Inputs for each example, following the "Buffers:"/"Grid:" notes in its header; odd sizes so
# partial workgroups and bounds checks are exercised.
EXAMPLE_INPUTS: dict[str, Callable[[], tuple[dict[str, Any], Any]]] = {
    "saxpy": lambda: ({"a": 2.5, "x": _f32(1000), "y": _f32(1000)}, None),
    "grid_stride": lambda: ({"x": _f32(5000), "out": np.zeros(5000, np.float32)}, 3),
    "collatz": lambda: ({"start": rng.integers(0, 2**20, 777).astype(np.uint64),
                         "steps": np.zeros(777, np.uint32)}, None),
    "dot": lambda: ({"x": _f32(1000), "y": _f32(1000), "partial": np.zeros(4, np.float32)}, None),
    "histogram": lambda: ({"data": _u32(3001), "bins": np.zeros(256, np.uint32)}, None),
    "host_flag": lambda: ({"data": _f32(300), "progress": np.zeros(2, np.uint32)}, None),
    "prefix_sum": lambda: ({"src": _u32(1000), "dst": np.zeros(1000, np.uint32)}, None),
    "reduce_max": lambda: ({"values": _u32(3000), "result": np.zeros(1, np.uint32)}, None),
    "matmul": lambda: ({"n": 37, "a": _f32(37 * 37), "b": _f32(37 * 37),
                        "c": np.zeros(37 * 37, np.float32)}, (3, 3)),
    "transpose": lambda: ({"rows": 19, "cols": 45, "src": _f32(19 * 45),
                           "dst": np.zeros(19 * 45, np.float32)}, (3, 2)),
    "scan_bytes": _scan_bytes,
}


def _git_commit() -> str:
    if os.environ.get("VYRE_GIT_COMMIT"):  # a copy of the tree without .git (a remote GPU box)
        return os.environ["VYRE_GIT_COMMIT"]
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _device_name() -> str:
    # Asked of nvidia-smi, not cuda-python: CUDA must stay uninitialised in this process, whose
    # forked workers run the ptx backend.
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
        return out.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def _record(key: str, entry: dict[str, Any]) -> None:
    path = os.environ.get("VYRE_CONFORMANCE_RECORD")
    if not path:
        return
    target = Path(path)
    record: dict[str, Any] = {}
    if target.exists():
        record = json.loads(target.read_text())
    record.update({"device": _device_name(), "date": datetime.datetime.now(datetime.UTC).isoformat(),
                   "git_commit": _git_commit(), "reference": "cpu_ref", "candidate": "ptx"})
    record[key] = entry
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2, default=str))
    os.replace(tmp, target)


def test_cpu_ref_and_ptx_agree_on_generated_programs() -> None:
    report = run_conformance("cpu_ref", "ptx", PROGRAMS, SEED,
                             config=GenConfig(features=supported("ptx")), shrink_seconds=300,
                             timeout=120)
    entry = report.to_json()
    entry["mismatches"] = len(report.failures)
    _record("generated", entry)
    assert report.ok, report.render()
    assert report.counts[MATCH] == report.tested >= PROGRAMS


_results: dict[str, Any] = {}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.vir")), ids=lambda p: p.stem)
def test_cpu_ref_and_ptx_agree_on_example(path: Path) -> None:
    make = EXAMPLE_INPUTS.get(path.stem)
    assert make is not None, f"add inputs for examples/{path.name} to EXAMPLE_INPUTS"
    module = load(path)
    with Sandbox(timeout=300, start_method="forkserver") as box:
        for kernel in module.kernels:
            args, grid = make()
            grid = (grid,) if isinstance(grid, int) else grid
            outcome = check_case(Case(kernel, args, grid), "cpu_ref", "ptx", sandbox=box)
            _results[f"{path.stem}:{kernel.name}"] = {"status": outcome.status, "note": outcome.note}
            _record("examples", dict(_results))
            assert outcome.status == MATCH, outcome.render()
