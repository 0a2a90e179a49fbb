"""The Python API: parse or load VIR0, compile a kernel for a backend, fingerprint a program."""

from __future__ import annotations

import os
from typing import Any

from vyre.backends.base import CompileOptions, Executable
from vyre.ir.nodes import Kernel, Module


def parse(text: str, file: str | None = None) -> Module:
    """Parse VIR0 text into a Module. Raises VyreSyntaxError with positions and a Fix: hint."""
    from vyre.ir.parse import parse as _parse

    return _parse(text, file)


def load(path: str | os.PathLike[str]) -> Module:
    """Read and parse a ``.vir`` file."""
    from vyre.ir.parse import load as _load

    return _load(path)


def compile(  # noqa: A001 - the natural name for the library's main entry point
    program: Module | Kernel | str,
    backend: str = "auto",
    kernel: str | None = None,
    *,
    arch: str | None = None,
    opt_level: int = 3,
    cache: Any = "default",
) -> Executable:
    """Validate ``program`` and compile one of its kernels for ``backend``.

    ``program`` is a Module, a Kernel, or VIR0 text. ``kernel`` picks a kernel by name when the
    module has several. ``backend`` is ``"auto"`` (the best one present), ``"ptx"``,
    ``"host_jit"`` or ``"cpu_ref"``. ``cache`` is ``"default"`` (memory, then the disk cache),
    a directory path, a ``PipelineCache``, or None to compile without caching.
    """
    from vyre.backends import registry
    from vyre.ir.infer import resolve
    from vyre.ir.validate import validate
    from vyre.runtime.pipeline_cache import compile_cached

    if isinstance(program, str):
        program = parse(program)
    module = program if isinstance(program, Module) else Module((program,), span=program.span)
    validate(module)
    chosen = resolve(module.kernel(kernel))
    options = CompileOptions(arch=arch, opt_level=opt_level)
    return compile_cached(chosen, registry.get(backend), options, cache=cache)


def fingerprint(program: Module | Kernel) -> str:
    """Hex blake3 of the program's canonical bytes: equal for equal meaning."""
    from vyre.ir.canon import fingerprint as _fingerprint

    return _fingerprint(program)
