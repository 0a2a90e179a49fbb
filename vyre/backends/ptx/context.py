"""The GPU vyre runs on: device discovery, the primary context and vyre's stream.

vyre uses device 0's *primary* context (the one the CUDA runtime, CuPy and PyTorch share),
so device pointers from those libraries are valid in vyre's kernels and the other way round.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from vyre.backends.ptx import driver as drv

_lock = threading.RLock()  # re-entered: current() -> _open() -> unavailable_reason()
_tls = threading.local()
_device: Device | None = None
_probe: str | None | bool = False  # False: not probed yet; None: fine; str: why not


@dataclass
class Device:
    """One CUDA device with its retained primary context and the stream vyre launches on."""

    ordinal: int
    handle: Any
    name: str
    compute_capability: tuple[int, int]
    context: Any
    stream: Any
    multiprocessors: int

    @property
    def arch(self) -> str:
        """The device's PTX target, e.g. ``sm_90``."""
        major, minor = self.compute_capability
        return f"sm_{major}{minor}"

    def make_current(self) -> None:
        """Make the primary context current on this thread (the driver's current context is per thread)."""
        if getattr(_tls, "ctx", None) is not self.context:
            drv.call("cuCtxSetCurrent", self.context)
            _tls.ctx = self.context


def unavailable_reason() -> str | None:
    """None when cuda-python imports and a CUDA device is present, else why not.

    Probes once per process (cuInit + cuDeviceGetCount); creates no context.
    """
    global _probe
    if _probe is not False:
        return _probe  # type: ignore[return-value]
    with _lock:
        if _probe is False:
            _probe = _probe_driver()
    return _probe  # type: ignore[return-value]


def _probe_driver() -> str | None:
    if os.environ.get("VYRE_DISABLE_CUDA"):
        return "disabled by the VYRE_DISABLE_CUDA environment variable"
    mod = drv.driver()
    if mod is None:
        return drv.import_error()
    try:
        err = mod.cuInit(0)[0]
        if err:
            reason = f"the CUDA driver did not initialise ({drv.result_name(err)})"
            if drv.result_name(err) == "CUDA_ERROR_NOT_INITIALIZED":
                # what cuInit says in a child forked from a process that already used CUDA
                reason += ("; if this process was forked from one that had used CUDA, start it "
                           "with multiprocessing's 'spawn' method instead")
            return reason
        err, count = mod.cuDeviceGetCount()
        if err:
            return f"cuDeviceGetCount failed ({drv.result_name(err)})"
    except Exception as exc:  # libcuda.so missing: the bindings raise plain Python errors
        return f"no NVIDIA driver found ({exc.__class__.__name__}: {exc})"
    if count == 0:
        return "no CUDA device is present"
    return None


def current() -> Device:
    """Device 0 (or ``$VYRE_CUDA_DEVICE``) with its primary context current on this thread."""
    global _device
    dev = _device
    if dev is None:
        with _lock:
            if _device is None:
                _device = _open(int(os.environ.get("VYRE_CUDA_DEVICE", "0")))
            dev = _device
    dev.make_current()
    return dev


def _open(ordinal: int) -> Device:
    reason = unavailable_reason()
    if reason is not None:
        from vyre.errors import BackendUnavailableError

        raise BackendUnavailableError(
            f"the ptx backend cannot run here: {reason}",
            fix="run on a machine with an NVIDIA GPU and cuda-python, or use backend='host_jit'",
        )
    mod = drv.driver()
    attr = mod.CUdevice_attribute
    handle = drv.call("cuDeviceGet", ordinal)
    major = drv.call("cuDeviceGetAttribute", attr.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, handle)
    minor = drv.call("cuDeviceGetAttribute", attr.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, handle)
    sms = drv.call("cuDeviceGetAttribute", attr.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, handle)
    name = drv.call("cuDeviceGetName", 256, handle)
    name = bytes(name).split(b"\0", 1)[0].decode(errors="replace")
    context = drv.call("cuDevicePrimaryCtxRetain", handle)
    drv.call("cuCtxSetCurrent", context)
    _tls.ctx = context
    # The legacy default stream: work that CuPy or PyTorch queued on their default streams for
    # arrays passed zero-copy is ordered before vyre's kernels without any extra event.
    stream = mod.CUstream(0)
    return Device(ordinal, handle, name, (int(major), int(minor)), context, stream, int(sms))


def synchronize() -> None:
    """Wait until all of vyre's work on the device is done."""
    dev = current()
    drv.call("cuStreamSynchronize", dev.stream)
