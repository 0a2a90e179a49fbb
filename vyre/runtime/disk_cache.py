"""The on-disk layer of the compile cache: one file of artifact bytes per key.

Layout: ``<directory>/pipelines/<first two hex digits of key>/<key>.vyc``.  An entry file is

====== ======= =====================================================================
offset size    field
====== ======= =====================================================================
0      4       magic ``b"VYRC"``
4      2       entry format version, u16 little-endian (``ENTRY_VERSION``)
6      2       reserved, zero
8      32      the key (raw blake3 digest)
40     8       artifact length N, u64 little-endian
48     N       the artifact
48+N   32      blake3 of bytes ``[0, 48+N)``
====== ======= =====================================================================

Files are written to a temporary name in the same directory and renamed into place, so a
reader sees either nothing or a complete file, also with several processes writing the same
key.  A file that fails any check (short, wrong magic, other version, other key, bad length,
bad digest) is counted as corrupt, deleted and reported as a miss: the caller recompiles.
The total size and the number of entries are bounded; after a write that goes over either,
the least recently used entries (by modification time, refreshed on every hit) are deleted.
"""

from __future__ import annotations

import contextlib
import os
import struct
import tempfile
import threading
import time
from pathlib import Path

import blake3

MAGIC = b"VYRC"
ENTRY_VERSION = 1
SUFFIX = ".vyc"
TEMP_PREFIX = ".tmp-"
SUBDIR = "pipelines"
_HEADER = struct.Struct("<4sHH32sQ")
HEADER_BYTES = _HEADER.size  # 48
FOOTER_BYTES = 32
# A temp file this old belongs to a writer that died; eviction sweeps it away.
STALE_TEMP_SECONDS = 3600.0


def pack_entry(key: str, artifact: bytes) -> bytes:
    """The bytes of the entry file for ``artifact`` under the hex ``key``."""
    head = _HEADER.pack(MAGIC, ENTRY_VERSION, 0, bytes.fromhex(key), len(artifact))
    return head + artifact + blake3.blake3(head + artifact).digest()


def unpack_entry(key: str, data: bytes) -> bytes | None:
    """The artifact stored in ``data`` for ``key``, or None when the entry is not intact."""
    if len(data) < HEADER_BYTES + FOOTER_BYTES:
        return None
    magic, version, reserved, raw_key, length = _HEADER.unpack_from(data)
    if (
        magic != MAGIC
        or version != ENTRY_VERSION
        or reserved != 0
        or raw_key != bytes.fromhex(key)
        or length != len(data) - HEADER_BYTES - FOOTER_BYTES
    ):
        return None
    body_end = HEADER_BYTES + length
    if blake3.blake3(memoryview(data)[:body_end]).digest() != data[body_end:]:
        return None
    return data[HEADER_BYTES:body_end]


