"""PTX to cubin (the driver's JIT linker), module loading, and the loaded-function cache.

Loading a cubin is a copy into GPU memory, while loading PTX runs the driver's JIT
compiler (ptxas) every time.  So the backend links PTX to a cubin once, at build time, and
stores the cubin as the artifact; a warm cache hit then costs only ``cuModuleLoadData``.
Loaded modules are kept per (artifact, compute capability) so that loading the same artifact
twice in a process shares one module.
"""

from __future__ import annotations

import threading
from typing import Any

import blake3

from vyre.backends.ptx import context
from vyre.backends.ptx import driver as drv

_LOG_BYTES = 1 << 14
ELF_MAGIC = b"\x7fELF"

_lock = threading.Lock()
# (blake3 of the image, compute capability) -> LoadedModule
_modules: dict[tuple[bytes, tuple[int, int]], LoadedModule] = {}


class _JitLogs:
    """The info and error log buffers the driver's JIT fills, as (options, values) lists."""

    def __init__(self, extra: list[tuple[Any, Any]] | None = None) -> None:
        opt = drv.driver().CUjit_option
        # cuda-python passes a bytes object's own storage as the char* buffer, so the driver
        # writes the log into these objects; they must stay referenced until the call returns.
        self.info = bytes(_LOG_BYTES)
        self.errors = bytes(_LOG_BYTES)
        pairs = [
            (opt.CU_JIT_INFO_LOG_BUFFER, self.info),
            (opt.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, _LOG_BYTES),
            (opt.CU_JIT_ERROR_LOG_BUFFER, self.errors),
            (opt.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, _LOG_BYTES),
            *(extra or []),
        ]
        self.options = [k for k, _ in pairs]
        self.values = [v for _, v in pairs]

    def text(self) -> str:
        err = self.errors.split(b"\0", 1)[0].decode(errors="replace").strip()
        info = self.info.split(b"\0", 1)[0].decode(errors="replace").strip()
        return "\n".join(part for part in (err, info) if part) or "(the JIT log is empty)"


def _checked(call_name: str, result: tuple[Any, ...], logs: _JitLogs) -> Any:
    """Like ``driver.check``, but a failure carries the JIT log."""
    if result[0]:
        raise drv.error(call_name, result[0], "JIT log:\n" + logs.text())
    return result[1:] if len(result) > 2 else (result[1] if len(result) == 2 else None)


def link_ptx(ptx: bytes, arch: str | None = None) -> bytes:
    """Compile PTX text to a cubin for ``arch`` (default: the current device) with the driver's linker."""
    mod = drv.driver()
    context.current()
    extra = []
    if arch is not None:
        extra.append((mod.CUjit_option.CU_JIT_TARGET, _jit_target(arch)))
    logs = _JitLogs(extra)
    state = _checked("cuLinkCreate", mod.cuLinkCreate(len(logs.options), logs.options, logs.values), logs)
    try:
        data = drv.c_string(ptx)
        _checked(
            "cuLinkAddData",
            mod.cuLinkAddData(state, mod.CUjitInputType.CU_JIT_INPUT_PTX, data, len(data),
                              b"vyre.ptx", 0, [], []),
            logs,
        )
        address, size = _checked("cuLinkComplete", mod.cuLinkComplete(state), logs)
        return drv.read_bytes(address, size)  # owned by the link state: copy before destroying it
    finally:
        drv.call("cuLinkDestroy", state)


def _jit_target(arch: str) -> Any:
    """``sm_90`` -> ``CUjit_target.CU_TARGET_COMPUTE_90``."""
    from vyre.errors import BackendError

    digits = arch.removeprefix("sm_").removeprefix("compute_").rstrip("af")
    try:
        return getattr(drv.driver().CUjit_target, f"CU_TARGET_COMPUTE_{int(digits)}")
    except (ValueError, AttributeError):
        raise BackendError(
            f"unknown CUDA architecture '{arch}'",
            code="V503",
            fix="pass arch like 'sm_80' or 'sm_90', or leave it out to use the GPU's own",
        ) from None


class LoadedModule:
    """A CUmodule and the functions fetched from it, by name."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self._functions: dict[str, Any] = {}

    def function(self, name: str) -> Any:
        fn = self._functions.get(name)
        if fn is None:
            fn = drv.call("cuModuleGetFunction", self.handle, name.encode())
            self._functions[name] = fn
        return fn


def load_image(image: bytes) -> LoadedModule:
    """Load a cubin or PTX image into the current device (cached per image and device)."""
    dev = context.current()
    key = (blake3.blake3(image).digest(), dev.compute_capability)
    loaded = _modules.get(key)
    if loaded is not None:
        return loaded
    with _lock:
        loaded = _modules.get(key)
        if loaded is None:
            loaded = LoadedModule(_load_data(image))
            _modules[key] = loaded
    return loaded


def _load_data(image: bytes) -> Any:
    mod = drv.driver()
    data = image if image.startswith(ELF_MAGIC) else drv.c_string(image)
    logs = _JitLogs()
    return _checked(
        "cuModuleLoadDataEx",
        mod.cuModuleLoadDataEx(data, len(logs.options), logs.options, logs.values),
        logs,
    )
