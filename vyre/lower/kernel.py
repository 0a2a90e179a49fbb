"""Building the llvmlite.ir module of one kernel for a target (no llvmlite.binding here)."""

from __future__ import annotations

from llvmlite import ir

from vyre.errors import LoweringError, VyreError
from vyre.ir.nodes import Kernel
from vyre.ir.ops import PLACEMENT_SCOPE, Scope
from vyre.lower import types as T
from vyre.lower.abi import ArgKind, arguments
from vyre.lower.context import Binding, BufferRef, Ctx
from vyre.lower.hooks import TargetHooks


def abi_types(kernel: Kernel, hooks: TargetHooks) -> list[ir.Type]:
    """The LLVM types of the kernel's ABI arguments on ``hooks``'s target."""
    out: list[ir.Type] = []
    for a in arguments(kernel):
        if a.kind is ArgKind.BUFFER:
            out.append(ir.PointerType(addrspace=hooks.global_addrspace))
        else:
            out.append(T.abi_type(a.type))
    return out


def build_module(kernel: Kernel, hooks: TargetHooks) -> ir.Module:
    """The llvmlite.ir module holding ``kernel`` (validated and resolved) for ``hooks``."""
    try:
        return _build(kernel, hooks)
    except VyreError:
        raise
    except Exception as e:  # an llvmlite type error means the kernel was not what we expect
        raise LoweringError(
            f"kernel '{kernel.name}' could not be lowered: {type(e).__name__}: {e}",
            code="V514",
            fix="lower a validated, resolved kernel (vyre.ir.validate, then "
            "vyre.ir.infer.resolve); if it was, this is a bug in vyre: please report it",
        ) from e


def _build(kernel: Kernel, hooks: TargetHooks) -> ir.Module:
    module = ir.Module(name=kernel.name)
    module.triple = hooks.triple
    fn = hooks.entry_function(module, kernel, abi_types(kernel, hooks))
    entry = fn.append_basic_block("entry")
    start = fn.append_basic_block("start")
    ctx = Ctx(kernel=kernel, hooks=hooks, module=module, fn=fn, builder=ir.IRBuilder(start), entry=entry)
    _bind_arguments(ctx)
    arrays = []
    for s in kernel.shared:
        ty = ir.ArrayType(T.value_type(s.elem), s.size)
        gv = ir.GlobalVariable(module, ty, f"{kernel.name}.{s.name}", addrspace=hooks.shared_addrspace)
        gv.linkage = "internal"
        gv.align = 16
        # NVPTX shared memory cannot have an initializer; init_shared zeroes it instead.
        gv.initializer = ir.Constant(ty, None) if hooks.shared_addrspace == 0 else ir.Constant(ty, ir.Undefined)
        arrays.append((gv, s.size, T.value_type(s.elem)))
        # An opaque pointer, so element addressing works as for buffer arguments.
        ptr = ir.FormattedConstant(ir.PointerType(addrspace=hooks.shared_addrspace), gv.get_reference())
        ctx.buffers[s.name] = BufferRef(s.name, ptr, ir.Constant(T.I32, s.size), s.elem, Scope.WORKGROUP, None)
    hooks.init_shared(ctx, arrays)
    hooks.lower_body(ctx, kernel.body)
    if not ctx.builder.block.is_terminated:
        ctx.builder.ret_void()
    ir.IRBuilder(entry).branch(start)
    return module


def _bind_arguments(ctx: Ctx) -> None:
    b = ctx.builder
    values = iter(ctx.fn.args)
    by_name = {d.name: d for d in ctx.kernel.buffers}
    for a in arguments(ctx.kernel):
        v = next(values)
        if a.kind is ArgKind.PARAM:
            v.name = a.name
            if a.type.is_numeric:
                ctx.bind(a.name, Binding(v, a.type, mutable=False))
            else:  # bool travels as i8; any nonzero byte is true
                ctx.bind(a.name, Binding(b.icmp_unsigned("!=", v, ir.Constant(T.I8, 0)), a.type, False))
        elif a.kind is ArgKind.BUFFER:
            v.name = a.name
            d = by_name[a.name]
            length = ir.Constant(T.I32, d.size) if d.size is not None else None
            ctx.buffers[a.name] = BufferRef(a.name, v, length, d.elem, PLACEMENT_SCOPE[d.placement], d.placement)
        else:
            v.name = f"{a.name}.len"
            ref = ctx.buffers[a.name]
            ctx.buffers[a.name] = BufferRef(ref.name, ref.ptr, v, ref.elem, ref.scope, ref.placement)
