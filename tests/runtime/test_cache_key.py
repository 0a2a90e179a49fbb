"""Cache keys: they change with everything an artifact depends on, and nothing else."""

from __future__ import annotations

import gc
import threading

import pytest
from hypothesis import given, settings

from tests.runtime.fakes import FakeBackend, scale_kernel
from vyre.backends.base import CompileOptions
from vyre.ir import wire
from vyre.ir.infer import resolve
from vyre.ir.nodes import Module
from vyre.ir.parse import parse
from vyre.runtime import cache_key as ck
from vyre.runtime.cache_key import cache_key, kernel_bytes
from vyre.testing.programs import kernels as valid_kernels

OPTS = CompileOptions()

SOURCE = """\
vir0
kernel scale workgroup(64) {
  buffer inp: u32[] read
  buffer out: u32[] write
  let i = gid.x
  out[i] = inp[i] * 2
}
"""
REFORMATTED = """\
vir0
# the same program, spelled differently
kernel scale   workgroup( 64 ) {
  buffer inp: u32[] read      # input
  buffer out: u32[] write

  let i: u32 = gid.x
  out[i] = (inp[i] * 0x2u32)
}
"""


def _key_of(text: str, backend: FakeBackend | None = None, options: CompileOptions = OPTS) -> str:
    kernel = resolve(parse(text).kernels[0])
    return cache_key(kernel, backend or FakeBackend(), options)


def test_key_is_hex_blake3() -> None:
    key = cache_key(scale_kernel(), FakeBackend(), OPTS)
    assert len(key) == 64 and int(key, 16) >= 0


def test_formatting_and_spelling_do_not_change_the_key() -> None:
    assert _key_of(SOURCE) == _key_of(REFORMATTED)


def test_the_parsed_program_and_the_built_one_share_a_key() -> None:
    assert _key_of(SOURCE) == cache_key(scale_kernel(2), FakeBackend(), OPTS)


def test_every_input_changes_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    base = cache_key(scale_kernel(), FakeBackend(), OPTS)
    variants = {
        "program": cache_key(scale_kernel(3), FakeBackend(), OPTS),
        "kernel name": cache_key(scale_kernel(name="other"), FakeBackend(), OPTS),
        "workgroup": cache_key(scale_kernel(workgroup=32), FakeBackend(), OPTS),
        "backend": cache_key(scale_kernel(), FakeBackend(name="fake2"), OPTS),
        "arch": cache_key(scale_kernel(), FakeBackend(), CompileOptions(arch="sm_90")),
        "other arch": cache_key(scale_kernel(), FakeBackend(), CompileOptions(arch="sm_80")),
        "opt level": cache_key(scale_kernel(), FakeBackend(), CompileOptions(opt_level=1)),
    }
    monkeypatch.setattr(ck, "__version__", "99.0.0")
    variants["vyre version"] = cache_key(scale_kernel(), FakeBackend(), OPTS)
    monkeypatch.undo()
    monkeypatch.setattr(ck, "LOWERING_VERSION", ck.LOWERING_VERSION + 1)
    variants["lowering version"] = cache_key(scale_kernel(), FakeBackend(), OPTS)
    monkeypatch.undo()
    assert cache_key(scale_kernel(), FakeBackend(), OPTS) == base
    assert len(set(variants.values()) | {base}) == len(variants) + 1, variants


def test_target_is_asked_of_the_backend() -> None:
    class Pinned(FakeBackend):
        def target(self, options: CompileOptions) -> str:
            return "sm_90"

    # Same name, same options: only the concrete target differs.
    assert cache_key(scale_kernel(), Pinned(), OPTS) != cache_key(scale_kernel(), FakeBackend(), OPTS)


def test_memoised_bytes_follow_the_kernel_object() -> None:
    # Kernels come and go (ids get reused); the memo must never hand out another kernel's bytes.
    for factor in range(200):
        kernel = scale_kernel(factor)
        assert kernel_bytes(kernel) == wire.encode(Module((kernel,)))
        del kernel
        if factor % 50 == 0:
            gc.collect()
    gc.collect()
    assert len(ck._memo) < 200  # dead kernels leave the memo


def test_garbage_collection_during_key_computation_does_not_deadlock() -> None:
    # Weakref callbacks of dead kernels run inside whatever allocation triggers a collection,
    # including the memo's own bookkeeping; that must never block.
    def churn() -> None:
        for factor in range(3000):
            kernel = scale_kernel(factor)
            # A kernel in a reference cycle dies only in a collection, which may start at any
            # allocation, also inside the memo's own code.
            object.__setattr__(kernel, "_cycle", kernel)
            cache_key(kernel, FakeBackend(), OPTS)

    old = gc.get_threshold()
    gc.set_threshold(5, 1, 1)
    try:
        worker = threading.Thread(target=churn, daemon=True)
        worker.start()
        worker.join(60)
    finally:
        gc.set_threshold(*old)
    assert not worker.is_alive(), "computing cache keys deadlocked"


@settings(max_examples=30)
@given(valid_kernels())
def test_printing_and_reparsing_a_program_keeps_its_key(kernel) -> None:  # type: ignore[no-untyped-def]
    from vyre.ir.printer import to_text

    reparsed = parse(to_text(Module((kernel,)))).kernels[0]
    backend = FakeBackend()
    assert cache_key(resolve(reparsed), backend, OPTS) == cache_key(resolve(kernel), backend, OPTS)
