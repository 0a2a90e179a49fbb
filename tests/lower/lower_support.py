"""Helpers for the lowering tests: VIR0 text to a resolved kernel, and finding ptxas."""

from __future__ import annotations

import os

import pytest

from vyre.ir.infer import resolve
from vyre.ir.nodes import Kernel
from vyre.ir.parse import parse
from vyre.ir.validate import validate
from vyre.lower import ptxas


def kernel(src: str, name: str | None = None) -> Kernel:
    """Parse, validate and resolve VIR0 text; return the (only or named) kernel."""
    module = parse(src)
    validate(module)
    return resolve(module.kernel(name))


def one(body: str, decls: str, workgroup: str = "64") -> Kernel:
    """A kernel named ``k`` with the given declarations and body lines."""
    return kernel(f"vir0\nkernel k workgroup({workgroup}) {{\n{decls}\n{body}\n}}\n")


def require_ptxas() -> None:
    """Skip when ptxas is missing, except in CI (CI set), where that is a failure."""
    if ptxas.find() is None:
        if os.environ.get("CI"):
            pytest.fail("ptxas is required in CI: pip install nvidia-cuda-nvcc")
        pytest.skip("ptxas is not installed")
