"""The memory layer: an LRU bounded by entries and bytes, consistent under threads."""

from __future__ import annotations

import random
import threading

from tests.runtime.fakes import FakeBackend, scale_kernel
from vyre.backends.base import CompileOptions
from vyre.runtime.memory_cache import MemoryCache, MemoryEntry
from vyre.runtime.pipeline_cache import PipelineCache

OPTS = CompileOptions()


def test_memory_lru_is_bounded_by_entries() -> None:
    backend = FakeBackend()
    cache = PipelineCache(None, memory_entries=3)
    exes = [cache.get_or_compile(scale_kernel(f), backend, OPTS) for f in range(3)]
    cache.get_or_compile(scale_kernel(0), backend, OPTS)  # 0 becomes most recent
    cache.get_or_compile(scale_kernel(9), backend, OPTS)  # evicts 1
    stats = cache.stats()
    assert stats.memory_entries == 3 and stats.memory_evictions == 1
    assert cache.get_or_compile(scale_kernel(0), backend, OPTS) is exes[0]
    assert cache.get_or_compile(scale_kernel(1), backend, OPTS) is not exes[1]


def test_memory_lru_is_bounded_by_bytes() -> None:
    backend = FakeBackend(padding=10_000)
    size = len(backend.build(scale_kernel(), OPTS))
    cache = PipelineCache(None, memory_bytes=size * 2 + 10)
    for f in range(6):
        cache.get_or_compile(scale_kernel(f), backend, OPTS)
        assert cache.stats().memory_bytes <= size * 2 + 10
    assert cache.stats().memory_entries == 2 and cache.stats().memory_evictions == 4
    # An artifact larger than the whole bound is not kept.
    tiny = PipelineCache(None, memory_bytes=size - 1)
    tiny.get_or_compile(scale_kernel(), backend, OPTS)
    assert tiny.stats().memory_entries == 0


def test_memory_lru_stays_consistent_under_threads() -> None:
    lru = MemoryCache(max_entries=16, max_bytes=4000)
    gets = [0] * 8

    def hammer(seed: int) -> None:
        rnd = random.Random(seed)
        for _ in range(3000):
            key = f"k{rnd.randrange(64)}"
            if rnd.random() < 0.5:
                lru.put(key, MemoryEntry(b"x" * rnd.randrange(1, 600), None))  # type: ignore[arg-type]
            else:
                lru.get(key)
                gets[seed] += 1

    threads = [threading.Thread(target=hammer, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(lru) <= 16 and lru.bytes <= 4000
    assert lru.bytes == sum(len(e.artifact) for e in lru._entries.values())
    assert lru.hits + lru.misses == sum(gets)


def test_evicted_executables_are_finalized_outside_the_lock() -> None:
    lru = MemoryCache(max_entries=1)
    finalized: list[str] = []

    class Finicky:
        """An executable whose finalizer looks at the cache (as a driver unload hook might)."""

        def __init__(self, name: str) -> None:
            self.name = name

        def __del__(self) -> None:
            lru.get("anything")
            finalized.append(self.name)

    def fill() -> None:
        lru.put("a", MemoryEntry(b"a", Finicky("a")))  # type: ignore[arg-type]
        lru.put("b", MemoryEntry(b"b", Finicky("b")))  # type: ignore[arg-type]  # evicts a
        lru.clear()  # drops b

    worker = threading.Thread(target=fill, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "a finalizer deadlocked on the cache's lock"
    assert finalized == ["a", "b"]
