"""Loading a VIR0 file for a command: read, parse, validate, pick a kernel."""

from __future__ import annotations

from vyre.cli.files import read_source
from vyre.ir.nodes import Kernel, Module


def load_module(path: str) -> Module:
    """Read, parse and validate ``path`` (``-`` is stdin); raises the first file's errors."""
    name, text = read_source(path)

    from vyre.ir.parse import parse
    from vyre.ir.validate import validate

    module = parse(text, file=name)
    validate(module)
    return module


def pick_kernel(module: Module, name: str | None) -> Kernel:
    """The kernel ``--kernel`` names, or the only one (V290 when ambiguous or unknown)."""
    return module.kernel(name)


def resolved(kernel: Kernel) -> Kernel:
    """``kernel`` with every literal and binding typed, as backends and lowering take it."""
    from vyre.ir.infer import resolve

    return resolve(kernel)
