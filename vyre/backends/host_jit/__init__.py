"""The host-JIT backend: vyre's LLVM lowering compiled for this CPU and run in-process."""

from vyre.backends.host_jit.backend import HostJitBackend, HostJitExecutable

__all__ = ["HostJitBackend", "HostJitExecutable"]
