"""Finding and running NVIDIA's ptxas, the PTX assembler, to check or assemble PTX offline."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from vyre.errors import LoweringError
from vyre.lower.target import normalize_arch

# Where the nvidia-cuda-nvcc wheels put ptxas, relative to the nvidia/ namespace package.
_WHEEL_BINS = ("cu13/bin", "cuda_nvcc/bin", "cu12/bin")


def candidates() -> list[Path]:
    """Where ptxas is looked for, in order: $VYRE_PTXAS, PATH, the wheels, CUDA_HOME, /usr/local/cuda."""
    out: list[Path] = []
    if os.environ.get("VYRE_PTXAS"):
        out.append(Path(os.environ["VYRE_PTXAS"]))
    on_path = shutil.which("ptxas")
    if on_path:
        out.append(Path(on_path))
    try:
        import nvidia

        for root in getattr(nvidia, "__path__", []):
            out.extend(Path(root) / d / "ptxas" for d in _WHEEL_BINS)
    except ImportError:
        pass
    for var in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(var):
            out.append(Path(os.environ[var]) / "bin" / "ptxas")
    out.append(Path("/usr/local/cuda/bin/ptxas"))
    return out


@functools.cache
def find() -> Path | None:
    """The ptxas executable, or None when none is installed."""
    for path in candidates():
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def require() -> Path:
    """The ptxas executable; LoweringError with a Fix: when it is missing."""
    path = find()
    if path is None:
        raise LoweringError(
            "ptxas (NVIDIA's PTX assembler) was not found",
            code="V515",
            fix="pip install nvidia-cuda-nvcc (or vyre[dev]), or put a CUDA toolkit's bin/ on PATH",
        )
    return path


def assemble(ptx: str, arch: str | None = None, extra: tuple[str, ...] = ()) -> bytes:
    """Assemble PTX text to a cubin for ``arch``; LoweringError carries ptxas's message."""
    exe = require()
    arch = normalize_arch(arch)
    with tempfile.TemporaryDirectory(prefix="vyre-ptxas-") as tmp:
        src = Path(tmp) / "kernel.ptx"
        out = Path(tmp) / "kernel.cubin"
        src.write_text(ptx)
        try:
            proc = subprocess.run(
                [str(exe), f"-arch={arch}", *extra, str(src), "-o", str(out)],
                capture_output=True, text=True, timeout=120,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise LoweringError(f"ptxas could not run: {e}", code="V515",
                                fix="check the ptxas installation (pip install -U nvidia-cuda-nvcc)") from None
        if proc.returncode != 0:
            raise LoweringError(
                f"ptxas rejected the PTX for {arch}: {(proc.stderr or proc.stdout).strip()}",
                code="V516",
                fix="this is a bug in vyre's PTX generation (or ptxas is older than the PTX ISA "
                "version used); please report it with the program",
            )
        return out.read_bytes()
