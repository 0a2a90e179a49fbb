"""Bounds-checked loads and stores on flat numpy storage (docs/semantics.md 7).

Out-of-bounds loads give zero and out-of-bounds stores are dropped.  Indexes of any integer
type are compared with the length mathematically: a negative signed index and a huge u64
index are both simply out of bounds.
"""

from __future__ import annotations

import numpy as np

from vyre.backends.cpu_ref.arith import Value


def checked_index(index: Value, length: int) -> tuple[np.ndarray | np.integer, np.ndarray | bool]:
    """``(positions, valid)``: positions safe to index with (0 where invalid) and validity.

    ``valid`` is the bool True when every position is in bounds (the common case, which
    then costs one comparison and no copy).
    """
    idx = np.asarray(index)
    if idx.dtype.kind == "u":
        valid = idx < np.uint64(length) if idx.dtype.itemsize == 8 else idx < length
    else:
        valid = (idx >= 0) & (idx < length)
    if idx.ndim == 0:
        return (np.int64(idx[()]) if valid else np.int64(0)), bool(valid)
    if valid.all():
        # u64 positions would turn int64 offsets into floats: narrow them (they are < 2**32)
        return (idx.astype(np.int64) if idx.dtype == np.uint64 else idx), True
    return np.where(valid, idx, 0).astype(np.int64), valid


def gather(storage: np.ndarray, index: Value, length: int, base: np.ndarray | None = None) -> Value:
    """``storage[base + index]`` per lane, zero where ``index`` is outside ``[0, length)``.

    ``base`` offsets each lane into its own workgroup's slice of a shared array.
    """
    pos, valid = checked_index(index, length)
    if length == 0:  # nothing to read: every lane is out of bounds
        shape = np.broadcast_shapes(np.shape(pos), np.shape(base) if base is not None else ())
        return np.zeros(shape, storage.dtype) if shape else storage.dtype.type(0)
    if base is not None:
        pos = base + pos
    if np.ndim(pos) == 0 and base is None:
        return storage[pos] if valid else storage.dtype.type(0)
    vals = storage[pos]
    if valid is True:
        return vals
    return np.where(valid, vals, storage.dtype.type(0))


def scatter(storage: np.ndarray, index: Value, value: Value, length: int, n: int,
            base: np.ndarray | None = None) -> None:
    """``storage[base + index] = value`` for ``n`` lanes, dropping out-of-bounds lanes.

    When several lanes store to one element, the last lane (in invocation order) wins: one
    of the values written, as the data-race rule allows.
    """
    pos, valid = checked_index(index, length)
    if base is not None or np.ndim(pos) == 1 or np.ndim(value) == 1:
        pos = np.broadcast_to(pos, (n,))
        if base is not None:
            pos = base + pos
        valid = np.broadcast_to(valid, (n,))
        val = np.broadcast_to(value, (n,))
        if not valid.all():
            pos, val = pos[valid], val[valid]
        storage[pos] = val
    elif valid:
        storage[pos] = value
