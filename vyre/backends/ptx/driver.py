"""The one thin wrapper over cuda-python's driver API.

Every driver call returns ``(CUresult, *values)``; ``call`` turns a failing result into a
``CudaError`` that names the call and the CUresult, so nothing else in vyre looks at
result codes.  cuda-python is imported lazily: on a machine without it (or without a GPU
driver) importing vyre still works and ``import_error()`` says why the backend can't run.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

from vyre.errors import CudaError

_driver: Any = None
_import_error: str | None = None
_tried = False

# What to do about the most common failures, by CUresult name.
_FIXES: dict[str, str] = {
    "CUDA_ERROR_NO_DEVICE": "run on a machine with an NVIDIA GPU, or use backend='host_jit'",
    "CUDA_ERROR_INSUFFICIENT_DRIVER": "update the NVIDIA driver, or use backend='host_jit'",
    "CUDA_ERROR_OUT_OF_MEMORY": "use smaller buffers, or free device arrays you no longer need",
    "CUDA_ERROR_INVALID_PTX": "the generated PTX was rejected: report it with the program text (the JIT log is above)",
    "CUDA_ERROR_UNSUPPORTED_PTX_VERSION": "update the NVIDIA driver, or pass an older arch",
    "CUDA_ERROR_INVALID_IMAGE": "the artifact is not a module for this GPU: clear the cache (vyre cache clear) and rebuild",
    "CUDA_ERROR_NO_BINARY_FOR_GPU": "the artifact was built for another GPU: rebuild with arch=None (the GPU's own arch)",
    "CUDA_ERROR_ILLEGAL_ADDRESS": "a kernel touched memory outside its buffers: report it with the program text",
    "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES": "use a smaller workgroup or fewer registers/shared memory",
    "CUDA_ERROR_INVALID_VALUE": "an argument to the driver was out of range (grid too large?)",
}
_DEFAULT_FIX = "see the CUDA driver documentation for this result; report it if vyre caused it"


def driver() -> Any:
    """The ``cuda.bindings.driver`` module (or ``cuda.cuda`` of cuda-python < 12.6), or None."""
    global _driver, _import_error, _tried
    if not _tried:
        _tried = True
        try:
            from cuda.bindings import driver as mod
        except ImportError:
            try:
                from cuda import cuda as mod  # cuda-python before the bindings split
            except ImportError as exc:
                _import_error = f"cuda-python is not installed ({exc}); pip install 'vyre[cuda]'"
                mod = None
        _driver = mod
    return _driver


def import_error() -> str | None:
    """Why cuda-python could not be imported, or None."""
    driver()
    return _import_error


def result_name(code: Any) -> str:
    """``CUDA_ERROR_...`` for a CUresult (or a plain int), without calling the driver."""
    drv = driver()
    if drv is not None:
        try:
            return drv.CUresult(int(code)).name
        except ValueError:
            pass
    return f"CUresult {int(code)}"


def error(call_name: str, code: Any, detail: str = "") -> CudaError:
    """The CudaError for ``call_name`` failing with ``code`` (``detail``: e.g. a JIT log)."""
    name = result_name(code)
    message = f"CUDA driver call {call_name} failed with {name} ({int(code)})"
    if detail:
        message += ":\n" + detail.rstrip()
    return CudaError(message, fix=_FIXES.get(name, _DEFAULT_FIX))


def check(call_name: str, result: tuple[Any, ...]) -> Any:
    """Unpack a driver result ``(err, *values)``: the value(s), or raise CudaError."""
    err = result[0]
    if err:  # CUresult is an int enum; CUDA_SUCCESS is 0
        raise error(call_name, err)
    if len(result) == 1:
        return None
    if len(result) == 2:
        return result[1]
    return result[1:]


def call(call_name: str, *args: Any) -> Any:
    """Call ``cuda.<call_name>(*args)`` and return its value(s); raise CudaError on failure."""
    drv = driver()
    if drv is None:
        from vyre.errors import BackendUnavailableError

        raise BackendUnavailableError(
            f"the ptx backend needs cuda-python: {_import_error}",
            fix="pip install 'vyre[cuda]' on a machine with an NVIDIA GPU",
        )
    try:
        result = getattr(drv, call_name)(*args)
    except CudaError:
        raise
    except Exception as exc:  # the bindings raise plain Python errors when libcuda is absent
        raise CudaError(
            f"CUDA driver call {call_name} could not run: {exc}",
            fix="install the NVIDIA driver on a machine with a GPU, or use backend='host_jit'",
        ) from exc
    return check(call_name, result)


def launcher(function: Any, stream: Any) -> Callable[..., None]:
    """A lean launch-and-synchronize callable for one CUfunction on one stream.

    The returned ``run(gx, gy, gz, bx, by, bz, shared, params_addr, sync)`` binds the driver
    entry points once, so a launch costs two driver calls and no attribute lookups.
    """
    drv = driver()
    launch = drv.cuLaunchKernel
    synchronize = drv.cuStreamSynchronize

    def run(gx: int, gy: int, gz: int, bx: int, by: int, bz: int, shared: int,
            params_addr: int, sync: bool = True) -> None:
        err = launch(function, gx, gy, gz, bx, by, bz, shared, stream, params_addr, 0)[0]
        if err:
            raise error("cuLaunchKernel", err)
        if sync:
            err = synchronize(stream)[0]
            if err:
                raise error("cuStreamSynchronize", err)

    return run


def c_string(data: bytes) -> bytes:
    """``data`` with the NUL terminator the driver needs for PTX text."""
    return data if data.endswith(b"\0") else data + b"\0"


def read_bytes(address: int, size: int) -> bytes:
    """Copy ``size`` bytes the driver owns at ``address`` (e.g. a linked cubin)."""
    return ctypes.string_at(int(address), int(size))
