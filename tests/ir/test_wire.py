"""The binary wire format: exact round trips, and a precise WireError for each kind of bad blob."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, settings

from tests.ir.strategies import kernels, modules
from vyre.errors import WireError
from vyre.ir import wire
from vyre.ir.nodes import (
    Binary,
    Buffer,
    Eval,
    For,
    If,
    Kernel,
    Let,
    Lit,
    Load,
    Module,
    Param,
    Ref,
    Store,
    ThreadId,
    Unary,
)
from vyre.ir.ops import Access, BinOp, IdKind, ScalarType, UnOp
from vyre.source import Span


def _kernel(body: tuple = (), decls: tuple = (), name: str = "k", workgroup: tuple = (64,)) -> Kernel:
    return Kernel(name, workgroup, decls, body)


def _module(*body: object) -> Module:
    return Module((_kernel(tuple(body)),))


SAXPY = Module((
    Kernel(
        "saxpy",
        (256,),
        (
            Param("a", ScalarType.F32),
            Buffer("x", ScalarType.F32, None, Access.READ),
            Buffer("y", ScalarType.F32, None, Access.READ_WRITE),
        ),
        (
            Let("i", None, ThreadId(IdKind.GID, 0)),
            If(
                Binary(BinOp.LT, Ref("i"), Lit(1024)),
                (Store("y", Ref("i"), Binary(BinOp.MUL, Ref("a"), Load("x", Ref("i")))),),
            ),
        ),
    ),
))


# --- round trips --------------------------------------------------------------------
@settings(max_examples=200)
@given(modules())
def test_decode_inverts_encode_for_any_module(module: Module) -> None:
    blob = wire.encode(module)
    assert wire.decode(blob) == module
    # The encoding is unique, so decoding and encoding again gives the same bytes.
    assert wire.encode(wire.decode(blob)) == blob


@given(kernels())
def test_a_kernel_encodes_as_a_one_kernel_module(kernel: Kernel) -> None:
    assert wire.encode(kernel) == wire.encode(Module((kernel,)))
    assert wire.decode(wire.encode(kernel)) == Module((kernel,))


def test_blob_starts_with_magic_and_version() -> None:
    blob = wire.encode(SAXPY)
    assert blob[:4] == b"VIR0"
    assert struct.unpack_from("<H", blob, 4)[0] == wire.VERSION


@pytest.mark.parametrize(
    "value, type_",
    [
        (-(2**63), ScalarType.I64),
        (2**63 - 1, ScalarType.I64),
        (2**64 - 1, ScalarType.U64),
        (0, None),
        (-1, None),
        (2**200, None),  # out of range for every type (a V230 for the validator), still encodable
        (-(2**200), ScalarType.I32),
        (-0.0, ScalarType.F32),
        (0.0, None),
        (5e-324, ScalarType.F64),
        (math.inf, ScalarType.F64),
        (1.7976931348623157e308, None),
        (True, ScalarType.BOOL),
        (False, None),
    ],
)
def test_literal_values_survive_exactly(value: object, type_: ScalarType | None) -> None:
    module = _module(Let("v", None, Lit(value, type_)))
    decoded = wire.decode(wire.encode(module)).kernels[0].body[0].value
    assert decoded == Lit(value, type_)
    assert type(decoded.value) is type(value)
    if isinstance(value, float):
        assert struct.pack("<d", decoded.value) == struct.pack("<d", value)


def test_nan_payload_survives() -> None:
    nan = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_DEAD_BEEF))[0]
    blob = wire.encode(_module(Let("v", None, Lit(nan, ScalarType.F64))))
    got = wire.decode(blob).kernels[0].body[0].value.value
    assert struct.pack("<d", got) == struct.pack("<d", nan)


def test_literals_that_differ_only_in_kind_or_type_encode_differently() -> None:
    variants = [Lit(1), Lit(1.0), Lit(True, ScalarType.BOOL), Lit(1, ScalarType.U32),
                Lit(1, ScalarType.I32), Lit(0.0), Lit(-0.0), Lit(True)]
    blobs = {wire.encode(_module(Let("v", None, v))) for v in variants}
    assert len(blobs) == len(variants)


def test_spans_are_not_encoded() -> None:
    span = Span("a.vir", 3, 1, 3, 5)
    with_span = _module(Let("v", None, Lit(1, span=span), span=span))
    assert wire.encode(with_span) == wire.encode(_module(Let("v", None, Lit(1))))


def test_decode_accepts_bytearray_and_memoryview() -> None:
    blob = wire.encode(SAXPY)
    assert wire.decode(bytearray(blob)) == SAXPY
    assert wire.decode(memoryview(blob)) == SAXPY


def test_unicode_names_round_trip() -> None:
    module = Module((_kernel(name="ядро_λ"),))
    assert wire.decode(wire.encode(module)) == module


# --- bad blobs ----------------------------------------------------------------------
def _code(blob: bytes, **limits: int) -> str:
    with pytest.raises(WireError) as info:
        wire.decode(blob, **limits)
    assert "Fix:" in str(info.value)
    return info.value.code


def test_bad_magic() -> None:
    assert _code(b"VIR1" + wire.encode(SAXPY)[4:]) == "V301"
    assert _code(b"\x00" * 32) == "V301"


def test_unknown_version() -> None:
    blob = bytearray(wire.encode(SAXPY))
    struct.pack_into("<H", blob, 4, wire.VERSION + 1)
    assert _code(bytes(blob)) == "V302"


@pytest.mark.parametrize("keep", [0, 2, 5, 6, 7, 12, -1])
def test_truncated(keep: int) -> None:
    blob = wire.encode(SAXPY)
    assert _code(blob[:keep]) in {"V303", "V308"}


def test_every_truncation_is_rejected() -> None:
    blob = wire.encode(SAXPY)
    for cut in range(len(blob)):
        with pytest.raises(WireError):
            wire.decode(blob[:cut])


def test_trailing_bytes() -> None:
    assert _code(wire.encode(SAXPY) + b"\x00") == "V304"


def test_absurd_length_prefix() -> None:
    # A kernel count of 2**60 in a tiny blob.
    header = b"VIR0" + struct.pack("<H", wire.VERSION)
    count = bytearray()
    value = 2**60
    while value >= 0x80:
        count.append((value & 0x7F) | 0x80)
        value >>= 7
    count.append(value)
    assert _code(header + bytes(count) + b"\x00") == "V308"


def test_name_length_larger_than_blob() -> None:
    header = b"VIR0" + struct.pack("<H", wire.VERSION)
    assert _code(header + b"\x01" + b"\xff\x7f" + b"abc") == "V308"


def test_bad_utf8_name() -> None:
    blob = wire.encode(Module((_kernel(name="ab"),)))
    i = blob.index(b"ab")
    assert _code(blob[:i] + b"\xff\xfe" + blob[i + 2:]) == "V307"


def test_bad_enum_index() -> None:
    blob = bytearray(wire.encode(_module(Let("v", None, Unary(UnOp.NEG, Ref("a"))))))
    i = blob.index(bytes([wire.EXPR_TAGS[Unary]]))
    blob[i + 1] = 0x7F  # UnOp has three members
    assert _code(bytes(blob)) == "V306"


def test_statement_tag_where_an_expression_belongs() -> None:
    blob = bytearray(wire.encode(_module(Eval(Ref("a")))))
    i = blob.index(bytes([wire.EXPR_TAGS[Ref]]))
    blob[i] = wire.STMT_TAGS[Let]
    assert _code(bytes(blob)) == "V305"


def test_overlong_varint() -> None:
    # The kernel count 1 spelled in two bytes (0x81 0x00) instead of one.
    blob = wire.encode(SAXPY)
    assert _code(blob[:6] + b"\x81\x00" + blob[7:]) == "V311"


def test_varint_longer_than_limit() -> None:
    header = b"VIR0" + struct.pack("<H", wire.VERSION)
    assert _code(header + b"\xff" * 11 + b"\x01") == "V311"


def test_invalid_field_values() -> None:
    blob = bytearray(wire.encode(_module(Let("v", None, ThreadId(IdKind.GID, 2)))))
    i = blob.index(bytes([wire.EXPR_TAGS[ThreadId], 0, 2]))
    blob[i + 2] = 3
    assert _code(bytes(blob)) == "V313"


def _nested(depth: int) -> Module:
    e: object = Ref("a")
    for _ in range(depth):
        e = Unary(UnOp.NEG, e)
    return _module(Let("v", None, e))


def test_nesting_deeper_than_the_limit() -> None:
    with pytest.raises(WireError) as info:
        wire.encode(_nested(wire.MAX_DEPTH + 5))
    assert info.value.code == "V309"
    blob = wire.encode(_nested(50))
    assert wire.decode(blob) == _nested(50)
    assert _code(blob, max_depth=20) == "V309"


def test_nested_blocks_deeper_than_the_limit() -> None:
    body: tuple = ()
    for _ in range(30):
        body = (For("i", Lit(0), Lit(1), None, body),)
    blob = wire.encode(_module(*body))
    assert _code(blob, max_depth=10) == "V309"


def test_more_nodes_than_the_limit() -> None:
    blob = wire.encode(_module(*[Let(f"v{i}", None, Lit(i)) for i in range(100)]))
    assert _code(blob, max_nodes=50) == "V310"


def test_decode_rejects_non_bytes() -> None:
    with pytest.raises(WireError):
        wire.decode("VIR0")  # type: ignore[arg-type]


# --- encode errors ------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad",
    [
        _module(Let("v", None, "not a node")),  # type: ignore[arg-type]
        _module(Let("v", "u32", Lit(1))),  # type: ignore[arg-type]
        _module(Let("v", None, Lit(1 + 2j))),  # type: ignore[arg-type]
        _module(Let("v", None, Unary(BinOp.SUB, Ref("a")))),  # type: ignore[arg-type]  # another enum's member
        _module(Let("v", ScalarType.U32, Binary(UnOp.NEG, Ref("a"), Ref("b")))),  # type: ignore[arg-type]
        _module(Let("v", None, ThreadId(IdKind.GID, 3))),
        _module(Let("v", None, Lit(2**2000))),
        _module(Let("\ud800", None, Lit(1))),
        Module((_kernel(decls=(Ref("x"),)),)),  # type: ignore[arg-type]
        "kernel",
    ],
)
def test_encode_rejects_trees_it_cannot_represent(bad: object) -> None:
    with pytest.raises(WireError) as info:
        wire.encode(bad)  # type: ignore[arg-type]
    assert info.value.code == "V312"


def test_every_enum_index_fits_one_varint_byte() -> None:
    # The encoder writes enum indices as single bytes; a 128th member needs a format change.
    from vyre.ir import ops

    for enum_type in (ops.ScalarType, ops.Access, ops.Placement, ops.IdKind, ops.UnOp, ops.BinOp,
                      ops.Builtin, ops.AtomicOp, ops.MemOrder, ops.Scope):
        assert len(enum_type) < 0x7F, enum_type
