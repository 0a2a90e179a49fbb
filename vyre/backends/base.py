"""The interface every backend implements.

A backend turns a validated, type-resolved kernel into an *artifact* (bytes that the
compile cache can store: PTX, an object file, a serialized plan) and loads an artifact
into an *executable* that is called with named buffers and params.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from vyre.ir.nodes import Kernel


@dataclass(frozen=True)
class CompileOptions:
    """Options that change generated code; all of them are part of the cache key."""

    arch: str | None = None  # e.g. "sm_90"; None: the backend's default (the GPU's, if present)
    opt_level: int = 3

    def key(self) -> bytes:
        return f"arch={self.arch};O{self.opt_level}".encode()


class Executable(abc.ABC):
    """A loaded kernel. Call it with keyword arguments named after the kernel's decls."""

    kernel: Kernel

    @abc.abstractmethod
    def __call__(self, grid: int | tuple[int, ...] | None = None, **args: Any) -> dict[str, np.ndarray]:
        """Run once over ``grid`` workgroups (default: docs/semantics.md, "Dispatch grid").

        Returns the writable buffers by name.
        """


class Backend(abc.ABC):
    """A code generator plus a runtime. Registered in ``vyre.backends.registry``."""

    name: ClassVar[str]

    def unavailable_reason(self) -> str | None:
        """None when the backend can run here, else why not (with what to install)."""
        return None

    def target(self, options: CompileOptions) -> str:
        """The concrete target the artifact is built for (part of the cache key)."""
        return self.name

    @abc.abstractmethod
    def build(self, kernel: Kernel, options: CompileOptions) -> bytes:
        """Compile a validated, type-resolved kernel to an artifact."""

    @abc.abstractmethod
    def load(self, artifact: bytes, kernel: Kernel, options: CompileOptions) -> Executable:
        """Turn an artifact made by ``build`` into something callable."""
