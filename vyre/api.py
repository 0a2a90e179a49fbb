"""The Python API: parse or load VIR0, compile a kernel for a backend, fingerprint a program."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any

from vyre.backends.base import CompileOptions, Executable
from vyre.ir.nodes import Kernel, Module
from vyre.memo import IdentityMemo


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
# Nodes are remembered while they live; texts (which cannot be weakly referenced) by value,
# the most recent few.
_checked_nodes: IdentityMemo[dict[str | None, Kernel]] = IdentityMemo()
_checked_texts: OrderedDict[tuple[str, str | None], Kernel] = OrderedDict()
_TEXTS_LIMIT = 256
_texts_lock = threading.Lock()


def _checked_kernel(program: Module | Kernel | str, kernel: str | None) -> Kernel:
    """The chosen kernel of ``program``, validated and type-resolved (remembered per program)."""
    if isinstance(program, str):
        with _texts_lock:
            hit = _checked_texts.get((program, kernel))
            if hit is not None:
                _checked_texts.move_to_end((program, kernel))
                return hit
        chosen = _check(parse(program), kernel)
        with _texts_lock:
            _checked_texts[(program, kernel)] = chosen
            while len(_checked_texts) > _TEXTS_LIMIT:
                _checked_texts.popitem(last=False)
        return chosen
    by_name = _checked_nodes.get(program)
    if by_name is None:
        by_name = {}
        _checked_nodes.put(program, by_name)
    if kernel not in by_name:
        by_name[kernel] = _check(program, kernel)
    return by_name[kernel]


def _check(program: Module | Kernel, kernel: str | None) -> Kernel:
    from vyre.ir.infer import resolve
    from vyre.ir.validate import validate

    module = Module((program,), span=program.span) if isinstance(program, Kernel) else program
    validate(module)
    return resolve(module.kernel(kernel))


def fingerprint(program: Module | Kernel) -> str:
    """Hex blake3 of the program's canonical bytes: equal for equal meaning."""
    from vyre.ir.canon import fingerprint as _fingerprint

    return _fingerprint(program)
