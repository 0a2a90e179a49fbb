"""The arguments `vyre run` builds: documented defaults, --in parsing, the default grid."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vyre.cli import inputs
from vyre.errors import ArgumentError, UsageError
from vyre.ir.nodes import Buffer, Kernel, Param, Shared
from vyre.ir.ops import Access, ScalarType

T = ScalarType


def _kernel(*decls, workgroup=(64,)) -> Kernel:
    return Kernel("k", workgroup, tuple(decls), ())


def test_defaults_follow_the_documented_rules():
    kernel = _kernel(
        Param("n", T.U32), Param("count", T.I64), Param("scale", T.F64), Param("k", T.I32),
        Param("flag", T.BOOL), Buffer("src", T.I64, None, Access.READ),
        Buffer("acc", T.F32, 10, Access.READ_WRITE), Buffer("dst", T.U32, None, Access.WRITE),
        Shared("tile", T.F32, 64),
    )
    args = inputs.build(kernel, [], size=50)
    v = args.values
    assert (v["n"], v["count"], v["k"]) == (50, 50, 2)
    assert v["scale"] == 2.0 and isinstance(v["scale"], float)
    assert v["flag"] is True
    assert v["src"].dtype == np.int64 and len(v["src"]) == 50
    np.testing.assert_array_equal(v["src"][:9], [1, 2, 3, 4, 5, 6, 7, 1, 2])
    assert v["acc"].dtype == np.float32 and len(v["acc"]) == 10
    assert v["dst"].dtype == np.uint32 and not v["dst"].any()
    assert "tile" not in v
    assert len(args.defaults) == 8  # one line per default filled in


def test_values_override_defaults():
    kernel = _kernel(Param("a", T.F32), Param("m", T.U64), Param("b", T.BOOL),
                     Buffer("x", T.I32, None, Access.READ_WRITE))
    args = inputs.build(kernel, ["a=-1.5", "m=0xff", "b=false", "x=-3"], size=4)
    assert args.values["a"] == -1.5
    assert args.values["m"] == 255
    assert args.values["b"] is False
    np.testing.assert_array_equal(args.values["x"], np.full(4, -3, np.int32))
    assert args.defaults == []


@pytest.mark.parametrize(
    ("text", "type_", "value"),
    [("true", T.BOOL, True), ("0", T.BOOL, False), ("1_000", T.U32, 1000),
     ("-0x10", T.I32, -16), ("010", T.U32, 10), ("-nan", T.F32, None), ("inf", T.F32, float("inf")), ("1e-3", T.F64, 1e-3)],
)
def test_parse_scalar(text, type_, value):
    parsed = inputs.parse_scalar(text, type_, "p")
    assert parsed == value or (value is None and math.isnan(parsed))


@pytest.mark.parametrize(
    ("text", "type_", "code"),
    [("2.5", T.I32, "V721"), ("yes", T.BOOL, "V721"), ("4294967296", T.U32, "V722"),
     ("-1", T.U64, "V722"), ("", T.F32, "V721"), ("1e39", T.F32, "V722"),
     ("-1e309", T.F64, "V722")],
)
def test_parse_scalar_rejects(text, type_, code):
    with pytest.raises(ArgumentError) as info:
        inputs.parse_scalar(text, type_, "p")
    assert info.value.code == code
    assert info.value.fix


@pytest.mark.parametrize("text", ["4", "8,8", "2, 3, 4"])
def test_parse_grid(text):
    assert inputs.parse_grid(text) == tuple(int(p) for p in text.split(","))


@pytest.mark.parametrize("text", ["", "0", "-1", "1,2,3,4", "a", "1.5", "4,"])
def test_parse_grid_rejects(text):
    with pytest.raises(UsageError) as info:
        inputs.parse_grid(text)
    assert info.value.code == "V701"


def test_shared_arrays_are_not_arguments():
    kernel = _kernel(Shared("tile", T.F32, 64))
    with pytest.raises(ArgumentError, match="shared array"):
        inputs.build(kernel, ["tile=1"], size=4)
