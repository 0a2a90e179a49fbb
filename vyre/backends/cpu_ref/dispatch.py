"""The state of one dispatch: every invocation of the grid at once, as numpy lanes.

Lanes are laid out in **invocation order**: lane ``l`` is the invocation whose linear global
id ``gid.x + gid.y * GX + gid.z * GX * GY`` is ``l`` (``GX``, ``GY``: invocations per row,
per plane), so ``x`` is fastest.  Atomics process lanes in this order.

The *active set* is the set of lanes executing the current statement: ``None`` for all
lanes (the fast, common case), otherwise a sorted int64 array of lane numbers.  Values are
numpy scalars when uniform over the active lanes, else arrays with one entry per active
lane.  Variables live in *slots*: a scalar (uniform) or an array over all lanes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vyre.ir.ops import IdKind

EMPTY = np.empty(0, dtype=np.int64)
_IOTA: dict[int, np.ndarray] = {}


def iota(n: int) -> np.ndarray:
    """A read-only ``arange(n)`` of u32, cached: it is gid.x of every 1-D dispatch."""
    a = _IOTA.get(n)
    if a is None:
        if len(_IOTA) > 8:
            _IOTA.clear()
        a = np.arange(n, dtype=np.uint32)
        a.flags.writeable = False
        _IOTA[n] = a
    return a


@dataclass
class LoopMasks:
    """Per-lane exits of the innermost loop being executed."""

    broken: np.ndarray  # left the loop with `break`
    stopped: np.ndarray  # done with this iteration (`break` or `continue`)


@dataclass
class Dispatch:
    """Everything one call of a kernel works on: ids, slots, buffers, the active set."""

    grid: tuple[int, int, int]
    workgroup: tuple[int, int, int]
    n: int
    slots: list[Any]
    buffers: list[np.ndarray]
    buffer_lens: list[int]
    shared: list[np.ndarray]
    active: np.ndarray | None = None
    owned: list[bool] = field(default_factory=list)
    alive: np.ndarray | None = None  # False once a lane has returned; None: all alive
    loop: LoopMasks | None = None
    _ids: dict[tuple[IdKind, int], Any] = field(default_factory=dict)
    _wg_linear: np.ndarray | None = None
    _wg_base: dict[int, np.ndarray] = field(default_factory=dict)
    _base_memo: tuple[np.ndarray, int, np.ndarray] | None = None

    def __post_init__(self) -> None:
        self.owned = [False] * len(self.slots)
        wg, grid = self.workgroup, self.grid
        self.row = grid[0] * wg[0]
        self.plane = self.row * grid[1] * wg[1]
        self.iota = iota(self.n) if self.n <= 2**32 else np.arange(self.n, dtype=np.int64)
        self.one_d = self.row == self.n

    # --- the active set ---------------------------------------------------------------
    def count(self) -> int:
        return self.n if self.active is None else len(self.active)

    def select(self, lanes: np.ndarray | None, mask: Any) -> np.ndarray | None:
        """The lanes of ``lanes`` (None: all) where ``mask`` (one entry per lane) is true."""
        if lanes is None:
            if np.ndim(mask) == 0:
                return None if mask else EMPTY
            return None if mask.all() else np.flatnonzero(mask)
        if np.ndim(mask) == 0:
            return lanes if mask else EMPTY
        return lanes[mask]

    def survivors(self, lanes: np.ndarray | None) -> np.ndarray | None:
        """``lanes`` minus those that returned, or left the innermost loop's iteration."""
        mask: Any = True
        if self.alive is not None:
            mask = self.alive if lanes is None else self.alive[lanes]
        if self.loop is not None:
            stopped = self.loop.stopped if lanes is None else self.loop.stopped[lanes]
            mask = mask & ~stopped
        return self.select(lanes, mask)

    def spread(self, full: np.ndarray) -> np.ndarray:
        """A full-width array restricted to the active lanes."""
        return full if self.active is None else full[self.active]

    # --- slots ------------------------------------------------------------------------
    def read(self, k: int) -> Any:
        v = self.slots[k]
        if not isinstance(v, np.ndarray):
            return v
        if self.active is None:
            self.owned[k] = False  # the array is now shared with the reader: copy on write
            return v
        return v[self.active]

    def write(self, k: int, value: Any, dtype: np.dtype, *, fresh: bool) -> None:
        """Set slot ``k`` for the active lanes; ``fresh`` when declaring (no old value)."""
        if self.active is None or (fresh and not isinstance(value, np.ndarray)):
            # A declaration's scope holds only lanes active here, so a uniform value stays
            # uniform even when not every lane is active.
            self.slots[k] = value
            self.owned[k] = False
            return
        cur = self.slots[k]
        if not (isinstance(cur, np.ndarray) and self.owned[k]):
            if fresh or cur is None:
                cur = np.empty(self.n, dtype=dtype)
            elif isinstance(cur, np.ndarray):
                cur = cur.copy()
            else:
                cur = np.full(self.n, cur, dtype=dtype)
            self.slots[k] = cur
            self.owned[k] = True
        cur[self.active] = value

    # --- invocation ids ---------------------------------------------------------------
    def thread_id(self, kind: IdKind, axis: int) -> Any:
        key = (kind, axis)
        if key not in self._ids:
            self._ids[key] = self._compute_id(kind, axis)
        v = self._ids[key]
        if isinstance(v, np.ndarray) and self.active is not None:
            return v[self.active]
        return v

    def _compute_id(self, kind: IdKind, axis: int) -> Any:
        u32 = np.uint32
        size = self.workgroup[axis]
        if kind is IdKind.NWG:
            return u32(self.grid[axis])
        extent = self.grid[axis] * size  # invocations along this axis
        if kind is IdKind.LID and size == 1:
            return u32(0)
        if kind is IdKind.WID and self.grid[axis] == 1:
            return u32(0)
        if kind is IdKind.GID and extent == 1:
            return u32(0)
        if axis == 0 and self.one_d:
            g = self.iota
        else:
            stride = (1, self.row, self.plane)[axis]
            lanes = np.arange(self.n, dtype=np.int64)
            g = ((lanes // stride) % extent).astype(u32)
        if kind is IdKind.GID:
            return g
        return (g % u32(size)) if kind is IdKind.LID else (g // u32(size))

    def workgroup_base(self, size: int) -> np.ndarray:
        """Per active lane, the offset of its workgroup's slice of a shared array."""
        if self._wg_linear is None:
            lin = np.zeros(self.n, dtype=np.int64)
            mult = 1
            for axis in range(3):
                w = self.thread_id_full(IdKind.WID, axis)
                lin = lin + np.asarray(w, dtype=np.int64) * mult
                mult *= self.grid[axis]
            self._wg_linear = lin
        if self.active is None:
            base = self._wg_base.get(size)
            if base is None:
                base = self._wg_base[size] = self._wg_linear * size
            return base
        memo = self._base_memo
        if memo is not None and memo[0] is self.active and memo[1] == size:
            return memo[2]  # the load and the store of `s[i] += v` share the active set
        base = self._wg_linear[self.active] * size
        self._base_memo = (self.active, size, base)
        return base

    def is_own_shared_slot(self, index: Any, size: int) -> bool:
        """Whether ``index`` is ``lid.x`` for all lanes of a 1-D dispatch whose workgroups
        are ``size`` wide: then lane ``l`` uses element ``l`` of the shared storage."""
        return (self.active is None and self.one_d and self.workgroup[0] == size
                and index is self._ids.get((IdKind.LID, 0)))

    def thread_id_full(self, kind: IdKind, axis: int) -> Any:
        saved, self.active = self.active, None
        try:
            return self.thread_id(kind, axis)
        finally:
            self.active = saved

    @property
    def workgroups(self) -> int:
        return self.grid[0] * self.grid[1] * self.grid[2]
