"""The CPU reference backend: a vectorised numpy interpreter that defines VIR0's semantics."""

from vyre.backends.cpu_ref.backend import CpuRefBackend, CpuRefExecutable

__all__ = ["CpuRefBackend", "CpuRefExecutable"]
