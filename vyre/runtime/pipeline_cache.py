"""The content-addressed compile cache, and ``compile_cached``: the one path to an Executable.

``vyre.compile`` and the CLI compile through ``compile_cached``.  A ``PipelineCache`` has two
layers: an in-process LRU (artifacts plus their loaded executables, so a hit costs a hash and a
dict lookup) in front of an on-disk store of artifact bytes (shared between processes, safe
under concurrent writers, self-healing when entries are corrupt).  docs/cache.md describes the
keys, layers, environment variables and guarantees.

Environment, read when the process-wide default cache is first used:

- ``VYRE_CACHE=0`` turns the default cache off (every compile builds; like ``cache=None``).
- ``VYRE_CACHE_DIR`` is the disk directory; otherwise ``$XDG_CACHE_HOME/vyre`` or
  ``~/.cache/vyre``.  When that directory cannot be used the default cache warns once
  (``CacheWarning``) and keeps only its memory layer.  An explicit ``cache=<dir>`` that cannot
  be used raises ``CacheError`` instead.
- ``VYRE_CACHE_MAX_BYTES`` bounds the default disk cache (default 1 GiB).
"""

from __future__ import annotations

import os
import tempfile
import threading
import warnings
import weakref
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vyre.backends.base import Backend, CompileOptions, Executable
from vyre.errors import CacheError
from vyre.ir.nodes import Kernel
from vyre.runtime.cache_key import cache_key
from vyre.runtime.disk_cache import DiskCache
from vyre.runtime.memory_cache import MemoryCache, MemoryEntry

__all__ = [
    "CacheStats",
    "CacheWarning",
    "PipelineCache",
    "compile_cached",
    "default_cache",
    "default_directory",
    "reset_default_cache",
]

DEFAULT_MEMORY_ENTRIES = 256
DEFAULT_MEMORY_BYTES = 256 << 20
DEFAULT_DISK_BYTES = 1 << 30
DEFAULT_DISK_ENTRIES = 100_000


class CacheWarning(UserWarning):
    """The default disk cache could not be used; compiling goes on with the memory layer only."""


