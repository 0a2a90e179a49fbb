"""Asking cuda-python (if installed) for the present GPU's compute capability."""

from __future__ import annotations

import functools


@functools.cache
def present_arch() -> str | None:
    """``"sm_XY"`` of GPU 0, or None without cuda-python, a driver or a GPU. Never raises."""
    try:
        from cuda.bindings import driver as cu
    except Exception:
        try:
            from cuda import cuda as cu  # cuda-python < 12.6 layout
        except Exception:
            return None
    try:
        (err,) = cu.cuInit(0)
        if int(err) != 0:
            return None
        err, dev = cu.cuDeviceGet(0)
        if int(err) != 0:
            return None
        attrs = cu.CUdevice_attribute
        err, major = cu.cuDeviceGetAttribute(attrs.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev)
        if int(err) != 0:
            return None
        err, minor = cu.cuDeviceGetAttribute(attrs.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev)
        if int(err) != 0:
            return None
        return f"sm_{major}{minor}"
    except Exception:
        return None
