"""From kernel to optimised LLVM module, PTX text or host object code."""

from __future__ import annotations

import llvmlite.binding as llvm
from llvmlite import ir

from vyre.ir.nodes import Kernel
from vyre.lower import libdevice, target
from vyre.lower import types as T
from vyre.lower.kernel import build_module
from vyre.lower.nvptx import NvptxHooks


def nvptx_ir(kernel: Kernel, arch: str | None = None) -> ir.Module:
    """The unoptimised llvmlite.ir module of ``kernel`` for NVPTX."""
    arch = target.normalize_arch(arch)
    module = build_module(kernel, NvptxHooks())
    module.data_layout = str(target.nvptx_target_machine(arch).target_data)
    # libdevice asks __nvvm_reflect("__CUDA_FTZ"); 0 selects the variants that keep subnormals.
    module.add_named_metadata("llvm.module.flags", [ir.Constant(T.I32, 4), "nvvm-reflect-ftz", ir.Constant(T.I32, 0)])
    return module


def nvptx_module(kernel: Kernel, arch: str | None = None, opt_level: int = 3) -> llvm.ModuleRef:
    """``kernel`` parsed, verified, linked with the libdevice functions it uses and optimised."""
    arch = target.normalize_arch(arch)
    tm = target.nvptx_target_machine(arch, opt_level)
    mod = target.parse(str(nvptx_ir(kernel, arch)))
    libdevice.link(mod, keep=kernel.name)
    target.optimize(mod, tm, opt_level)
    return mod


def ptx_text(kernel: Kernel, arch: str | None = None, opt_level: int = 3) -> str:
    """PTX assembly for ``kernel``."""
    arch = target.normalize_arch(arch)
    mod = nvptx_module(kernel, arch, opt_level)
    return target.emit_assembly(mod, target.nvptx_target_machine(arch, opt_level))
