"""The state of lowering one kernel: builder, bindings, buffers and the loop stack."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from llvmlite import ir

from vyre.errors import LoweringError
from vyre.ir.nodes import Kernel
from vyre.ir.ops import Placement, ScalarType, Scope

if TYPE_CHECKING:
    from vyre.lower.hooks import TargetHooks


class TV(NamedTuple):
    """A lowered value with its VIR0 type."""

    v: ir.Value
    t: ScalarType


@dataclass(frozen=True)
class BufferRef:
    """Where a buffer or shared array lives and how long it is."""

    name: str
    ptr: ir.Value
    length: ir.Value  # u32, a constant for static sizes
    elem: ScalarType
    scope: Scope  # the scope of atomics on it (docs/semantics.md section 8)
    placement: Placement | None  # None for shared arrays


@dataclass(frozen=True)
class Binding:
    """A name in scope: an SSA value (let, loop variable, param) or a stack slot (var)."""

    value: ir.Value
    type: ScalarType
    mutable: bool
    lanes: bool = False  # value is an array with one slot per invocation (see Lanes)


@dataclass
class Lanes:
    """Host execution of a kernel with barriers: the code between barriers runs as a loop
    over the workgroup's invocations, so every binding has one slot per invocation."""

    size: int  # invocations per workgroup
    index: ir.Value  # the current invocation (linear lid); 0 outside a region
    done: ir.Value | None  # [size x i8]: the invocation has returned
    remaining: ir.Value  # i32: invocations that have not returned
    request: ir.Value  # i8: 1 = break, 2 = continue out of a region to a workgroup-level loop
    exit: ir.Block  # the end of the workgroup
    next_lane: ir.Block | None = None  # inside a region: where an invocation's turn ends
    depth: int = 0  # len(ctx.loops) when the region began


@dataclass
class Ctx:
    """Everything a lowering function needs; one per kernel."""

    kernel: Kernel
    hooks: TargetHooks
    module: ir.Module
    fn: ir.Function
    builder: ir.IRBuilder
    entry: ir.Block  # holds only stack slots; branches to the code when lowering is done
    buffers: dict[str, BufferRef] = field(default_factory=dict)
    scopes: list[dict[str, Binding]] = field(default_factory=lambda: [{}])
    loops: list[tuple[ir.Block, ir.Block]] = field(default_factory=list)  # (continue, break)
    ids: dict[tuple[str, int], ir.Value] = field(default_factory=dict)  # target-provided ids
    lanes: Lanes | None = None

    def slot(self, b: Binding) -> ir.Value:
        """The address holding a mutable or per-invocation binding's current value."""
        if b.lanes:
            assert self.lanes is not None
            zero = ir.Constant(ir.IntType(32), 0)
            return self.builder.gep(b.value, [zero, self.lanes.index], inbounds=True)
        return b.value

    def lookup(self, name: str) -> Binding:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        raise LoweringError(
            f"the name '{name}' is not bound at this point of kernel '{self.kernel.name}'",
            fix="validate the module first (vyre.ir.validate.validate) and lower a resolved kernel",
        )

    def bind(self, name: str, binding: Binding) -> None:
        self.scopes[-1][name] = binding

    def buffer(self, name: str) -> BufferRef:
        try:
            return self.buffers[name]
        except KeyError:
            raise LoweringError(
                f"'{name}' is not a buffer or shared array of kernel '{self.kernel.name}'",
                fix="validate the module first (vyre.ir.validate.validate)",
            ) from None

    def alloca(self, ty: ir.Type, name: str = "") -> ir.Value:
        """A stack slot in the entry block, so that mem2reg/SROA can promote it."""
        return ir.IRBuilder(self.entry).alloca(ty, name=name)

    def lane_array(self, ty: ir.Type, name: str) -> ir.Value:
        """Zeroed static storage with one ``ty`` per invocation of the workgroup.

        Static rather than on the stack: large workgroups times many bindings could overflow
        a thread's stack.  The host executable serialises calls, so it is never shared.
        """
        assert self.lanes is not None
        arr = ir.ArrayType(ty, self.lanes.size)
        gv = ir.GlobalVariable(self.module, arr, self.module.get_unique_name(f"lanes.{name}"))
        gv.linkage = "internal"
        gv.initializer = ir.Constant(arr, None)
        return gv

    def new_block(self, name: str) -> ir.Block:
        return self.fn.append_basic_block(name)
