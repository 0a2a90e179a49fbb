"""Every example without barriers runs on host_jit and matches numpy; the others are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from host_jit_support import BACKEND, jit

from vyre.backends.base import CompileOptions
from vyre.backends.host_jit.compile import uses_barrier
from vyre.errors import BackendError
from vyre.ir.infer import resolve
from vyre.ir.parse import load

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
rng = np.random.default_rng(7)


def example(name: str):
    return jit((EXAMPLES / f"{name}.vir").read_text())


def test_saxpy():
    x = rng.standard_normal(1000).astype(np.float32)
    y = rng.standard_normal(1000).astype(np.float32)
    out = example("saxpy")(a=np.float32(2.5), x=x, y=y)
    expect = np.float32(2.5) * x + y  # float32 ops, rounded each step like the kernel
    np.testing.assert_array_equal(out["y"], expect)
    assert set(out) == {"y"}
    np.testing.assert_array_equal(y[:3], y[:3])  # the caller's array is untouched


def test_grid_stride_with_a_small_grid():
    x = rng.standard_normal(5000).astype(np.float32)
    out = example("grid_stride")(grid=3, x=x, out=np.zeros(5000, np.float32))
    np.testing.assert_array_equal(out["out"], np.float32(2.0) * x + np.float32(1.0))


def _collatz(v: int) -> int:
    n = 0
    while v > 1:
        v = v // 2 if v % 2 == 0 else 3 * v + 1
        n += 1
    return n


def test_collatz():
    start = np.array([0, 1, 2, 3, 7, 27, 97, 871, 2**39 + 1] + list(range(100, 160)), np.uint64)
    out = example("collatz")(start=start, steps=np.zeros(len(start), np.uint32))
    assert out["steps"].tolist() == [_collatz(int(v)) for v in start]


def test_host_flag():
    data = rng.standard_normal(300).astype(np.float32)
    out = example("host_flag")(data=data, progress=np.zeros(2, np.uint32))
    np.testing.assert_array_equal(out["data"], data * data)
    assert out["progress"].tolist() == [300, 1]


def _kmp_table(pattern: bytes) -> np.ndarray:
    m = len(pattern)
    table = np.zeros((m + 1) * 256, np.uint32)
    fail = [0] * (m + 1)
    for state in range(m + 1):
        for byte in range(256):
            if state < m and pattern[state] == byte:
                nxt = state + 1
            elif state == 0:
                nxt = 0
            else:
                nxt = table[fail[state] * 256 + byte]
            table[state * 256 + byte] = nxt
        if state >= 1 and state < m:
            fail[state + 1] = table[fail[state] * 256 + pattern[state]] if state > 0 else 0
    return table


def test_scan_bytes_counts_overlapping_matches():
    pattern = b"abab"
    text = bytes(rng.choice(list(b"ab"), size=1001).tolist())
    padded = text + b"\0" * (-len(text) % 4)
    words = np.frombuffer(padded, dtype="<u4").astype(np.uint32)
    chunk = 37
    n_inv = -(-len(text) // chunk)
    out = example("scan_bytes")(
        grid=-(-n_inv // 64), nbytes=len(text), chunk=chunk, accept=len(pattern),
        overlap=len(pattern) - 1, text=words, table=_kmp_table(pattern),
        counts=np.zeros(n_inv, np.uint32))
    expect = sum(1 for k in range(len(text) - 3) if text[k:k + 4] == pattern)
    assert int(out["counts"].sum()) == expect


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.vir")), ids=lambda p: p.name)
def test_every_example_builds_or_is_refused_for_its_barriers(path):
    module = load(path)
    for k in module.kernels:
        k = resolve(k)
        if uses_barrier(k.body):
            with pytest.raises(BackendError) as e:
                BACKEND.build(k, CompileOptions())
            assert e.value.code == "V530"
            assert "cpu_ref" in e.value.fix and "ptx" in e.value.fix
        else:
            assert BACKEND.build(k, CompileOptions()).startswith(b"VYRE-HOSTJIT-1")
