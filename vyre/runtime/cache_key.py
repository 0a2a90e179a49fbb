"""The compile-cache key: what a compiled artifact depends on, hashed with blake3.

The key covers the kernel's canonical wire bytes, the backend's name and concrete target
(e.g. ``sm_90``), vyre's version, ``LOWERING_VERSION`` and ``CompileOptions.key()``.  Change
any of them and the key changes; reformat the source and it does not (the kernel handed to
the cache is validated and resolved, and the wire format has no spans or comments).
"""

from __future__ import annotations

import weakref

import blake3

from vyre.backends.base import Backend, CompileOptions
from vyre.ir import wire
from vyre.ir.nodes import Kernel, Module
from vyre.version import LOWERING_VERSION, __version__

KEY_BYTES = 32  # a blake3 digest; hex keys are twice as long

# Encoding a kernel costs far more than hashing it, and a warm in-process compile of the same
# Kernel object should cost almost nothing: remember each live kernel's bytes by identity.
# Entries go away with their kernel (weakref callback), so the memo never pins programs.
# No lock: single dict operations are atomic, and a lock here would deadlock when garbage
# collection runs a callback while the same thread holds it.
_memo: dict[int, tuple[weakref.ref, bytes]] = {}


def kernel_bytes(kernel: Kernel) -> bytes:
    """The wire bytes of ``kernel`` as a one-kernel module (memoised per live Kernel object)."""
    ident = id(kernel)
    hit = _memo.get(ident)
    if hit is not None and hit[0]() is kernel:
        return hit[1]
    data = wire.encode(Module((kernel,)))
    try:
        ref = weakref.ref(kernel, lambda r, ident=ident: _forget(ident, r))
    except TypeError:  # an object that cannot be weakly referenced: just don't memoise
        return data
    _memo[ident] = (ref, data)
    return data


def _forget(ident: int, ref: weakref.ref) -> None:
    # Only this kernel's entry: its id may already belong to a newer kernel.  (Should a newer
    # entry be dropped in a race, the next lookup just encodes again.)
    entry = _memo.get(ident)
    if entry is not None and entry[0] is ref:
        _memo.pop(ident, None)


def _field(h: blake3.blake3, data: bytes) -> None:
    # Length-prefix every field so no two field lists hash the same bytes.
    h.update(len(data).to_bytes(8, "little"))
    h.update(data)


def cache_key(kernel: Kernel, backend: Backend, options: CompileOptions) -> str:
    """Hex blake3 key of compiling ``kernel`` (validated and resolved) with ``backend`` and ``options``."""
    h = blake3.blake3(b"vyre-pipeline-key")
    _field(h, kernel_bytes(kernel))
    _field(h, backend.name.encode())
    _field(h, backend.target(options).encode())
    _field(h, __version__.encode())
    _field(h, str(LOWERING_VERSION).encode())
    _field(h, options.key())
    return h.hexdigest()
