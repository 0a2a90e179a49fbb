"""Every program in examples/*.vir on cpu_ref, on random inputs, against a numpy reference
written here (in the same rounding order where floats are involved, so results are exact)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import vyre

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def compile_example(name: str):
    return vyre.compile(vyre.load(EXAMPLES / f"{name}.vir"), backend="cpu_ref", cache=None)


def check_saxpy(rng: np.random.Generator) -> None:
    for n in (1, 255, 256, 1000):
        x = rng.standard_normal(n).astype(np.float32)
        y = rng.standard_normal(n).astype(np.float32)
        a = float(rng.standard_normal())
        out = compile_example("saxpy")(a=a, x=x, y=y)
        assert out["y"].tobytes() == (np.float32(a) * x + y).tobytes()


def check_dot(rng: np.random.Generator) -> None:
    n = 1000
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    w = -(-n // 256)
    out = compile_example("dot")(x=x, y=y, partial=np.zeros(w, np.float32))
    tile = np.zeros(w * 256, np.float32)
    tile[:n] = x * y
    tile = tile.reshape(w, 256)
    stride = 128
    while stride > 0:
        tile[:, :stride] = tile[:, :stride] + tile[:, stride : 2 * stride]
        stride //= 2
    assert out["partial"].tobytes() == tile[:, 0].tobytes()
    assert abs(float(out["partial"].sum()) - float(np.dot(x.astype(np.float64), y))) < 1e-3


def check_histogram(rng: np.random.Generator) -> None:
    data = rng.integers(0, 2**32, 3000, dtype=np.uint32)
    bins = rng.integers(0, 100, 256).astype(np.uint32)
    out = compile_example("histogram")(data=data, bins=bins)
    assert out["bins"].tolist() == (bins + np.bincount(data & 255, minlength=256)).tolist()


def check_host_flag(rng: np.random.Generator) -> None:
    data = rng.standard_normal(300).astype(np.float32)
    out = compile_example("host_flag")(data=data, progress=np.zeros(2, np.uint32))
    assert out["data"].tobytes() == (data * data).tobytes()
    assert out["progress"].tolist() == [300, 1]


def check_matmul(rng: np.random.Generator) -> None:
    n = 37
    a = rng.standard_normal(n * n).astype(np.float32)
    b = rng.standard_normal(n * n).astype(np.float32)
    g = -(-n // 16)
    out = compile_example("matmul")(grid=(g, g), n=n, a=a, b=b, c=np.zeros(n * n, np.float32))
    A, B = a.reshape(n, n), b.reshape(n, n)
    acc = np.zeros((n, n), np.float32)
    for k in range(n):  # the kernel adds products in k order, one f32 rounding each
        acc = acc + np.outer(A[:, k], B[k, :])
    assert out["c"].tobytes() == acc.ravel().tobytes()


def check_prefix_sum(rng: np.random.Generator) -> None:
    n = 700
    src = rng.integers(0, 2**32, n, dtype=np.uint32)
    out = compile_example("prefix_sum")(src=src, dst=np.zeros(n, np.uint32))
    padded = np.zeros(-(-n // 256) * 256, np.uint32)
    padded[:n] = src
    want = np.cumsum(padded.reshape(-1, 256), axis=1, dtype=np.uint32).ravel()[:n]
    assert out["dst"].tolist() == want.tolist()


def check_grid_stride(rng: np.random.Generator) -> None:
    x = rng.standard_normal(5000).astype(np.float32)
    exe = compile_example("grid_stride")
    for grid in (None, 1, 3, 8, 100):
        out = exe(grid=grid, x=x, out=np.zeros(5000, np.float32))
        assert out["out"].tobytes() == (np.float32(2) * x + np.float32(1)).tobytes()


def _kmp_dfa(pattern: bytes) -> np.ndarray:
    m = len(pattern)
    table = np.zeros((m + 1, 256), np.uint32)
    for state in range(m + 1):
        for byte in range(256):
            seen = pattern[:state] + bytes([byte])
            k = min(m, len(seen))
            while k > 0 and seen[len(seen) - k :] != pattern[:k]:
                k -= 1
            table[state, byte] = k
    return table.ravel()


def check_scan_bytes(rng: np.random.Generator) -> None:
    pattern = b"abab"
    text = bytes(rng.choice(list(b"ab c"), 997).astype(np.uint8))
    packed = np.frombuffer(text + bytes(-len(text) % 4), dtype="<u4").astype(np.uint32)
    want = sum(1 for k in range(len(text)) if text[k : k + len(pattern)] == pattern)
    for chunk in (1, 7, 64, 2000):
        jobs = -(-len(text) // chunk)
        out = compile_example("scan_bytes")(
            grid=-(-jobs // 64), nbytes=len(text), chunk=chunk, accept=len(pattern),
            overlap=len(pattern) - 1, text=packed, table=_kmp_dfa(pattern),
            counts=np.zeros(jobs, np.uint32))
        assert int(out["counts"].sum()) == want


def _collatz(v: int) -> int:
    n = 0
    while v > 1:
        v = v // 2 if v % 2 == 0 else 3 * v + 1
        n += 1
    return n


def check_collatz(rng: np.random.Generator) -> None:
    start = rng.integers(0, 2**20, 200, dtype=np.uint64)
    start[:3] = [0, 1, 27]
    out = compile_example("collatz")(start=start, steps=np.zeros(200, np.uint32))
    assert out["steps"].tolist() == [_collatz(int(v)) for v in start]


def check_reduce_max(rng: np.random.Generator) -> None:
    exe = compile_example("reduce_max")
    for n in (1, 256, 1000):
        values = rng.integers(0, 2**32, n, dtype=np.uint32)
        start = np.array([rng.integers(0, 2**32)], np.uint32)
        out = exe(values=values, result=start)
        assert out["result"].tolist() == [max(int(start[0]), int(values.max()))]


def check_transpose(rng: np.random.Generator) -> None:
    exe = compile_example("transpose")
    for rows, cols in ((1, 1), (16, 16), (23, 40), (40, 7)):
        src = rng.standard_normal(rows * cols).astype(np.float32)
        grid = (-(-cols // 16), -(-rows // 16))
        out = exe(grid=grid, rows=rows, cols=cols, src=src, dst=np.zeros(rows * cols, np.float32))
        assert out["dst"].tobytes() == src.reshape(rows, cols).T.ravel().tobytes()


CHECKS: dict[str, Callable[[np.random.Generator], None]] = {
    "reduce_max": check_reduce_max,
    "transpose": check_transpose,
    "saxpy": check_saxpy,
    "dot": check_dot,
    "histogram": check_histogram,
    "host_flag": check_host_flag,
    "matmul": check_matmul,
    "prefix_sum": check_prefix_sum,
    "grid_stride": check_grid_stride,
    "scan_bytes": check_scan_bytes,
    "collatz": check_collatz,
}


def test_every_example_has_a_reference() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.vir")}
    assert names, "examples/*.vir is empty"
    assert names <= set(CHECKS), f"examples without a numpy reference: {sorted(names - set(CHECKS))}"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example(name: str) -> None:
    if not (EXAMPLES / f"{name}.vir").exists():
        pytest.skip(f"examples/{name}.vir is not in this checkout")
    CHECKS[name](np.random.default_rng(sum(name.encode())))
