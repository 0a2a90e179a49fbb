"""The host_jit artifact: native object code in a small checked envelope.

LLVM crashes (rather than failing) on a malformed object file, so the object is wrapped:
``MAGIC | u16 length | target | 32-byte blake2b digest | object``.  ``unpack`` checks all of
it before the bytes reach LLVM, and refuses objects built for another CPU.
"""

from __future__ import annotations

import hashlib
import struct

from vyre.errors import BackendError

MAGIC = b"VYRE-HOSTJIT-1\0"
_DIGEST = 32


def pack(obj: bytes, target: str) -> bytes:
    """Wrap object code built for ``target`` (triple:cpu)."""
    t = target.encode()
    return MAGIC + struct.pack("<H", len(t)) + t + _digest(obj) + obj


def unpack(artifact: bytes, target: str, kernel_name: str) -> bytes:
    """The object code in ``artifact``; BackendError V531 if it is damaged or foreign."""
    def bad(why: str) -> BackendError:
        return BackendError(
            f"the host_jit artifact for kernel '{kernel_name}' cannot be used: {why}",
            code="V531",
            fix="clear the compile cache (vyre cache clear) and compile again",
        )

    if not artifact.startswith(MAGIC) or len(artifact) < len(MAGIC) + 2:
        raise bad("it is not a host_jit artifact")
    pos = len(MAGIC)
    (n,) = struct.unpack_from("<H", artifact, pos)
    pos += 2
    built_for = artifact[pos:pos + n].decode(errors="replace")
    pos += n
    digest, obj = artifact[pos:pos + _DIGEST], artifact[pos + _DIGEST:]
    if len(digest) != _DIGEST or _digest(obj) != digest:
        raise bad("its checksum does not match (the bytes are damaged)")
    if built_for != target:
        raise bad(f"it was built for {built_for}, but this machine is {target}")
    return obj


def _digest(obj: bytes) -> bytes:
    return hashlib.blake2b(obj, digest_size=_DIGEST).digest()
