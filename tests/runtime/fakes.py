"""A fake backend for compile-cache tests: counts builds and loads, checks its artifacts."""

from __future__ import annotations

from typing import Any

import numpy as np

from vyre.backends.base import Backend, CompileOptions, Executable
from vyre.errors import BackendError
from vyre.ir import wire
from vyre.ir.nodes import Binary, Buffer, Kernel, Let, Lit, Load, Ref, Store, ThreadId
from vyre.ir.ops import Access, BinOp, IdKind, ScalarType

ARTIFACT_PREFIX = b"FAKE-ARTIFACT:"


class FakeExecutable(Executable):
    """Returns the kernel its artifact holds, so a test can see what was loaded."""

    def __init__(self, kernel: Kernel, artifact: bytes) -> None:
        self.kernel = kernel
        self.artifact = artifact

    def __call__(self, grid: Any = None, **args: Any) -> dict[str, np.ndarray]:
        return {"loaded": np.frombuffer(self.artifact, dtype=np.uint8)}


class FakeBackend(Backend):
    """Artifacts are a prefix, the kernel's wire bytes and ``padding`` bytes (to control size)."""

    name = "fake"

    def __init__(self, padding: int = 0, name: str = "fake") -> None:
        self.name = name  # type: ignore[misc]
        self.padding = padding
        self.builds = 0
        self.loads = 0

    def target(self, options: CompileOptions) -> str:
        return options.arch or "fake-generic"

    def build(self, kernel: Kernel, options: CompileOptions) -> bytes:
        self.builds += 1
        return ARTIFACT_PREFIX + wire.encode(kernel) + b"\x00" * self.padding

    def load(self, artifact: bytes, kernel: Kernel, options: CompileOptions) -> Executable:
        self.loads += 1
        if not artifact.startswith(ARTIFACT_PREFIX):
            raise BackendError("not a fake artifact", code="V599", fix="rebuild it")
        body = artifact[len(ARTIFACT_PREFIX):len(artifact) - self.padding]
        if wire.decode(body) != wire.decode(wire.encode(kernel)):
            raise BackendError("the artifact holds another kernel", code="V599", fix="rebuild it")
        return FakeExecutable(kernel, artifact)


def scale_kernel(factor: int = 2, name: str = "scale", workgroup: int = 64) -> Kernel:
    """``out[i] = inp[i] * factor`` over u32, already resolved (every literal typed)."""
    i = Ref("i")
    return Kernel(
        name,
        (workgroup,),
        (
            Buffer("inp", ScalarType.U32, None, Access.READ),
            Buffer("out", ScalarType.U32, None, Access.WRITE),
        ),
        (
            Let("i", ScalarType.U32, ThreadId(IdKind.GID, 0)),
            Store("out", i, Binary(BinOp.MUL, Load("inp", i), Lit(factor, ScalarType.U32))),
        ),
    )
