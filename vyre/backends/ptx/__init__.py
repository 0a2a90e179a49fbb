"""The PTX backend: NVIDIA GPUs through cuda-python's driver API.

``PtxBackend`` (registry name ``"ptx"``) builds a cubin from vyre.lower's PTX and loads it;
``DeviceArray`` / ``to_device`` keep data on the GPU between calls; ``HostMappedArray`` /
``host_mapped`` are pinned host memory that kernels read and write directly.
Importing this package does not import cuda-python or touch the GPU.
"""

from vyre.backends.ptx.backend import PtxBackend
from vyre.backends.ptx.context import synchronize
from vyre.backends.ptx.memory import DeviceArray, HostMappedArray, host_mapped, to_device

__all__ = ["DeviceArray", "HostMappedArray", "PtxBackend", "host_mapped", "synchronize", "to_device"]
