"""``PtxBackend``: vyre.lower's PTX, linked to a cubin by the driver, run through cuda-python."""

from __future__ import annotations

import os

from vyre.backends.base import Backend, CompileOptions
from vyre.backends.ptx import context, module
from vyre.backends.ptx.launch import PtxExecutable, Slot
from vyre.ir.nodes import Kernel

# VYRE_PTX_ARTIFACT=ptx stores PTX text instead of a cubin (the driver JIT-compiles it at
# every load: slower warm loads, but the artifact runs on any newer GPU).
_ARTIFACT_ENV = "VYRE_PTX_ARTIFACT"


class PtxBackend(Backend):
    """NVIDIA GPUs through the CUDA driver: VIR0 -> LLVM NVPTX -> PTX -> cubin."""

    name = "ptx"

    def unavailable_reason(self) -> str | None:
        """None iff cuda-python imports and a CUDA device is present (probed once)."""
        return context.unavailable_reason()

    def target(self, options: CompileOptions) -> str:
        """``options.arch``, else the GPU's own arch (``sm_90`` on an H100).

        Without a GPU it is vyre.lower's default arch, so PTX can still be built offline.
        """
        from vyre.lower import default_arch, normalize_arch

        if options.arch is not None:
            return normalize_arch(options.arch)
        if context.unavailable_reason() is not None:
            return default_arch()
        return context.current().arch

    def build(self, kernel: Kernel, options: CompileOptions) -> bytes:
        """PTX from vyre.lower, linked to a cubin for the present GPU when it is the target.

        The artifact is PTX text instead when no GPU is present, when ``options.arch`` names
        another architecture (PTX for an older arch still runs on newer GPUs, through the
        driver's JIT), or when ``VYRE_PTX_ARTIFACT=ptx``.
        """
        arch = self.target(options)
        ptx = lower_to_ptx(kernel, arch, options)
        if os.environ.get(_ARTIFACT_ENV) == "ptx" or context.unavailable_reason() is not None:
            return ptx
        if arch != context.current().arch:
            return ptx
        return module.link_ptx(ptx)

    def load(self, artifact: bytes, kernel: Kernel, options: CompileOptions) -> PtxExecutable:
        """Load the cubin (or PTX) and bind the kernel's ABI; functions are cached per module."""
        loaded = module.load_image(artifact)
        function = loaded.function(entry_name(kernel))
        return PtxExecutable(kernel, function, kernel_slots(kernel), module=loaded)


def lower_to_ptx(kernel: Kernel, arch: str, options: CompileOptions) -> bytes:
    """The PTX text of ``kernel`` for ``arch``, from vyre.lower."""
    from vyre import lower

    return lower.ptx(kernel, arch, opt_level=options.opt_level).encode()


def entry_name(kernel: Kernel) -> str:
    """The PTX entry point of ``kernel``: vyre.lower names it after the kernel."""
    return kernel.name


_SLOT_KIND = {"param": "param", "buffer": "ptr", "length": "len"}


def kernel_slots(kernel: Kernel) -> list[Slot]:
    """The kernel's parameter list in vyre.lower's ABI order (vyre.lower.abi)."""
    from vyre.lower.abi import arguments

    return [
        Slot(_SLOT_KIND[arg.kind.value], arg.name, arg.type if arg.kind.value == "param" else None)
        for arg in arguments(kernel)
    ]
