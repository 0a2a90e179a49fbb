"""Test configuration shared by the whole suite.

Tests that need a CUDA GPU carry ``@pytest.mark.gpu`` and run only with ``pytest -m gpu``;
the default run (CI, no GPU) deselects them through pyproject's addopts.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("VYRE_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
