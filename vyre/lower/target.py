"""Target machines, optimisation and emission (the llvmlite.binding side of lowering).

LLVM IR text built with llvmlite.ir meets LLVM here: it is parsed, verified, optimised with
the new pass manager's O-level pipeline, and emitted as PTX or a native object file.
"""

from __future__ import annotations

import functools
import re
import threading

import llvmlite.binding as llvm

from vyre.errors import LoweringError

NVPTX_TRIPLE = "nvptx64-nvidia-cuda"
DEFAULT_ARCH = "sm_90"

# Architectures LLVM's NVPTX backend and CUDA 13 both support, with the lowest PTX ISA
# version each needs.  The PTX version is kept as low as the architecture allows, so the
# PTX also loads on older drivers (CUDA 13.0 drivers accept PTX ISA up to 9.0).  sm_101
# is absent: CUDA 13 renamed it sm_110.
_MIN_PTX = {
    "sm_75": 63, "sm_80": 70, "sm_86": 71, "sm_87": 74, "sm_89": 78,
    "sm_90": 78, "sm_90a": 80, "sm_100": 86, "sm_100a": 86,
    "sm_103": 88, "sm_103a": 88, "sm_110": 90, "sm_110a": 90, "sm_120": 87, "sm_120a": 87,
    "sm_121": 88, "sm_121a": 88,
}
# Scoped atomics with .sem qualifiers (atom.acq_rel.gpu ...) need PTX ISA 6.3 or later;
# ld.relaxed.sys needs 6.0, so every entry above qualifies.
_ARCH_RE = re.compile(r"^(sm_|compute_)?(\d{2,3}[af]?)$")

_lock = threading.Lock()
_initialized = False


def _init() -> None:
    global _initialized
    with _lock:
        if not _initialized:
            llvm.initialize_all_targets()
            llvm.initialize_all_asmprinters()
            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            _initialized = True


def supported_archs() -> tuple[str, ...]:
    return tuple(_MIN_PTX)


def normalize_arch(arch: str | None) -> str:
    """``"sm_90"`` from ``"sm_90"``, ``"90"``, ``"compute_90"`` or ``(9, 0)``-style ``"9.0"``."""
    if arch is None:
        return DEFAULT_ARCH
    text = str(arch).strip().lower().replace(".", "")
    m = _ARCH_RE.match(text)
    name = f"sm_{m.group(2)}" if m else text
    if name not in _MIN_PTX:
        raise LoweringError(
            f"unknown or unsupported GPU architecture '{arch}'",
            code="V512",
            fix=f"use one of: {', '.join(_MIN_PTX)} (or leave arch unset for {DEFAULT_ARCH} / the present GPU)",
        )
    return name


def ptx_version(arch: str) -> int:
    """The PTX ISA version (as 78 for 7.8) emitted for ``arch``."""
    return _MIN_PTX[normalize_arch(arch)]


@functools.cache
def nvptx_target_machine(arch: str, opt_level: int = 3) -> llvm.TargetMachine:
    """An NVPTX target machine for ``arch`` (e.g. "sm_90")."""
    check_opt_level(opt_level)
    _init()
    arch = normalize_arch(arch)
    target = llvm.Target.from_triple(NVPTX_TRIPLE)
    return target.create_target_machine(cpu=arch, features=f"+ptx{_MIN_PTX[arch]}", opt=opt_level)


@functools.cache
def host_target_machine(opt_level: int = 3) -> llvm.TargetMachine:
    """A shared target machine for the CPU this process runs on (JIT relocation model)."""
    return new_host_target_machine(opt_level)


def new_host_target_machine(opt_level: int = 3) -> llvm.TargetMachine:
    """A fresh host target machine; an MCJIT engine takes ownership of the one it gets."""
    check_opt_level(opt_level)
    _init()
    target = llvm.Target.from_default_triple()
    return target.create_target_machine(
        cpu=llvm.get_host_cpu_name(),
        features=llvm.get_host_cpu_features().flatten(),
        opt=opt_level,
        reloc="static",
        codemodel="jitdefault",
    )


def parse(text: str) -> llvm.ModuleRef:
    """Parse and verify LLVM IR text; a failure is a LoweringError (a bug in vyre)."""
    _init()
    try:
        mod = llvm.parse_assembly(text)
        mod.verify()
    except RuntimeError as e:
        raise LoweringError(
            f"LLVM rejected the generated IR: {str(e).strip()}",
            code="V513",
            fix="this is a bug in vyre's lowering; please report it with the program",
        ) from None
    return mod


def check_opt_level(opt_level: int) -> int:
    """``opt_level`` if it is 0 to 3; LoweringError otherwise."""
    if isinstance(opt_level, bool) or not isinstance(opt_level, int) or not 0 <= opt_level <= 3:
        raise LoweringError(
            f"opt_level must be 0, 1, 2 or 3, but got {opt_level!r}",
            code="V512",
            fix="pass opt_level=3 (the default) or a smaller level from 0 to 3",
        )
    return opt_level


def optimize(mod: llvm.ModuleRef, tm: llvm.TargetMachine, opt_level: int) -> None:
    """Run LLVM's standard O-level pipeline (tuned for ``tm``) on ``mod`` in place."""
    check_opt_level(opt_level)
    pto = llvm.create_pipeline_tuning_options(speed_level=opt_level)
    pb = llvm.create_pass_builder(tm, pto)
    pm = pb.getModulePassManager()
    pm.run(mod, pb)


def emit_assembly(mod: llvm.ModuleRef, tm: llvm.TargetMachine) -> str:
    return tm.emit_assembly(mod)


def emit_object(mod: llvm.ModuleRef, tm: llvm.TargetMachine) -> bytes:
    return tm.emit_object(mod)
