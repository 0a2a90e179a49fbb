"""NVIDIA libdevice: finding it, and linking in only the functions a kernel calls.

Parsing all of libdevice (about 470 KB of bitcode, ~600 functions) for every kernel would
dominate compile time, so each ``__nv_*`` function is extracted once per process into a
small bitcode module holding it and its callees, and kernels link those pieces.
After linking, every libdevice function is made internal; the O3 pipeline inlines them and
its global dead-code elimination removes the rest.
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

import llvmlite.binding as llvm

from vyre.errors import LoweringError
from vyre.ir.ops import ScalarType

PREFIX = "__nv_"
_FILE = "libdevice.10.bc"
# Where the nvidia-nvvm / nvidia-cuda-nvcc wheels put libdevice, relative to nvidia/.
_WHEEL_DIRS = ("cu13/nvvm/libdevice", "cuda_nvcc/nvvm/libdevice", "cu12/nvvm/libdevice", "nvvm/libdevice")

_lock = threading.Lock()
# Each piece is the bitcode of some libdevice functions (external) and their callees and
# tables (internal).  A function is external in exactly one piece, so any set of pieces
# links without clashes.
_pieces: dict[str, bytes] = {}  # function name -> the piece that defines it


def libdevice_name(base: str, t: ScalarType) -> str:
    """The libdevice function for C math function ``base`` at float type ``t``."""
    return f"{PREFIX}{base}{'f' if t is ScalarType.F32 else ''}"


def candidates() -> list[Path]:
    """Where libdevice is looked for, in order: the wheels, $CUDA_HOME, /usr/local/cuda."""
    out: list[Path] = []
    env = os.environ.get("VYRE_LIBDEVICE")
    if env:
        out.append(Path(env))
    try:
        import nvidia  # the namespace package of NVIDIA's wheels

        for root in getattr(nvidia, "__path__", []):
            out.extend(Path(root) / d / _FILE for d in _WHEEL_DIRS)
    except ImportError:
        pass
    for var in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(var):
            out.append(Path(os.environ[var]) / "nvvm" / "libdevice" / _FILE)
    out.append(Path("/usr/local/cuda/nvvm/libdevice") / _FILE)
    return out


@functools.cache
def find() -> Path:
    """The path of libdevice.10.bc; LoweringError with a Fix: when it is nowhere."""
    for path in candidates():
        if path.is_file():
            return path
    raise LoweringError(
        "the kernel uses a transcendental function (sin, exp, pow, ...) or float %, which "
        "the PTX backend takes from NVIDIA's libdevice, but libdevice.10.bc was not found",
        code="V511",
        fix="pip install 'vyre[cuda]' (or nvidia-nvvm), or set CUDA_HOME to a CUDA toolkit",
    )


@functools.cache
def _bitcode() -> bytes:
    return find().read_bytes()


def _extract(names: set[str], triple: str, layout: str) -> bytes:
    """Bitcode of libdevice cut down to ``names`` and what they call (one parse for all)."""
    mod = llvm.parse_bitcode(_bitcode())
    found: set[str] = set()
    for fn in mod.functions:
        if fn.is_declaration:
            continue
        if fn.name in names:
            found.add(fn.name)
        else:
            fn.linkage = "internal"
    for gv in mod.global_variables:
        # Constant tables (e.g. the sin/cos reduction table) must not clash between pieces.
        if not gv.is_declaration:
            gv.linkage = "internal"
    if found != names:
        raise LoweringError(
            f"libdevice at {find()} has no function '{sorted(names - found)[0]}'",
            code="V511",
            fix="install a current libdevice: pip install -U nvidia-nvvm",
        )
    mod.triple = triple
    mod.data_layout = layout
    pm = llvm.create_new_module_pass_manager()
    pm.add_global_dead_code_eliminate_pass()
    pb = llvm.create_pass_builder(_null_tm(), llvm.create_pipeline_tuning_options(0))
    pm.run(mod, pb)
    return mod.as_bitcode()


@functools.cache
def _null_tm() -> llvm.TargetMachine:
    from vyre.lower.target import nvptx_target_machine

    return nvptx_target_machine("sm_90", 0)


def link(mod: llvm.ModuleRef, keep: str) -> list[str]:
    """Link the libdevice functions ``mod`` declares into it and make them internal.

    ``keep`` is the kernel entry, the one function left external.  Returns the names linked.
    """
    wanted = sorted(f.name for f in mod.functions if f.is_declaration and f.name.startswith(PREFIX))
    if not wanted:
        return []
    with _lock:
        missing = {name for name in wanted if name not in _pieces}
        if missing:
            piece = _extract(missing, mod.triple, mod.data_layout)
            for name in missing:
                _pieces[name] = piece
        pieces = list({id(_pieces[name]): _pieces[name] for name in wanted}.values())
    for piece in pieces:
        mod.link_in(llvm.parse_bitcode(piece))
    if wanted:
        for fn in mod.functions:
            if fn.name != keep and not fn.is_declaration:
                fn.linkage = "internal"
    return wanted
