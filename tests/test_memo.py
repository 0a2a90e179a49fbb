"""vyre.memo.IdentityMemo: values remembered per live object, never for a dead one."""

from __future__ import annotations

import gc

from vyre.ir.nodes import Lit, Ref
from vyre.memo import IdentityMemo


def test_remembers_per_object_not_per_equal_value() -> None:
    memo: IdentityMemo[str] = IdentityMemo()
    a, b = Ref("x"), Ref("x")
    memo.put(a, "a")
    assert memo.get(a) == "a"
    assert memo.get(b) is None  # equal, but another object


def test_entries_leave_with_their_object_and_ids_are_not_confused() -> None:
    memo: IdentityMemo[int] = IdentityMemo()
    for value in range(100):
        node = Lit(value)
        assert memo.get(node) is None  # a recycled id never returns another node's value
        memo.put(node, value)
        assert memo.get(node) == value
        del node
    gc.collect()
    assert len(memo) == 0


def test_objects_without_weak_references_are_not_remembered() -> None:
    memo: IdentityMemo[int] = IdentityMemo()
    memo.put(7, 1)
    assert memo.get(7) is None
