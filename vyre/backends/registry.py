"""Every backend vyre knows, by name. ``auto`` picks the best one present."""

from __future__ import annotations

import importlib

from vyre.backends.base import Backend
from vyre.errors import BackendError, BackendUnavailableError

# name -> "module:Class"; imported on first use so a missing optional dependency
# (cuda-python) only matters to the backend that needs it.
BACKENDS: dict[str, str] = {
    "cpu_ref": "vyre.backends.cpu_ref:CpuRefBackend",
    "host_jit": "vyre.backends.host_jit:HostJitBackend",
    "ptx": "vyre.backends.ptx:PtxBackend",
}

# Tried in order by backend="auto".
AUTO_ORDER = ("ptx", "host_jit", "cpu_ref")

_instances: dict[str, Backend] = {}


def names() -> tuple[str, ...]:
    return tuple(BACKENDS)


def get(name: str) -> Backend:
    """The backend called ``name`` (or the best available one for ``"auto"``), ready to use."""
    if name == "auto":
        for candidate in AUTO_ORDER:
            backend = _instance(candidate)
            if backend.unavailable_reason() is None:
                return backend
        raise BackendUnavailableError(
            "no backend can run on this machine",
            fix="install vyre's dependencies: pip install 'vyre[cuda]'",
        )
    backend = _instance(name)
    reason = backend.unavailable_reason()
    if reason is not None:
        raise BackendUnavailableError(
            f"backend '{name}' cannot run here: {reason}",
            fix="use backend='auto' to pick one that can, or see the reason above",
        )
    return backend


def _instance(name: str) -> Backend:
    if name not in BACKENDS:
        raise BackendError(
            f"unknown backend '{name}'",
            code="V502",
            fix=f"use one of: auto, {', '.join(BACKENDS)}",
        )
    if name not in _instances:
        module_name, _, class_name = BACKENDS[name].partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        _instances[name] = cls()
    return _instances[name]
