"""Atomics, serialised in invocation order within one statement (docs/semantics.md 8).

The lanes of one atomic statement are sorted (stably) by address, so each address gets a
*segment* of lanes in invocation order.  Each op has a vectorised path:

* no two lanes share an address: one gather, one update, one scatter;
* integer ``add``/``sub``/``xor``: exact segmented prefix sums (wrapping arithmetic is a
  group, so prefix differences are exact);
* ``exchange``/``store``/``load``: each old value is the previous lane's operand;
* everything else (float ``add``/``sub``, ``min``/``max``/``and``/``or``,
  ``compare_exchange``): one vectorised step per *rank* within a segment for short
  segments, and a sequential ``accumulate`` (or loop) per long segment, so the work is
  about ``2 * sqrt(lanes)`` numpy calls in the worst case.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from vyre.ir.ops import AtomicOp, ScalarType

Step = Callable[..., np.ndarray]

STEPS: dict[AtomicOp, Step] = {
    AtomicOp.ADD: np.add,
    AtomicOp.SUB: np.subtract,
    AtomicOp.AND: np.bitwise_and,
    AtomicOp.OR: np.bitwise_or,
    AtomicOp.XOR: np.bitwise_xor,
    AtomicOp.MIN: np.minimum,
    AtomicOp.MAX: np.maximum,
    AtomicOp.EXCHANGE: lambda old, v: v,
    AtomicOp.STORE: lambda old, v: v,
    AtomicOp.LOAD: lambda old: old,
    # Integers only, so == is bitwise equality.
    AtomicOp.COMPARE_EXCHANGE: lambda old, expected, desired: np.where(old == expected, desired, old),
}

# Ops whose sequence over one segment is a ufunc accumulate starting from the old value.
_ACCUMULATE: dict[AtomicOp, np.ufunc] = {
    AtomicOp.ADD: np.add, AtomicOp.AND: np.bitwise_and, AtomicOp.OR: np.bitwise_or,
    AtomicOp.XOR: np.bitwise_xor, AtomicOp.MIN: np.minimum, AtomicOp.MAX: np.maximum,
}


# ufunc.at applies its updates one by one in index order, so repeated addresses see them in
# invocation order (float rounding included): exactly the serialisation, minus the old values.
_IN_ORDER: dict[AtomicOp, np.ufunc] = {
    AtomicOp.ADD: np.add, AtomicOp.SUB: np.subtract, AtomicOp.AND: np.bitwise_and,
    AtomicOp.OR: np.bitwise_or, AtomicOp.XOR: np.bitwise_xor, AtomicOp.MIN: np.minimum,
    AtomicOp.MAX: np.maximum,
}


def update_atomic(op: AtomicOp, t: ScalarType, storage: np.ndarray, pos: np.ndarray,
                  valid: np.ndarray, args: list[np.ndarray]) -> None:
    """Like :func:`run_atomic` for an atomic whose old values nobody reads (a statement)."""
    ufunc = _IN_ORDER.get(op)
    if ufunc is None:
        if op is not AtomicOp.LOAD:
            run_atomic(op, t, storage, pos, valid, args)
        return
    if not valid.all():
        pos, args = pos[valid], [a[valid] for a in args]
    ufunc.at(storage, pos, args[0])


def run_atomic(op: AtomicOp, t: ScalarType, storage: np.ndarray, pos: np.ndarray,
               valid: np.ndarray, args: list[np.ndarray]) -> np.ndarray:
    """Apply ``op`` for every lane (arrays of one length, in invocation order).

    ``pos`` are flat positions into ``storage``, ``valid`` marks in-bounds lanes; the rest
    are dropped and return zero.  Returns the old value seen by each lane.
    """
    k = len(pos)
    old = np.zeros(k, dtype=t.dtype)
    lanes = np.flatnonzero(valid) if not valid.all() else np.arange(k)
    if len(lanes) == 0:
        return old
    order = np.argsort(pos[lanes], kind="stable")
    lanes = lanes[order]
    p = pos[lanes]
    vals = [a[lanes] for a in args]
    starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    if len(starts) == len(p):
        before = storage[p]
        storage[p] = STEPS[op](before, *vals)
        old[lanes] = before
        return old
    seg = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(p)]))
    addresses = p[starts]
    init = storage[addresses]
    path = _FAST.get(op) if t.is_int else _FAST_ANY.get(op)
    before, final = (path or _ranked)(op, t, init, seg, starts, vals)
    storage[addresses] = final
    old[lanes] = before
    return old


def _prefix(op: AtomicOp, t: ScalarType, init: np.ndarray, seg: np.ndarray, starts: np.ndarray,
            vals: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    v = vals[0]
    fold, unfold = (np.bitwise_xor, np.bitwise_xor) if op is AtomicOp.XOR else (np.add, np.subtract)
    incl = fold.accumulate(v, dtype=t.dtype)
    excl = unfold(incl, v)
    excl_in_seg = unfold(excl, excl[starts][seg])
    ends = np.r_[starts[1:], len(v)] - 1
    total = unfold(incl[ends], excl[starts])
    combine = np.subtract if op is AtomicOp.SUB else fold
    return combine(init[seg], excl_in_seg), combine(init, total)


def _shifted(op: AtomicOp, t: ScalarType, init: np.ndarray, seg: np.ndarray, starts: np.ndarray,
             vals: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if op is AtomicOp.LOAD:
        return init[seg], init
    v = vals[0]
    before = np.empty_like(v)
    before[1:] = v[:-1]
    before[starts] = init
    ends = np.r_[starts[1:], len(v)] - 1
    return before, v[ends]


_FAST = {AtomicOp.ADD: _prefix, AtomicOp.SUB: _prefix, AtomicOp.XOR: _prefix,
         AtomicOp.EXCHANGE: _shifted, AtomicOp.STORE: _shifted, AtomicOp.LOAD: _shifted}
_FAST_ANY = {AtomicOp.EXCHANGE: _shifted, AtomicOp.STORE: _shifted, AtomicOp.LOAD: _shifted}


def _ranked(op: AtomicOp, t: ScalarType, init: np.ndarray, seg: np.ndarray, starts: np.ndarray,
            vals: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    m = len(seg)
    counts = np.diff(np.r_[starts, m])
    rank = np.arange(m) - starts[seg]
    limit = max(16, math.isqrt(m))
    step = STEPS[op]
    before = np.empty(m, dtype=t.dtype)
    cur = init.copy()
    long_segs = np.flatnonzero(counts > limit)
    short = counts[seg] <= limit
    by_rank = np.argsort(np.where(short, rank, limit + 1), kind="stable")
    sorted_rank = np.where(short, rank, limit + 1)[by_rank]
    bounds = np.searchsorted(sorted_rank, np.arange(limit + 2))
    for r in range(limit + 1):
        sel = by_rank[bounds[r]:bounds[r + 1]]
        if len(sel) == 0:
            break
        s = seg[sel]
        before[sel] = cur[s]
        cur[s] = step(cur[s], *(v[sel] for v in vals))
    for g in long_segs:
        lo, hi = starts[g], starts[g] + counts[g]
        seq_before, cur[g] = _sequential(op, t, cur[g], [v[lo:hi] for v in vals])
        before[lo:hi] = seq_before
    return before, cur


def _sequential(op: AtomicOp, t: ScalarType, start: np.generic,
                vals: list[np.ndarray]) -> tuple[np.ndarray, np.generic]:
    if op in _ACCUMULATE or op is AtomicOp.SUB:
        v = vals[0]
        if op is AtomicOp.SUB:
            # Subtraction in order: s - v0 - v1 ... == accumulate of subtract.
            seq = np.subtract.accumulate(np.r_[np.asarray([start], t.dtype), v], dtype=t.dtype)
        else:
            seq = _ACCUMULATE[op].accumulate(np.r_[np.asarray([start], t.dtype), v], dtype=t.dtype)
        return seq[:-1], seq[-1]
    step = STEPS[op]
    out = np.empty(len(vals[0]), dtype=t.dtype)
    cur = start
    for j in range(len(out)):
        out[j] = cur
        cur = step(cur, *(v[j] for v in vals))
    return out, cur
