"""CI conformance: cpu_ref vs host_jit on generated programs, and ptxas on their PTX.

The programs come from ``vyre.testing.programs.cases`` with a fixed seed, so every run checks
the same programs (set ``VYRE_CONFORMANCE_SEED`` to explore others and
``VYRE_CONFORMANCE_PROGRAMS`` to check more).  On a failure the assertion message holds the
shrunk program as VIR0 text, its inputs, both outputs and a regression-test skeleton for
tests/conformance/test_regressions.py.
"""

from __future__ import annotations

import os

import pytest

from vyre.lower import ptxas
from vyre.testing.conformance import MATCH, run_conformance
from vyre.testing.features import supported
from vyre.testing.programs import GenConfig

PROGRAMS = int(os.environ.get("VYRE_CONFORMANCE_PROGRAMS", "800"))
SEED = int(os.environ.get("VYRE_CONFORMANCE_SEED", "20261124"))
HAS_PTXAS = ptxas.find() is not None


def test_cpu_ref_and_host_jit_agree_on_generated_programs() -> None:
    """Every program both backends support: identical integers, floats within the ULP rule."""
    config = GenConfig(features=supported("cpu_ref") & supported("host_jit"))
    report = run_conformance("cpu_ref", "host_jit", PROGRAMS, SEED, config=config,
                             assemble=HAS_PTXAS, shrink_seconds=90)
    assert report.ok, report.render()
    assert report.counts[MATCH] == report.tested >= PROGRAMS
    # the sample really exercises every feature it may use
    for feature in config.features:
        assert report.features[feature] > 0, feature


@pytest.mark.skipif(HAS_PTXAS, reason="ptxas is present: the test above assembles every program")
def test_ptxas_missing_is_reported() -> None:
    pytest.skip("ptxas not installed: generated PTX was not assembled (pip install nvidia-cuda-nvcc)")
