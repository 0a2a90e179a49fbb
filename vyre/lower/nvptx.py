"""NVPTX target hooks: special registers, bar.sync, scoped PTX atomics and libdevice math."""

from __future__ import annotations

from llvmlite import ir

from vyre.ir.nodes import Kernel
from vyre.ir.ops import Builtin, IdKind, MemOrder, ScalarType, Scope
from vyre.lower import types as T
from vyre.lower.context import TV, Ctx
from vyre.lower.hooks import TargetHooks, declare
from vyre.lower.libdevice import libdevice_name

_SREG = {IdKind.LID: "tid", IdKind.WID: "ctaid", IdKind.NWG: "nctaid"}
_PTX_SCOPE = {Scope.WORKGROUP: "cta", Scope.DEVICE: "gpu", Scope.SYSTEM: "sys"}
_SYNCSCOPE = {Scope.WORKGROUP: "block", Scope.DEVICE: "device", Scope.SYSTEM: ""}
# seq_cst read-modify-write is a fence.sc followed by an acquire RMW, as LLVM does for cmpxchg.
_PTX_SEM = {
    MemOrder.RELAXED: "relaxed",
    MemOrder.ACQUIRE: "acquire",
    MemOrder.RELEASE: "release",
    MemOrder.ACQ_REL: "acq_rel",
    MemOrder.SEQ_CST: "acquire",
}
# LLVM atomicrmw operation -> PTX atom operation and the type-suffix family it takes.
_PTX_OP = {
    "add": ("add", "u"),
    "fadd": ("add", "f"),
    "and": ("and", "b"),
    "or": ("or", "b"),
    "xor": ("xor", "b"),
    "max": ("max", "s"),
    "min": ("min", "s"),
    "umax": ("max", "u"),
    "umin": ("min", "u"),
    "xchg": ("exch", "b"),
}
_CONSTRAINT = {ScalarType.I32: "r", ScalarType.U32: "r", ScalarType.I64: "l", ScalarType.U64: "l",
               ScalarType.F32: "f", ScalarType.F64: "d"}


class NvptxHooks(TargetHooks):
    """Lowering for ``nvptx64-nvidia-cuda``: one kernel entry, ids from special registers."""

    name = "nvptx"
    triple = "nvptx64-nvidia-cuda"
    global_addrspace = 1
    shared_addrspace = 3

    def entry_function(self, module: ir.Module, kernel: Kernel, abi_types: list[ir.Type]) -> ir.Function:
        fn = ir.Function(module, ir.FunctionType(T.VOID, abi_types), kernel.name)
        fn.calling_convention = "ptx_kernel"
        # .reqntid: ptxas may budget registers for exactly this block size, and a launch
        # with another block size fails instead of running with the wrong workgroup.
        for axis, size in zip("xyz", kernel.workgroup3, strict=True):
            module.add_named_metadata("nvvm.annotations", [fn, f"reqntid{axis}", ir.Constant(T.I32, size)])
        return fn

    def thread_id(self, ctx: Ctx, kind: IdKind, axis: int) -> ir.Value:
        name = f"llvm.nvvm.read.ptx.sreg.{_SREG[kind]}.{'xyz'[axis]}"
        return ctx.builder.call(declare(ctx.module, name, T.I32, []), [])

    def barrier(self, ctx: Ctx) -> None:
        # bar.sync 0: waits for the whole CTA and orders its shared and global accesses.
        fn = declare(ctx.module, "llvm.nvvm.barrier.cta.sync.aligned.all", T.VOID, [T.I32])
        ctx.builder.call(fn, [ir.Constant(T.I32, 0)])

    def init_shared(self, ctx: Ctx, arrays: list[tuple[ir.GlobalVariable, int, ir.Type]]) -> None:
        if not arrays:
            return
        b = ctx.builder
        wx, wy, _ = ctx.kernel.workgroup3
        lid = [self.thread_id(ctx, IdKind.LID, a) for a in range(3)]
        linear = b.add(lid[0], b.mul(ir.Constant(T.I32, wx), b.add(lid[1], b.mul(ir.Constant(T.I32, wy), lid[2]))))
        stride = ir.Constant(T.I32, ctx.kernel.invocations_per_workgroup)
        for gv, size, elem in arrays:
            # Each invocation clears elements linear, linear + stride, ...
            head = ctx.new_block(f"zero.{gv.name}.head")
            body = ctx.new_block(f"zero.{gv.name}.body")
            done = ctx.new_block(f"zero.{gv.name}.done")
            pre = b.block
            b.branch(head)
            b.position_at_end(head)
            i = b.phi(T.I32)
            i.add_incoming(linear, pre)
            b.cbranch(b.icmp_unsigned("<", i, ir.Constant(T.I32, size)), body, done)
            b.position_at_end(body)
            b.store(ir.Constant(elem, None), b.gep(gv, [ir.Constant(T.I32, 0), i], inbounds=True))
            i.add_incoming(b.add(i, stride), body)
            b.branch(head)
            b.position_at_end(done)
        self.barrier(ctx)

    def syncscope(self, scope: Scope) -> str:
        return _SYNCSCOPE[scope]

    def atomic_rmw(self, ctx: Ctx, op: str, ptr: ir.Value, val: TV, order: MemOrder,
                   scope: Scope, shared: bool) -> ir.Value:
        # LLVM 22's NVPTX backend drops the ordering and scope of atomicrmw (it does honour
        # them for cmpxchg and atomic loads), so the instruction is written out in PTX.
        b = ctx.builder
        t = val.t
        value = val.v
        if op == "fsub":
            op, value = "fadd", b.fneg(value)
        elif op == "sub":
            op, value = "add", b.sub(ir.Constant(value.type, 0), value)
        ptx_op, family = _PTX_OP[op]
        bits_in = family == "b" and t.is_float
        if bits_in:
            value = b.bitcast(value, T.bits_type(t))
        suffix = f".{family}{t.bits}"
        space = "shared" if shared else "global"
        sc = _PTX_SCOPE[scope]
        fence = f"fence.sc.{sc};\n\t" if order is MemOrder.SEQ_CST else ""
        asm = f"{fence}atom.{_PTX_SEM[order]}.{sc}.{space}.{ptx_op}{suffix} $0, [$1], $2;"
        c = "l" if bits_in and t.bits == 64 else ("r" if bits_in else _CONSTRAINT[t])
        fnty = ir.FunctionType(value.type, [ptr.type, value.type])
        inline = ir.InlineAsm(fnty, asm, f"={c},l,{c},~{{memory}}", side_effect=True)
        out = b.call(inline, [ptr, value])
        return b.bitcast(out, T.value_type(t)) if bits_in else out

    def math(self, ctx: Ctx, fn: Builtin, args: list[TV]) -> ir.Value:
        return self._libdevice(ctx, fn.value, args)

    def fmod(self, ctx: Ctx, a: TV, b: TV) -> ir.Value:
        # frem would lower to x - trunc(x / y) * y on NVPTX, which is not exact.
        return self._libdevice(ctx, "fmod", [a, b])

    def _libdevice(self, ctx: Ctx, base: str, args: list[TV]) -> ir.Value:
        t = args[0].t
        ty = T.value_type(t)
        fn = declare(ctx.module, libdevice_name(base, t), ty, [ty] * len(args))
        return ctx.builder.call(fn, [a.v for a in args])
