"""The in-process layer of the compile cache: an LRU of artifacts and their loaded executables.

Bounded by entry count and by artifact bytes; safe to use from several threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from vyre.backends.base import Executable


@dataclass(frozen=True)
class MemoryEntry:
    artifact: bytes
    executable: Executable


class MemoryCache:
    """Least-recently-used map from cache key to ``MemoryEntry``."""

    def __init__(self, max_entries: int = 256, max_bytes: int = 256 << 20) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, MemoryEntry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def get(self, key: str, *, count: bool = True) -> MemoryEntry | None:
        """The entry for ``key`` (now the most recently used), or None; ``count`` updates hits/misses."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += count
                return None
            self._entries.move_to_end(key)
            self.hits += count
            return entry

    def put(self, key: str, entry: MemoryEntry) -> None:
        """Insert ``entry``, evicting the least recently used ones beyond the bounds.

        An entry larger than ``max_bytes`` on its own is not kept at all.
        """
        size = len(entry.artifact)
        # Dropped entries are released after the lock: an executable's finalizer (unloading a
        # CUDA module, say) must never run while this lock is held.
        dropped: list[MemoryEntry] = []
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.artifact)
                dropped.append(old)
            if size > self.max_bytes or self.max_entries <= 0:
                return
            self._entries[key] = entry
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.artifact)
                self.evictions += 1
                dropped.append(evicted)
        del dropped

    def clear(self) -> None:
        with self._lock:
            dropped = list(self._entries.values())
            self._entries.clear()
            self._bytes = 0
        del dropped

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    @property
    def bytes(self) -> int:
        return self._bytes
