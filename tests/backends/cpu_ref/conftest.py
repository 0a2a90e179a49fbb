"""Helpers for cpu_ref tests: compile VIR0 text for cpu_ref and run it in one call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import vyre


def run_vir(src: str, grid: Any = None, **args: Any) -> dict[str, np.ndarray]:
    """Compile ``src`` (one kernel) for cpu_ref without caching and run it once."""
    return vyre.compile(src, backend="cpu_ref", cache=None)(grid=grid, **args)


@pytest.fixture
def run() -> Callable[..., dict[str, np.ndarray]]:
    return run_vir
