"""Kernel -> optimised native object code for the CPU running this process."""

from __future__ import annotations

import functools
import hashlib

import llvmlite.binding as llvm

from vyre.ir.nodes import Kernel
from vyre.lower import target
from vyre.lower.host import build_host_module


@functools.cache
def host_triple() -> str:
    target._init()
    return llvm.get_process_triple()


@functools.cache
def host_cpu() -> str:
    """The host CPU's name and a digest of its features: object code is only valid for them
    (a VM may hide features of the CPU it reports)."""
    target._init()
    features = llvm.get_host_cpu_features().flatten()
    return f"{llvm.get_host_cpu_name()}+{hashlib.blake2b(features.encode(), digest_size=4).hexdigest()}"


def host_llvm_ir(kernel: Kernel) -> str:
    """The unoptimised host LLVM IR text of ``kernel`` and its driver."""
    module = build_host_module(kernel, host_triple())
    module.data_layout = str(target.host_target_machine().target_data)
    return str(module)


def compile_object(kernel: Kernel, opt_level: int = 3) -> bytes:
    """Native object code holding the driver ``vyre_run_<kernel>``."""
    tm = target.host_target_machine(opt_level)
    mod = target.parse(host_llvm_ir(kernel))
    target.optimize(mod, tm, opt_level)
    return target.emit_object(mod, tm)
