"""The compile-cache key: what a compiled artifact depends on, hashed with blake3.

The key covers the kernel's canonical wire bytes, the backend's name and concrete target
(e.g. ``sm_90``), vyre's version, ``LOWERING_VERSION`` and ``CompileOptions.key()``.  Change
any of them and the key changes; reformat the source and it does not (the kernel handed to
the cache is validated and resolved, and the wire format has no spans or comments).
"""

from __future__ import annotations

import blake3

from vyre.backends.base import Backend, CompileOptions
from vyre.ir import wire
from vyre.ir.nodes import Kernel, Module
from vyre.memo import IdentityMemo
from vyre.version import LOWERING_VERSION, __version__

KEY_BYTES = 32  # a blake3 digest; hex keys are twice as long

# Encoding a kernel costs far more than hashing it, and a warm in-process compile of the same
# Kernel object should cost almost nothing: remember each live kernel's bytes.
_memo: IdentityMemo[bytes] = IdentityMemo()


def kernel_bytes(kernel: Kernel) -> bytes:
    """The wire bytes of ``kernel`` as a one-kernel module (memoised per live Kernel object)."""
    data = _memo.get(kernel)
    if data is None:
        data = wire.encode(Module((kernel,)))
        _memo.put(kernel, data)
    return data


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
