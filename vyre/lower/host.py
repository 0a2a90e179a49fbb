"""Host-CPU target hooks and the driver that runs every invocation of a dispatch in a loop.

The kernel body becomes an internal function taking the ABI arguments plus nine ``u32``
ids (wid x/y/z, lid x/y/z, nwg x/y/z).  A kernel with barriers instead becomes a function
for a whole workgroup (ABI arguments plus wid and nwg) that runs the code between barriers
as loops over the invocations (vyre.lower.workgroup).  The exported driver

    void vyre_run_<kernel>(void **args, u32 nwg_x, u32 nwg_y, u32 nwg_z)

takes the arguments the way ``cuLaunchKernel`` does (``args[i]`` points at the value of
ABI argument ``i``), and for each workgroup (x fastest) zeroes the shared arrays and calls
the body for each invocation (x fastest), one at a time.  So atomics are plain sequential
updates in invocation order, like the CPU reference.  Library math calls libm (``sinf``, ``atan2``...),
resolved from the process.
"""

from __future__ import annotations

from llvmlite import ir

from vyre.errors import BackendError
from vyre.ir.nodes import Kernel
from vyre.ir.ops import Builtin, IdKind, MemOrder, Scope
from vyre.lower import types as T
from vyre.lower.context import TV, Ctx
from vyre.lower.hooks import LLVM_ORDER, TargetHooks, declare
from vyre.lower.kernel import abi_types, build_module

_ID_ORDER = (IdKind.WID, IdKind.LID, IdKind.NWG)
# VIR0 builtin -> C math function (f32 variants add "f"). rsqrt has no libm function.
_LIBM = {b: b.value for b in (
    Builtin.EXP, Builtin.EXP2, Builtin.EXPM1, Builtin.LOG, Builtin.LOG2, Builtin.LOG10,
    Builtin.LOG1P, Builtin.SIN, Builtin.COS, Builtin.TAN, Builtin.ASIN, Builtin.ACOS,
    Builtin.ATAN, Builtin.ATAN2, Builtin.SINH, Builtin.COSH, Builtin.TANH, Builtin.POW,
    Builtin.CBRT, Builtin.HYPOT,
)}


def driver_name(kernel: Kernel) -> str:
    return f"vyre_run_{kernel.name}"


class HostHooks(TargetHooks):
    """Lowering for the CPU running this process; one instance per kernel built."""

    name = "host"
    global_addrspace = 0
    shared_addrspace = 0

    def __init__(self, triple: str, barriers: bool = False) -> None:
        self.triple = triple
        self.barriers = barriers  # one call per workgroup (regions between barriers)
        self.shared: list[tuple[ir.GlobalVariable, int, ir.Type]] = []

    def entry_function(self, module: ir.Module, kernel: Kernel, abi_types: list[ir.Type]) -> ir.Function:
        extra, name = (6, "workgroup") if self.barriers else (9, "invocation")
        fn = ir.Function(module, ir.FunctionType(T.VOID, abi_types + [T.I32] * extra), f"{kernel.name}.{name}")
        fn.linkage = "internal"
        # Kept out of line: inlining the body into the six-deep dispatch loop nest roughly
        # tripled O3 + codegen time on generated programs and gained little.
        fn.attributes.add("noinline")
        return fn

    def thread_id(self, ctx: Ctx, kind: IdKind, axis: int) -> ir.Value:
        if self.barriers:
            if kind is IdKind.LID:
                return ctx.ids[("lid", axis)]  # the current invocation of the region loop
            first = len(ctx.fn.args) - 6
            return ctx.fn.args[first + (3 if kind is IdKind.NWG else 0) + axis]
        first = len(ctx.fn.args) - 9
        return ctx.fn.args[first + 3 * _ID_ORDER.index(kind) + axis]

    def barrier(self, ctx: Ctx) -> None:
        raise barrier_error(ctx.kernel)  # barriers are region boundaries, never lowered

    def lower_body(self, ctx: Ctx, body: tuple) -> None:
        if self.barriers:
            from vyre.lower.workgroup import lower_body

            lower_body(ctx, body)
        else:
            super().lower_body(ctx, body)

    def init_shared(self, ctx: Ctx, arrays: list[tuple[ir.GlobalVariable, int, ir.Type]]) -> None:
        self.shared = list(arrays)  # the driver zeroes them once per workgroup

    def syncscope(self, scope: Scope) -> str:
        return ""  # one invocation at a time: every scope is the same

    def atomic_rmw(self, ctx: Ctx, op: str, ptr: ir.Value, val: TV, order: MemOrder,
                   scope: Scope, shared: bool) -> ir.Value:
        return ctx.builder.atomic_rmw(op, ptr, val.v, LLVM_ORDER[order])

    def math(self, ctx: Ctx, fn: Builtin, args: list[TV]) -> ir.Value:
        t = args[0].t
        ty = T.value_type(t)
        if fn is Builtin.RSQRT:
            sqrt = declare(ctx.module, f"llvm.sqrt.f{t.bits}", ty, [ty])
            return ctx.builder.fdiv(ir.Constant(ty, 1.0), ctx.builder.call(sqrt, [args[0].v]))
        return self._libm(ctx, _LIBM[fn], args)

    def fmod(self, ctx: Ctx, a: TV, b: TV) -> ir.Value:
        return ctx.builder.frem(a.v, b.v)  # LLVM lowers frem to fmod/fmodf on the host

    def _libm(self, ctx: Ctx, base: str, args: list[TV]) -> ir.Value:
        t = args[0].t
        ty = T.value_type(t)
        name = base + ("f" if t.bits == 32 else "")
        return ctx.builder.call(declare(ctx.module, name, ty, [ty] * len(args)), [a.v for a in args])


