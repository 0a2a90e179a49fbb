"""Every example runs on host_jit (barriers included) and matches values computed with numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from host_jit_support import BACKEND, jit

from vyre.backends.base import CompileOptions
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


def test_dot_tree_reduction_with_barriers():
    x = rng.standard_normal(1000).astype(np.float32)
    y = rng.standard_normal(1000).astype(np.float32)
    out = example("dot")(x=x, y=y, partial=np.zeros(4, np.float32))
    # the kernel's own order: products, then pairs at distance 128, 64, ... 1
    tile = np.zeros((4, 256), np.float32)
    tile.reshape(-1)[:1000] = x * y
    stride = 128
    while stride > 0:
        tile[:, :stride] = tile[:, :stride] + tile[:, stride:2 * stride]
        stride >>= 1
    np.testing.assert_array_equal(out["partial"], tile[:, 0])


def test_histogram_with_shared_atomics_and_barrier():
    data = rng.integers(0, 2**32, 3000, dtype=np.uint64).astype(np.uint32)
    bins = np.arange(256, dtype=np.uint32)
    out = example("histogram")(data=data, bins=bins)
    expect = bins + np.bincount(data & 255, minlength=256).astype(np.uint32)
    np.testing.assert_array_equal(out["bins"], expect)


def test_matmul_tiles_with_two_barriers_per_step():
    n = 37
    a = rng.integers(-4, 5, n * n).astype(np.float32)  # small integers: exact sums in any order
    b = rng.integers(-4, 5, n * n).astype(np.float32)
    out = example("matmul")(grid=(3, 3), n=n, a=a, b=b, c=np.zeros(n * n, np.float32))
    expect = (a.reshape(n, n).astype(np.float64) @ b.reshape(n, n)).astype(np.float32)
    np.testing.assert_array_equal(out["c"].reshape(n, n), expect)


def test_prefix_sum_scans_each_block():
    src = rng.integers(0, 2**32, 700, dtype=np.uint64).astype(np.uint32)
    out = example("prefix_sum")(src=src, dst=np.zeros(700, np.uint32))
    expect = np.concatenate([np.cumsum(src[k:k + 256], dtype=np.uint32) for k in range(0, 700, 256)])
    np.testing.assert_array_equal(out["dst"], expect)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.vir")), ids=lambda p: p.name)
def test_every_example_builds(path):
    module = load(path)
    for k in module.kernels:
        assert BACKEND.build(resolve(k), CompileOptions()).startswith(b"VYRE-HOSTJIT-1")
