"""HostJitBackend: build = native object code (the cache artifact); load = MCJIT + ctypes.

A cache hit therefore skips LLVM's optimiser and code generator: loading only links the
object into a fresh MCJIT engine.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

import llvmlite.binding as llvm
import numpy as np

from vyre.backends.args import bind, writable_buffers
from vyre.backends.base import Backend, CompileOptions, Executable
from vyre.backends.host_jit import artifact as envelope
from vyre.backends.host_jit.compile import compile_object, host_cpu, host_triple
from vyre.errors import BackendError
from vyre.ir.nodes import Kernel
from vyre.lower import target
from vyre.lower.abi import ArgKind, arguments
from vyre.lower.host import driver_name

_DRIVER = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32)
_lock = threading.Lock()


class HostJitBackend(Backend):
    """Runs kernels on the host CPU through LLVM; no GPU needed. Barriers are not supported."""

    name = "host_jit"

    def target(self, options: CompileOptions) -> str:
        return f"{host_triple()}:{host_cpu()}"

    def build(self, kernel: Kernel, options: CompileOptions) -> bytes:
        return envelope.pack(compile_object(kernel, options.opt_level), self.target(options))

    def load(self, artifact: bytes, kernel: Kernel, options: CompileOptions) -> Executable:
        obj = envelope.unpack(artifact, self.target(options), kernel.name)
        return HostJitExecutable(kernel, obj)


class HostJitExecutable(Executable):
    """A kernel linked into its own MCJIT engine, called through its driver function."""

    def __init__(self, kernel: Kernel, obj: bytes) -> None:
        self.kernel = kernel
        self._abi = arguments(kernel)
        with _lock:
            tm = target.new_host_target_machine()  # owned (and freed) by the engine
            empty = llvm.parse_assembly(f'target triple = "{host_triple()}"')
            self._engine = llvm.create_mcjit_compiler(empty, tm)
            try:
                self._obj = llvm.ObjectFileRef.from_data(obj)
                self._engine.add_object_file(self._obj)
                self._engine.finalize_object()
            except Exception as e:  # a corrupt or foreign object file
                raise BackendError(
                    f"the host_jit artifact for kernel '{kernel.name}' could not be loaded: {e}",
                    code="V531",
                    fix="clear the compile cache (vyre cache clear) and compile again",
                ) from None
            address = self._engine.get_function_address(driver_name(kernel))
        if not address:
            raise BackendError(
                f"the host_jit artifact does not contain kernel '{kernel.name}'",
                code="V531",
                fix="clear the compile cache (vyre cache clear) and compile again",
            )
        self._run = _DRIVER(address)
        # Shared arrays and per-invocation storage are static in the object: one call at a time.
        self._call_lock = threading.Lock()

    def __call__(self, grid: int | tuple[int, ...] | None = None, **args: Any) -> dict[str, np.ndarray]:
        bound = bind(self.kernel, grid, args)
        buffers = bound.host_buffers()
        values: list[Any] = []
        for a in self._abi:
            if a.kind is ArgKind.PARAM:
                v = bound.params[a.name]
                values.append(a.ctype(int(bool(v)) if a.type.is_numeric is False else v.item()))
            elif a.kind is ArgKind.BUFFER:
                values.append(ctypes.c_void_p(buffers[a.name].ctypes.data))
            else:
                values.append(ctypes.c_uint32(buffers[a.name].shape[0]))
        argv = (ctypes.c_void_p * max(1, len(values)))(*[ctypes.addressof(v) for v in values])
        with self._call_lock:
            self._run(ctypes.addressof(argv), *bound.grid)
        return {b.name: buffers[b.name] for b in writable_buffers(self.kernel)}
