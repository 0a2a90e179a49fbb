"""Fuzzing ``decode``: whatever the bytes, it returns a Module or raises WireError, nothing else.

Whenever a blob is accepted it must re-encode to the very same bytes (the encoding is unique).
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ir.strategies import modules
from vyre.errors import WireError
from vyre.ir import wire
from vyre.ir.nodes import Module

HEADER = wire.MAGIC + wire.VERSION.to_bytes(2, "little")


def _decode_or_wire_error(blob: bytes) -> None:
    try:
        module = wire.decode(blob)
    except WireError as err:
        assert err.code.startswith("V3")
        assert err.fix
        return
    assert isinstance(module, Module)
    assert wire.encode(module) == blob


@settings(max_examples=400)
@given(st.binary(max_size=200))
def test_random_bytes(blob: bytes) -> None:
    _decode_or_wire_error(blob)


@settings(max_examples=400)
@given(st.binary(max_size=200))
def test_random_bytes_after_a_valid_header(tail: bytes) -> None:
    _decode_or_wire_error(HEADER + tail)


def _mutate(blob: bytes, seed: int) -> bytes:
    """Flip, overwrite, insert or delete a few bytes after the header (seeded, so replayable)."""
    rnd = random.Random(seed)
    out = bytearray(blob)
    for _ in range(rnd.randint(1, 4)):
        action = rnd.choice(["flip", "set", "insert", "delete"])
        i = rnd.randint(6, max(6, len(out) - 1))
        if action == "flip" and i < len(out):
            out[i] ^= 1 << rnd.randint(0, 7)
        elif action == "set" and i < len(out):
            out[i] = rnd.randint(0, 255)
        elif action == "insert":
            out[i:i] = rnd.randbytes(rnd.randint(1, 4))
        elif i < len(out):
            del out[i:i + rnd.randint(1, 4)]
    return bytes(out)


@settings(max_examples=150)
@given(modules(), st.integers(0, 2**32))
def test_mutated_encodings(module: Module, seed: int) -> None:
    blob = wire.encode(module)
    # Several mutants per generated module: generating modules costs far more than decoding.
    for k in range(20):
        _decode_or_wire_error(_mutate(blob, seed + k))


@settings(max_examples=100)
@given(modules(), st.data())
def test_truncated_and_extended_encodings(module: Module, data: st.DataObject) -> None:
    blob = wire.encode(module)
    cut = data.draw(st.integers(0, len(blob) - 1))
    try:
        wire.decode(blob[:cut])
    except WireError:
        pass
    else:
        raise AssertionError("a truncated blob was accepted")
    extra = data.draw(st.binary(min_size=1, max_size=16))
    try:
        wire.decode(blob + extra)
    except WireError as err:
        assert err.code == "V304"
    else:
        raise AssertionError("a blob with trailing bytes was accepted")
