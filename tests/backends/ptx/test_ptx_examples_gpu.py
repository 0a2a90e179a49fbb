"""Every example in examples/*.vir on the GPU, against the numpy references of the cpu_ref tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import vyre

pytestmark = pytest.mark.gpu

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"


def _reference_checks():
    """The cpu_ref example tests' module, with its compile step pointed at the ptx backend."""
    path = ROOT / "tests" / "backends" / "cpu_ref" / "test_examples.py"
    spec = importlib.util.spec_from_file_location("_cpu_ref_example_checks", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    def compile_on_gpu(name: str):
        return vyre.compile(vyre.load(EXAMPLES / f"{name}.vir"), backend="ptx", cache=None)

    mod.compile_example = compile_on_gpu
    return mod


CHECKS = _reference_checks().CHECKS
NAMES = sorted({p.stem for p in EXAMPLES.glob("*.vir")} | set(CHECKS))


@pytest.mark.parametrize("name", NAMES)
def test_example_on_gpu(name: str) -> None:
    if not (EXAMPLES / f"{name}.vir").exists():
        pytest.skip(f"examples/{name}.vir is not in this checkout")
    if name not in CHECKS:
        # the cpu_ref example tests require a reference for every example; until it lands,
        # tests/conformance/test_cpu_vs_ptx.py still compares this example with cpu_ref
        pytest.skip(f"no numpy reference for {name} in tests/backends/cpu_ref/test_examples.py")
    # Two seeds: the kernels must compute the same function on any valid input.
    for seed in (sum(name.encode()), 12345):
        CHECKS[name](np.random.default_rng(seed))
