"""Lowering VIR0 kernels to LLVM IR (llvmlite.ir), and from there to PTX or host code.

``llvm_ir`` and ``ptx`` take a validated, type-resolved kernel (``vyre.ir.infer.resolve``).
The kernel ABI (argument order and passing) is documented in ``vyre.lower.abi`` and
docs/lowering.md.
"""

from __future__ import annotations

from vyre.ir.nodes import Kernel
from vyre.lower.abi import AbiArg, ArgKind, arguments
from vyre.lower.target import DEFAULT_ARCH, normalize_arch, supported_archs

__all__ = [
    "DEFAULT_ARCH", "AbiArg", "ArgKind", "arguments", "default_arch", "entry_name", "llvm_ir",
    "normalize_arch", "ptx", "supported_archs",
]


def llvm_ir(kernel: Kernel, arch: str | None = None, opt_level: int = 3) -> str:
    """Optimised NVPTX LLVM IR text of ``kernel`` (libdevice functions linked in)."""
    from vyre.lower.pipeline import nvptx_module

    return str(nvptx_module(kernel, arch or default_arch(), opt_level))


def ptx(kernel: Kernel, arch: str | None = None, opt_level: int = 3) -> str:
    """PTX assembly of ``kernel`` for ``arch`` (default: ``default_arch()``)."""
    from vyre.lower.pipeline import ptx_text

    return ptx_text(kernel, arch or default_arch(), opt_level)


def entry_name(kernel: Kernel) -> str:
    """The name of the PTX entry point of ``kernel`` (the VIR0 kernel's name)."""
    return kernel.name


def default_arch() -> str:
    """The present GPU's architecture when cuda-python sees one, else ``"sm_90"``."""
    from vyre.lower.device import present_arch

    found = present_arch()
    if found is not None:
        try:
            return normalize_arch(found)
        except Exception:  # a GPU newer than this table: fall back to the default
            return DEFAULT_ARCH
    return DEFAULT_ARCH
