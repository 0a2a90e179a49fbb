"""The disk layer: damaged entries are detected, counted, deleted and rebuilt; size bounds hold."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import blake3
import pytest

from tests.runtime.fakes import ARTIFACT_PREFIX, FakeBackend, scale_kernel
from vyre.backends.base import CompileOptions
from vyre.runtime import disk_cache
from vyre.runtime.cache_key import cache_key
from vyre.runtime.disk_cache import DiskCache, pack_entry, unpack_entry
from vyre.runtime.pipeline_cache import PipelineCache

OPTS = CompileOptions()
KEY = "ab" * 32
OTHER_KEY = "cd" * 32


def _stored(tmp_path: Path) -> tuple[PipelineCache, FakeBackend, Path]:
    """A cache holding one entry for scale_kernel(), and that entry's path."""
    backend = FakeBackend()
    cache = PipelineCache(tmp_path)
    cache.get_or_compile(scale_kernel(), backend, OPTS)
    assert cache.disk is not None
    path = cache.disk.path(cache_key(scale_kernel(), backend, OPTS))
    assert path.is_file()
    return cache, backend, path


def _recompiles_after(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    """Damage the stored entry, then a fresh cache must count it, delete it and rebuild."""
    _, backend, path = _stored(tmp_path)
    damage(path)
    fresh = PipelineCache(tmp_path)
    exe = fresh.get_or_compile(scale_kernel(), backend, OPTS)
    assert backend.builds == 2, "a damaged entry was used instead of rebuilding"
    assert exe.artifact == backend.build(scale_kernel(), OPTS)  # type: ignore[attr-defined]
    stats = fresh.stats()
    assert stats.disk_corrupt == 1 and stats.disk_hits == 0 and stats.misses == 1
    # The rebuilt entry replaced the damaged one and is intact: the next cache loads it.
    builds = backend.builds
    again = PipelineCache(tmp_path).get_or_compile(scale_kernel(), backend, OPTS)
    assert again.artifact == exe.artifact and backend.builds == builds  # type: ignore[attr-defined]


def test_round_trip_of_an_entry() -> None:
    blob = pack_entry(KEY, b"artifact bytes")
    assert len(blob) == disk_cache.HEADER_BYTES + len(b"artifact bytes") + disk_cache.FOOTER_BYTES
    assert unpack_entry(KEY, blob) == b"artifact bytes"
    assert unpack_entry(KEY, pack_entry(KEY, b"")) == b""


def test_every_single_bit_flip_is_detected() -> None:
    blob = pack_entry(KEY, b"some artifact")
    for i in range(len(blob)):
        for bit in (0, 7):
            damaged = bytearray(blob)
            damaged[i] ^= 1 << bit
            assert unpack_entry(KEY, bytes(damaged)) is None, f"flip at byte {i} bit {bit} not detected"


def test_every_truncation_and_extension_is_detected() -> None:
    blob = pack_entry(KEY, b"some artifact")
    for cut in range(len(blob)):
        assert unpack_entry(KEY, blob[:cut]) is None
    assert unpack_entry(KEY, blob + b"\x00") is None


def test_an_entry_for_another_key_is_rejected() -> None:
    assert unpack_entry(OTHER_KEY, pack_entry(KEY, b"x")) is None


def _rewrite_header(blob: bytes, **changes: int) -> bytes:
    """Change header fields and recompute the digest, as a different format version would write."""
    magic, version, reserved, raw_key, length = struct.unpack_from("<4sHH32sQ", blob)
    version = changes.get("version", version)
    reserved = changes.get("reserved", reserved)
    head = struct.pack("<4sHH32sQ", magic, version, reserved, raw_key, length)
    body = head + blob[disk_cache.HEADER_BYTES:-disk_cache.FOOTER_BYTES]
    return body + blake3.blake3(body).digest()


def test_entries_of_another_format_version_are_rejected() -> None:
    blob = pack_entry(KEY, b"x")
    assert unpack_entry(KEY, _rewrite_header(blob)) == b"x"  # the helper itself is faithful
    assert unpack_entry(KEY, _rewrite_header(blob, version=disk_cache.ENTRY_VERSION + 1)) is None
    assert unpack_entry(KEY, _rewrite_header(blob, reserved=1)) is None


def _flip(offset_from_end: int):  # type: ignore[no-untyped-def]
    def damage(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[len(data) - offset_from_end] ^= 0x40
        path.write_bytes(bytes(data))
    return damage


@pytest.mark.parametrize("where", [1, 20, 40, 60])  # footer, payload ... header
def test_flipped_byte_on_disk_is_rebuilt(tmp_path: Path, where: int) -> None:
    _recompiles_after(tmp_path, _flip(where))


def test_flipped_header_byte_on_disk_is_rebuilt(tmp_path: Path) -> None:
    def damage(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[2] ^= 0xFF
        path.write_bytes(bytes(data))
    _recompiles_after(tmp_path, damage)


@pytest.mark.parametrize("keep", [0, 10, 48, -1])
def test_truncated_entry_on_disk_is_rebuilt(tmp_path: Path, keep: int) -> None:
    _recompiles_after(tmp_path, lambda p: p.write_bytes(p.read_bytes()[:keep]))


def test_garbage_file_on_disk_is_rebuilt(tmp_path: Path) -> None:
    _recompiles_after(tmp_path, lambda p: p.write_bytes(os.urandom(500)))


def test_huge_garbage_file_is_rebuilt(tmp_path: Path) -> None:
    _recompiles_after(tmp_path, lambda p: p.write_bytes(b"\x00" * (2 << 20)))


def test_file_larger_than_the_cache_bound_is_corrupt_without_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    disk = DiskCache(tmp_path, max_bytes=1000)
    disk.put(KEY, b"x" * 10)
    with open(disk.path(KEY), "ab") as f:
        f.truncate(3 << 20)  # a sparse 3 MiB file

    class NoRead:
        def __init__(self, f):  # type: ignore[no-untyped-def]
            self.f = f

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc):  # type: ignore[no-untyped-def]
            self.f.close()

        def fileno(self) -> int:
            return self.f.fileno()

        def read(self, *a):  # type: ignore[no-untyped-def]
            raise AssertionError("the oversized file was read")

    real_open = open
    monkeypatch.setattr("builtins.open", lambda *a, **k: NoRead(real_open(*a, **k)))
    assert disk.get(KEY) is None
    monkeypatch.undo()
    assert disk.corrupt == 1 and not disk.path(KEY).exists()


def test_entry_written_by_another_format_version_is_rebuilt(tmp_path: Path) -> None:
    bump = disk_cache.ENTRY_VERSION + 1
    _recompiles_after(tmp_path, lambda p: p.write_bytes(_rewrite_header(p.read_bytes(), version=bump)))


def test_intact_entry_that_the_backend_cannot_load_is_rebuilt(tmp_path: Path) -> None:
    # Valid framing, but the artifact is not one the backend understands (an older layout).
    def damage(path: Path) -> None:
        key = path.name.removesuffix(disk_cache.SUFFIX)
        path.write_bytes(pack_entry(key, b"OLD-LAYOUT" + b"\x00" * 16))
    _recompiles_after(tmp_path, damage)


def test_directory_in_place_of_an_entry_is_a_miss(tmp_path: Path) -> None:
    _, backend, path = _stored(tmp_path)
    path.unlink()
    path.mkdir()
    exe = PipelineCache(tmp_path).get_or_compile(scale_kernel(), backend, OPTS)
    assert exe.artifact.startswith(ARTIFACT_PREFIX)  # type: ignore[attr-defined]


def test_a_failed_write_is_counted_and_harmless(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    cache = PipelineCache(tmp_path)
    monkeypatch.setattr(disk_cache.os, "replace", refuse)
    backend = FakeBackend()
    exe = cache.get_or_compile(scale_kernel(), backend, OPTS)
    assert exe.artifact.startswith(ARTIFACT_PREFIX)  # type: ignore[attr-defined]
    stats = cache.stats()
    assert stats.disk_write_errors == 1 and stats.disk_entries == 0
    assert not [p for p in tmp_path.rglob(".tmp-*")], "a temp file was left behind"


def test_a_write_racing_a_clear_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = disk_cache.tempfile.mkstemp
    calls = []

    def vanished_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:  # another process's clear() removed the shard directory
            raise FileNotFoundError(2, "No such file or directory")
        return real(*args, **kwargs)

    monkeypatch.setattr(disk_cache.tempfile, "mkstemp", vanished_once)
    disk = DiskCache(tmp_path)
    assert disk.put(KEY, b"artifact")
    assert disk.write_errors == 0 and disk.get(KEY) == b"artifact"


# --- size bounds --------------------------------------------------------------------
def test_disk_eviction_keeps_total_size_under_the_bound(tmp_path: Path) -> None:
    backend = FakeBackend(padding=1000)
    entry = len(pack_entry(KEY, backend.build(scale_kernel(), OPTS)))
    backend.builds = 0
    cache = PipelineCache(tmp_path, disk_bytes=entry * 5, memory_entries=0)
    for factor in range(20):
        cache.get_or_compile(scale_kernel(factor), backend, OPTS)
        assert cache.stats().disk_bytes <= entry * 5
    stats = cache.stats()
    assert stats.disk_evictions >= 15 and 1 <= stats.disk_entries <= 5


def test_disk_eviction_keeps_the_entry_count_under_the_bound(tmp_path: Path) -> None:
    backend = FakeBackend()
    cache = PipelineCache(tmp_path, disk_entries=4, memory_entries=0)
    for factor in range(12):
        cache.get_or_compile(scale_kernel(factor), backend, OPTS)
        assert cache.stats().disk_entries <= 4
    stats = cache.stats()
    assert stats.disk_evictions >= 8 and stats.disk_entries >= 1
    # The newest entry survived eviction.
    assert PipelineCache(tmp_path).get_or_compile(scale_kernel(11), backend, OPTS)
    assert backend.builds == 12


def test_disk_eviction_is_least_recently_used(tmp_path: Path) -> None:
    backend = FakeBackend(padding=1000)
    entry = len(pack_entry(KEY, backend.build(scale_kernel(), OPTS)))
    disk = DiskCache(tmp_path, max_bytes=entry * 3)
    keys = [f"{i:02x}" * 32 for i in range(3)]
    for age, key in enumerate(keys):
        disk.put(key, b"p" * (entry - disk_cache.HEADER_BYTES - disk_cache.FOOTER_BYTES))
        past = time.time() - 100 + age
        os.utime(disk.path(key), (past, past))
    assert disk.get(keys[0]) is not None  # a hit makes the oldest the most recent
    disk.put("ff" * 32, b"p" * (entry - disk_cache.HEADER_BYTES - disk_cache.FOOTER_BYTES))
    assert disk.get(keys[1]) is None, "the least recently used entry survived"
    assert disk.get(keys[0]) is not None and disk.get("ff" * 32) is not None


def test_stale_temp_files_are_swept(tmp_path: Path) -> None:
    disk = DiskCache(tmp_path, max_bytes=10)
    shard = disk.path(KEY).parent
    shard.mkdir(parents=True)
    stale, fresh = shard / ".tmp-dead", shard / ".tmp-live"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - 2 * disk_cache.STALE_TEMP_SECONDS
    os.utime(stale, (old, old))
    disk.put(KEY, b"x" * 100)  # over the bound: triggers a scan
    assert not stale.exists() and fresh.exists()