def barrier_error(kernel: Kernel) -> BackendError:
    return BackendError(
        f"kernel '{kernel.name}' has a barrier() the host lowering could not place",
        code="V530",
        fix="validate the kernel first (barriers must be in uniform control flow, V250), or "
        "run it with backend='cpu_ref' or backend='ptx'",
    )


def build_host_module(kernel: Kernel, triple: str) -> ir.Module:
    """The kernel body plus the driver ``vyre_run_<kernel>`` for the host."""
    from vyre.lower.workgroup import has_barrier

    hooks = HostHooks(triple, barriers=has_barrier(kernel.body))
    module = build_module(kernel, hooks)
    body = module.get_global(f"{kernel.name}.{'workgroup' if hooks.barriers else 'invocation'}")
    _build_driver(module, kernel, body, hooks.shared, hooks.barriers)
    return module


def _build_driver(module: ir.Module, kernel: Kernel, body: ir.Function,
                  shared: list[tuple[ir.GlobalVariable, int, ir.Type]], per_workgroup: bool) -> None:
    ptr = ir.PointerType()
    fn = ir.Function(module, ir.FunctionType(T.VOID, [ptr, T.I32, T.I32, T.I32]), driver_name(kernel))
    args_ptr, *nwg = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    values = []
    for i, ty in enumerate(abi_types(kernel, HostHooks(module.triple))):
        slot = b.load(b.gep(args_ptr, [ir.Constant(T.I64, i)], source_etype=ptr), typ=ptr)
        values.append(b.load(slot, typ=ty))
    wg = [ir.Constant(T.I32, s) for s in kernel.workgroup3]
    memset = declare(module, "llvm.memset.p0.i64", T.VOID, [ptr, T.I8, T.I64, T.I1])

    def invocations(wid: list[ir.Value]) -> None:
        for gv, size, elem in shared:
            nbytes = size * T.byte_size(elem)
            b.call(memset, [gv, ir.Constant(T.I8, 0), ir.Constant(T.I64, nbytes), ir.Constant(T.I1, 0)])
        if per_workgroup:
            b.call(body, values + wid + list(nwg))
        else:
            _nest(b, fn, list(reversed(wg)), lambda lid: b.call(body, values + wid + lid + list(nwg)))

    _nest(b, fn, list(reversed(nwg)), invocations)
    b.ret_void()


def _nest(b: ir.IRBuilder, fn: ir.Function, counts: list[ir.Value], inner) -> None:
    """Three nested counted loops (z outermost); calls ``inner([x, y, z])`` innermost."""
    def level(depth: int, outer: list[ir.Value]) -> None:
        if depth == len(counts):
            inner(list(reversed(outer)))
            return
        pre = b.block
        head = fn.append_basic_block("loop")
        b.branch(head)
        b.position_at_end(head)
        i = b.phi(T.I32)
        i.add_incoming(ir.Constant(T.I32, 0), pre)
        level(depth + 1, outer + [i])
        nxt = b.add(i, ir.Constant(T.I32, 1))
        i.add_incoming(nxt, b.block)
        done = fn.append_basic_block("loop.end")
        b.cbranch(b.icmp_unsigned("<", nxt, counts[depth]), head, done)
        b.position_at_end(done)

    level(0, [])
