"""The Python API: parse or load VIR0, compile a kernel for a backend, fingerprint a program."""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
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
    from vyre.runtime.pipeline_cache import compile_cached

    chosen = _checked_kernel(program, kernel)
    options = CompileOptions(arch=arch, opt_level=opt_level)
    return compile_cached(chosen, registry.get(backend), options, cache=cache)


# Validated, type-resolved kernels by the program they came from.  Programs are immutable, so
# checking one again gives the same answer; remembering it keeps a repeated vyre.compile of
# the same program a memory-cache hit of a few microseconds instead of a full validation.
_CHECKED_LIMIT = 256
_checked: OrderedDict[tuple[Any, str | None], tuple[Any, Kernel]] = OrderedDict()
_checked_lock = threading.Lock()


def _checked_kernel(program: Module | Kernel | str, kernel: str | None) -> Kernel:
    """The chosen kernel of ``program``, validated and type-resolved (remembered per program)."""
    from vyre.ir.infer import resolve
    from vyre.ir.validate import validate

    # Text is keyed by value; nodes by identity (hashing a node walks the whole tree).
    key = (program if isinstance(program, str) else id(program), kernel)
    with _checked_lock:
        hit = _checked.get(key)
        if hit is not None and (isinstance(program, str) or hit[0]() is program):
            _checked.move_to_end(key)
            return hit[1]
    module = parse(program) if isinstance(program, str) else program
    if isinstance(module, Kernel):
        module = Module((module,), span=module.span)
    validate(module)
    chosen = resolve(module.kernel(kernel))
    owner = program if isinstance(program, str) else weakref.ref(program)
    with _checked_lock:
        _checked[key] = (owner, chosen)
        while len(_checked) > _CHECKED_LIMIT:
            _checked.popitem(last=False)
    return chosen


def fingerprint(program: Module | Kernel) -> str:
    """Hex blake3 of the program's canonical bytes: equal for equal meaning."""
    from vyre.ir.canon import fingerprint as _fingerprint

    return _fingerprint(program)
