"""Target hooks: the few places where NVPTX and the host CPU lower differently.

Everything else (expressions, statements, bounds checks) is shared.  A target decides how
the entry function looks, where invocation ids come from, and how barriers, fences,
read-modify-write atomics and library math are emitted.
"""

from __future__ import annotations

import abc

from llvmlite import ir

from vyre.ir.nodes import Kernel
from vyre.ir.ops import Builtin, IdKind, MemOrder, Scope
from vyre.lower.context import TV, Ctx

# VIR0 orders as LLVM atomic orderings.
LLVM_ORDER = {
    MemOrder.RELAXED: "monotonic",
    MemOrder.ACQUIRE: "acquire",
    MemOrder.RELEASE: "release",
    MemOrder.ACQ_REL: "acq_rel",
    MemOrder.SEQ_CST: "seq_cst",
}


class TargetHooks(abc.ABC):
    """How one target lowers the target-specific parts of a kernel."""

    name: str
    triple: str
    global_addrspace: int = 0
    shared_addrspace: int = 0

    @abc.abstractmethod
    def entry_function(self, module: ir.Module, kernel: Kernel, abi_types: list[ir.Type]) -> ir.Function:
        """Declare the function the kernel body is emitted into."""

    @abc.abstractmethod
    def thread_id(self, ctx: Ctx, kind: IdKind, axis: int) -> ir.Value:
        """lid, wid or nwg component ``axis`` as an i32 (gid is derived from them)."""

    @abc.abstractmethod
    def barrier(self, ctx: Ctx) -> None:
        """A workgroup execution and memory barrier."""

    @abc.abstractmethod
    def init_shared(self, ctx: Ctx, arrays: list[tuple[ir.GlobalVariable, int, ir.Type]]) -> None:
        """Make every shared array zero at the start of each workgroup."""

    @abc.abstractmethod
    def syncscope(self, scope: Scope) -> str:
        """The LLVM syncscope name of a VIR0 scope ("" is the whole system)."""

    @abc.abstractmethod
    def atomic_rmw(self, ctx: Ctx, op: str, ptr: ir.Value, val: TV, order: MemOrder,
                   scope: Scope, shared: bool) -> ir.Value:
        """An atomic read-modify-write; ``op`` is an LLVM atomicrmw operation name."""

    @abc.abstractmethod
    def math(self, ctx: Ctx, fn: Builtin, args: list[TV]) -> ir.Value:
        """A transcendental builtin from the target's math library."""

    @abc.abstractmethod
    def fmod(self, ctx: Ctx, a: TV, b: TV) -> ir.Value:
        """C fmod, exact."""

    def lower_body(self, ctx: Ctx, body: tuple) -> None:
        """Lower the kernel body; a target may restructure it (the host does, for barriers)."""
        from vyre.lower.stmt import lower_block

        lower_block(ctx, body)

    def fence(self, ctx: Ctx, order: MemOrder, scope: Scope) -> None:
        # A fence needs at least acquire; relaxed orders nothing, so it is dropped.
        if order is MemOrder.RELAXED:
            return
        ss = self.syncscope(scope)
        ctx.builder.fence(LLVM_ORDER[order], ss or None)


def declare(module: ir.Module, name: str, ret: ir.Type, args: list[ir.Type]) -> ir.Function:
    """The function ``name`` in ``module``, declared on first use."""
    fn = module.globals.get(name)
    if fn is None:
        fn = ir.Function(module, ir.FunctionType(ret, args), name)
    return fn