class DiskCache:
    """Artifact bytes by hex key in ``directory``, bounded by ``max_bytes`` and ``max_entries``."""

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int = 1 << 30,
                 max_entries: int = 100_000) -> None:
        self.directory = Path(directory)
        self.root = self.directory / SUBDIR
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self.corrupt = 0
        self.evictions = 0
        self.write_errors = 0
        self._lock = threading.Lock()
        # Bytes believed to be on disk; None until the first scan.  Other processes write too,
        # so this only decides when to rescan, and eviction works from a fresh scan.
        self._approx_bytes: int | None = None
        self._approx_entries = 0

    def path(self, key: str) -> Path:
        return self.root / key[:2] / (key + SUFFIX)

    def get(self, key: str) -> bytes | None:
        """The artifact stored under ``key``, or None (a miss, or a corrupt entry now deleted)."""
        path = self.path(key)
        try:
            with open(path, "rb") as f:
                # Something far larger than the whole cache may hold is not an entry: don't
                # read gigabytes of garbage to find that out.
                if os.fstat(f.fileno()).st_size > max(self.max_bytes, 1 << 20) + HEADER_BYTES + FOOTER_BYTES:
                    data = b""
                else:
                    data = f.read()
        except OSError:
            with self._lock:
                self.misses += 1
            return None
        artifact = unpack_entry(key, data)
        if artifact is None:
            self.discard(key)
            with self._lock:
                self.corrupt += 1
                self.misses += 1
            return None
        # Mark it recently used for eviction; a failure here only makes eviction less exact.
        with contextlib.suppress(OSError):
            os.utime(path)
        with self._lock:
            self.hits += 1
        return artifact

    def reject(self, key: str) -> None:
        """Undo the hit that returned ``key``'s artifact: the caller found it unusable.

        The entry is deleted and counted as corrupt, and the lookup as a miss.
        """
        self.discard(key)
        with self._lock:
            self.hits -= 1
            self.misses += 1
            self.corrupt += 1

    def discard(self, key: str) -> None:
        """Delete the entry for ``key`` if there is one (a bad entry found by a caller)."""
        with contextlib.suppress(OSError):
            os.unlink(self.path(key))

    def put(self, key: str, artifact: bytes) -> bool:
        """Store ``artifact`` atomically; False (and counted) if the disk refused it."""
        path = self.path(key)
        data = pack_entry(key, artifact)
        # A second try covers another process's clear() removing the shard directory
        # between our mkdir and our write.
        for attempt in range(2):
            if self._write(path, data):
                break
            if attempt == 1:
                with self._lock:
                    self.write_errors += 1
                return False
        with self._lock:
            if self._approx_bytes is not None:
                self._approx_bytes += len(data)
                self._approx_entries += 1  # an overwrite counts too: only makes a rescan sooner
        self._maybe_evict()
        return True

    @staticmethod
    def _write(path: Path, data: bytes) -> bool:
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            return False
        return True

    def _scan(self) -> list[tuple[float, int, Path]]:
        """(mtime, size, path) of every entry file; sweeps stale temp files on the way."""
        found: list[tuple[float, int, Path]] = []
        now = time.time()
        try:
            shards = list(os.scandir(self.root))
        except OSError:
            return found
        for shard in shards:
            if not shard.is_dir(follow_symlinks=False):
                continue
            try:
                files = list(os.scandir(shard.path))
            except OSError:
                continue
            for entry in files:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:  # deleted by another process meanwhile
                    continue
                if entry.name.endswith(SUFFIX):
                    found.append((st.st_mtime, st.st_size, Path(entry.path)))
                elif entry.name.startswith(TEMP_PREFIX) and now - st.st_mtime > STALE_TEMP_SECONDS:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
        return found

    def _maybe_evict(self) -> None:
        with self._lock:
            if (self._approx_bytes is not None and self._approx_bytes <= self.max_bytes
                    and self._approx_entries <= self.max_entries):
                return
        entries = self._scan()
        total = sum(size for _, size, _ in entries)
        count = len(entries)
        evicted = 0
        if total > self.max_bytes or count > self.max_entries:
            # Oldest first, down to 90% of the bounds so the next few writes do not rescan.
            target_bytes = self.max_bytes * 9 // 10
            target_count = self.max_entries * 9 // 10
            for _, size, path in sorted(entries, key=lambda e: e[0]):
                if total <= target_bytes and count <= target_count:
                    break
                try:
                    os.unlink(path)
                except FileNotFoundError:  # another process evicted it first
                    pass
                except OSError:
                    continue
                else:
                    evicted += 1
                total -= size
                count -= 1
        with self._lock:
            self.evictions += evicted
            self._approx_bytes = total
            self._approx_entries = count

    def usage(self) -> tuple[int, int]:
        """(entries, bytes) on disk now, from a fresh scan."""
        entries = self._scan()
        return len(entries), sum(size for _, size, _ in entries)

    def clear(self) -> int:
        """Delete every entry (and temp file) of this cache; returns the number of entries deleted."""
        deleted = 0
        try:
            shards = list(os.scandir(self.root))
        except OSError:
            return 0
        for shard in shards:
            if not shard.is_dir(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                for entry in os.scandir(shard.path):
                    if entry.name.endswith(SUFFIX) or entry.name.startswith(TEMP_PREFIX):
                        try:
                            os.unlink(entry.path)
                        except OSError:
                            continue
                        deleted += entry.name.endswith(SUFFIX)
            with contextlib.suppress(OSError):
                os.rmdir(shard.path)  # only succeeds when empty
        with self._lock:
            self._approx_bytes = 0
            self._approx_entries = 0
        return deleted
