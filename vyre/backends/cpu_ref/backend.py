"""``cpu_ref``: the numpy reference interpreter, the executable form of docs/semantics.md.

``build`` stores the kernel itself (its wire encoding) as the artifact; ``load`` decodes it
once and compiles it to a plan of closures, so a call only binds arguments and runs numpy
operations over all invocations of the dispatch at once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vyre.backends.args import bind, writable_buffers
from vyre.backends.base import Backend, CompileOptions, Executable
from vyre.backends.cpu_ref.dispatch import Dispatch
from vyre.backends.cpu_ref.exprs import Scope
from vyre.backends.cpu_ref.stmts import StmtCompiler
from vyre.errors import BackendError, WireError
from vyre.ir.nodes import Kernel, Module

# Lanes of one dispatch the interpreter will hold in memory (a few arrays of this many
# elements per live variable).
MAX_INVOCATIONS = 2**27


class CpuRefExecutable(Executable):
    """A kernel compiled to closures; calling it runs one dispatch."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        compiler = StmtCompiler(kernel)
        scope = Scope()
        self._param_slots: list[tuple[str, int]] = []
        for p in kernel.params:
            slot = compiler.new_slot(p.type)
            scope.names[p.name] = (slot, p.type)
            self._param_slots.append((p.name, slot))
        self._run = compiler.block(kernel.body, scope)
        self._n_slots = compiler.n_slots
        self._writable = tuple(b.name for b in writable_buffers(kernel))

    def __call__(self, grid: int | tuple[int, ...] | None = None, **args: Any) -> dict[str, np.ndarray]:
        bound = bind(self.kernel, grid, args)
        buffers = bound.host_buffers()
        wg = self.kernel.workgroup3
        n = math.prod(bound.grid) * math.prod(wg)
        if n > MAX_INVOCATIONS:
            raise BackendError(
                f"the dispatch has {n} invocations, more than cpu_ref's limit of {MAX_INVOCATIONS}",
                code="V531",
                fix="use a smaller grid (cpu_ref is meant for testing), or the host_jit or ptx backend",
            )
        slots: list[Any] = [None] * self._n_slots
        for name, slot in self._param_slots:
            slots[slot] = bound.params[name]
        arrays = [buffers[b.name] for b in self.kernel.buffers]
        d = Dispatch(
            grid=bound.grid,
            workgroup=wg,
            n=n,
            slots=slots,
            buffers=arrays,
            buffer_lens=[len(a) for a in arrays],
            shared=[np.zeros(s.size * math.prod(bound.grid), dtype=s.elem.dtype)
                    for s in self.kernel.shared],
        )
        # Integer wrap-around and IEEE specials are the semantics, not errors.
        try:
            with np.errstate(all="ignore"):
                self._run(d)
        except MemoryError:
            raise BackendError(
                f"cpu_ref ran out of memory running {n} invocations at once",
                code="V531",
                fix="use a smaller grid or smaller buffers (cpu_ref holds every invocation's "
                "variables in memory), or the host_jit or ptx backend",
            ) from None
        return {name: buffers[name] for name in self._writable}


class CpuRefBackend(Backend):
    """The reference interpreter backend (registry name ``cpu_ref``)."""

    name = "cpu_ref"

    def build(self, kernel: Kernel, options: CompileOptions) -> bytes:
        """The artifact: the wire encoding of the type-resolved kernel (resolving is
        idempotent, so a kernel that ``vyre.compile`` already resolved is unchanged)."""
        from vyre.ir.infer import resolve
        from vyre.ir.wire import encode

        return encode(Module((resolve(kernel),)))

    def load(self, artifact: bytes, kernel: Kernel, options: CompileOptions) -> Executable:
        from vyre.ir.wire import decode

        try:
            module = decode(artifact)
        except WireError as err:
            raise BackendError(
                f"the cpu_ref artifact is not a valid kernel encoding: {err.message}",
                code="V532",
                fix="clear the compile cache (vyre cache clear) and compile again",
            ) from err
        if len(module.kernels) != 1:
            raise BackendError(
                f"a cpu_ref artifact holds one kernel, but this one holds {len(module.kernels)}",
                code="V532",
                fix="clear the compile cache (vyre cache clear) and compile again",
            )
        return CpuRefExecutable(module.kernels[0])