@dataclass(frozen=True)
class CacheStats:
    """Counters since the cache was created, and the current sizes of both layers.

    ``hits`` counts compiles answered by either layer; ``misses`` counts full compiles
    (``backend.build``).  ``disk_corrupt`` counts entries found damaged, deleted and rebuilt.
    """

    hits: int
    misses: int
    memory_hits: int
    memory_misses: int
    memory_evictions: int
    memory_entries: int
    memory_bytes: int
    disk_hits: int
    disk_misses: int
    disk_evictions: int
    disk_corrupt: int
    disk_write_errors: int
    disk_entries: int
    disk_bytes: int
    directory: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PipelineCache:
    """A layered compile cache: memory LRU in front of an optional disk directory.

    ``directory`` None means memory only.  ``memory_entries=0`` turns the memory layer off.
    The disk layer keeps at most ``disk_bytes`` in at most ``disk_entries`` files.
    Raises CacheError (V601) when ``directory`` cannot be created or written.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        memory_entries: int = DEFAULT_MEMORY_ENTRIES,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        disk_bytes: int = DEFAULT_DISK_BYTES,
        disk_entries: int = DEFAULT_DISK_ENTRIES,
    ) -> None:
        self.memory = MemoryCache(memory_entries, memory_bytes)
        self.disk: DiskCache | None = None
        if directory is not None:
            path = _usable_directory(Path(directory).expanduser().absolute())
            self.disk = DiskCache(path, disk_bytes, disk_entries)
        self.compiles = 0
        self._lock = threading.Lock()
        # One lock per key being compiled, so threads asking for the same program wait for
        # the first compile instead of repeating it.
        self._inflight: dict[str, threading.Lock] = {}
        _live_caches.add(self)

    def _after_fork(self) -> None:
        """In a forked child: drop loaded executables and any lock another thread held.

        Executables may hold driver state (a CUDA context) that does not survive fork; the
        disk layer is shared and stays.
        """
        # Kept, never finalized: a finalizer that unloads a CUDA module must not run in a child
        # that has no context.
        _inherited.append(self.memory)
        self.memory = MemoryCache(self.memory.max_entries, self.memory.max_bytes)
        self._lock = threading.Lock()
        self._inflight = {}
        if self.disk is not None:
            self.disk._lock = threading.Lock()

    @property
    def directory(self) -> Path | None:
        """The disk directory, or None for a memory-only (or disabled) cache."""
        return self.disk.directory if self.disk is not None else None

    @property
    def enabled(self) -> bool:
        return self.disk is not None or self.memory.max_entries > 0

    def get_or_compile(self, kernel: Kernel, backend: Backend, options: CompileOptions) -> Executable:
        """The executable for ``kernel`` (validated and resolved), from the cache or compiled now."""
        if not self.enabled:
            return _compile(kernel, backend, options, self)
        key = cache_key(kernel, backend, options)
        hit = self.memory.get(key)
        if hit is not None:
            return hit.executable
        with self._lock:
            gate = self._inflight.setdefault(key, threading.Lock())
        with gate:
            try:
                # Another thread may have compiled it while this one waited at the gate.
                hit = self.memory.get(key, count=False)
                if hit is not None:
                    return hit.executable
                return self._load_or_build(key, kernel, backend, options)
            finally:
                with self._lock:
                    # Only our own gate: a later thread may have opened a new one meanwhile.
                    if self._inflight.get(key) is gate:
                        del self._inflight[key]

    def _load_or_build(self, key: str, kernel: Kernel, backend: Backend, options: CompileOptions) -> Executable:
        artifact = self.disk.get(key) if self.disk is not None else None
        if artifact is not None:
            try:
                executable = backend.load(artifact, kernel, options)
            except Exception:  # noqa: BLE001 - any failure to load a stored artifact means: rebuild it
                # The bytes passed the integrity check, so the entry is stale or foreign
                # (written by a backend that lays artifacts out differently): drop and rebuild.
                self.disk.reject(key)
            else:
                self.memory.put(key, MemoryEntry(artifact, executable))
                return executable
        artifact = backend.build(kernel, options)
        with self._lock:
            self.compiles += 1
        executable = backend.load(artifact, kernel, options)
        self.memory.put(key, MemoryEntry(artifact, executable))
        if self.disk is not None:
            self.disk.put(key, artifact)
        return executable

    def stats(self) -> CacheStats:
        """Counters and sizes; the disk figures come from a scan of the directory now."""
        entries, size = self.disk.usage() if self.disk is not None else (0, 0)
        disk = self.disk
        return CacheStats(
            hits=self.memory.hits + (disk.hits if disk else 0),
            misses=self.compiles,
            memory_hits=self.memory.hits,
            memory_misses=self.memory.misses,
            memory_evictions=self.memory.evictions,
            memory_entries=len(self.memory),
            memory_bytes=self.memory.bytes,
            disk_hits=disk.hits if disk else 0,
            disk_misses=disk.misses if disk else 0,
            disk_evictions=disk.evictions if disk else 0,
            disk_corrupt=disk.corrupt if disk else 0,
            disk_write_errors=disk.write_errors if disk else 0,
            disk_entries=entries,
            disk_bytes=size,
            directory=str(self.directory) if self.directory is not None else None,
        )

    def clear(self) -> int:
        """Empty both layers; returns the number of disk entries deleted."""
        self.memory.clear()
        return self.disk.clear() if self.disk is not None else 0


_live_caches: weakref.WeakSet[PipelineCache] = weakref.WeakSet()
# Memory layers inherited through fork(), with their parent's executables.
_inherited: list[MemoryCache] = []


def _reset_after_fork() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    for cache in list(_live_caches):
        cache._after_fork()


os.register_at_fork(after_in_child=_reset_after_fork)


def _compile(kernel: Kernel, backend: Backend, options: CompileOptions, cache: PipelineCache | None = None) -> Executable:
    artifact = backend.build(kernel, options)
    if cache is not None:
        with cache._lock:
            cache.compiles += 1
    return backend.load(artifact, kernel, options)


def _usable_directory(path: Path) -> Path:
    """``path``, created if needed, after checking that files can be written there."""
    fix = "point the cache at a writable directory (cache=<dir> or VYRE_CACHE_DIR), or pass cache=None / set VYRE_CACHE=0"
    if path.exists() and not path.is_dir():
        raise CacheError(f"the cache directory {path} exists but is not a directory", code="V601", fix=fix)
    if path.is_dir() and os.access(path, os.W_OK | os.X_OK):
        # The usual case, answered without touching the disk: this runs on a new process's
        # first compile.  (Should writes fail anyway, the disk layer counts and survives them.)
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".tmp-probe-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise CacheError(
            f"the cache directory {path} cannot be used: {exc.strerror or exc}", code="V601", fix=fix
        ) from None
    return path


def default_directory() -> Path:
    """Where the default cache lives: $VYRE_CACHE_DIR, else $XDG_CACHE_HOME/vyre, else ~/.cache/vyre."""
    explicit = os.environ.get("VYRE_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    # The XDG spec says to ignore a relative XDG_CACHE_HOME.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "vyre"


_default: PipelineCache | None = None
_by_directory: dict[Path, PipelineCache] = {}
_registry_lock = threading.Lock()


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise CacheError(f"{name} must be a number of bytes, but got {raw!r}", code="V602",
                         fix=f"set {name} to an integer such as 1073741824, or unset it") from None


def default_cache() -> PipelineCache:
    """The process-wide cache behind ``cache="default"`` (created on first use from the environment).

    With ``VYRE_CACHE=0`` it is disabled (``directory`` None, nothing cached).  When its
    directory is unusable it warns once with CacheWarning and caches in memory only.
    """
    global _default
    with _registry_lock:
        if _default is None:
            _default = _make_default()
        return _default


def _make_default() -> PipelineCache:
    if os.environ.get("VYRE_CACHE", "1").strip().lower() in ("0", "false", "off", "no"):
        return PipelineCache(None, memory_entries=0)
    disk_bytes = _env_int("VYRE_CACHE_MAX_BYTES", DEFAULT_DISK_BYTES)
    directory = default_directory()
    try:
        return PipelineCache(directory, disk_bytes=disk_bytes)
    except CacheError as err:
        warnings.warn(
            f"vyre: the compile cache is memory-only for this process: {err.message}. Fix: {err.fix}",
            CacheWarning,
            stacklevel=3,
        )
        return PipelineCache(None)


def reset_default_cache() -> None:
    """Forget the default cache (and per-directory caches) so the next use re-reads the environment."""
    global _default
    with _registry_lock:
        _default = None
        _by_directory.clear()


def _cache_for_directory(directory: str | os.PathLike[str]) -> PipelineCache:
    path = Path(directory).expanduser().absolute()
    with _registry_lock:
        cache = _by_directory.get(path)
        if cache is None:
            cache = _by_directory[path] = PipelineCache(path)
        return cache


def resolve_cache(cache: Any) -> PipelineCache | None:
    """The PipelineCache that a ``cache=`` argument names, or None for no caching."""
    if cache is None or cache is False:
        return None
    if isinstance(cache, PipelineCache):
        return cache
    if cache is True or (isinstance(cache, str) and cache == "default"):
        return default_cache()
    if isinstance(cache, (str, os.PathLike)) and os.fspath(cache) != "":
        return _cache_for_directory(cache)
    raise CacheError(
        f"expected cache to be 'default', a directory, a PipelineCache or None, but got {cache!r}",
        code="V603",
        fix="pass cache='default', cache='/path/to/dir', cache=PipelineCache(...) or cache=None",
    )


def compile_cached(kernel: Kernel, backend: Backend, options: CompileOptions, cache: Any = "default") -> Executable:
    """Compile ``kernel`` (validated and resolved) with ``backend``, through the cache named by ``cache``.

    ``cache`` is ``"default"`` (the process-wide memory + disk cache), a directory path, a
    ``PipelineCache``, or None/False to build and load without caching.
    """
    chosen = resolve_cache(cache)
    if chosen is None:
        return _compile(kernel, backend, options)
    return chosen.get_or_compile(kernel, backend, options)
