"""Compile cache (being built): for now, compile without caching through the one path."""

from __future__ import annotations

from typing import Any

from vyre.backends.base import Backend, CompileOptions, Executable
from vyre.ir.nodes import Kernel


def compile_cached(kernel: Kernel, backend: Backend, options: CompileOptions, cache: Any = "default") -> Executable:
    artifact = backend.build(kernel, options)
    return backend.load(artifact, kernel, options)
