"""Values derived from immutable objects, remembered per live object.

IR nodes are frozen, so anything computed from one (its validated form, its wire bytes)
stays true while it lives.  Hashing a node walks its whole tree, so the memo keys on
identity instead, and a weak reference both checks that an id still names the same object
and drops the entry when the object goes away: the memo never keeps a program alive.
"""

from __future__ import annotations

import weakref
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """A map from live objects (by identity) to values computed from them.

    No lock: single dict operations are atomic, and a lock would deadlock when garbage
    collection runs an entry's callback while the same thread holds it.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref, V]] = {}

    def get(self, obj: object) -> V | None:
        hit = self._entries.get(id(obj))
        if hit is not None and hit[0]() is obj:
            return hit[1]
        return None

    def put(self, obj: object, value: V) -> None:
        """Remember ``value`` for ``obj``; objects that cannot be weakly referenced are skipped."""
        ident = id(obj)
        try:
            ref = weakref.ref(obj, lambda r: self._forget(ident, r))
        except TypeError:
            return
        self._entries[ident] = (ref, value)

    def _forget(self, ident: int, ref: weakref.ref) -> None:
        # Only this object's entry: its id may already belong to a newer object.  (Should a
        # newer entry be dropped in a race, the next lookup just computes it again.)
        entry = self._entries.get(ident)
        if entry is not None and entry[0] is ref:
            self._entries.pop(ident, None)

    def __len__(self) -> int:
        return len(self._entries)
