"""Argument binding (vyre.backends.args): every ArgumentError case, the default grid, copies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vyre.backends.args import (
    ARRAY_KINDS,
    ArrayInfo,
    ArrayKind,
    array_info,
    bind,
    check_grid,
    register_array_kind,
)
from vyre.errors import ArgumentError
from vyre.ir.nodes import Buffer, Kernel, Param
from vyre.ir.ops import Access, ScalarType

T = ScalarType


def kernel(*decls, workgroup=(64,)) -> Kernel:
    return Kernel("k", workgroup, tuple(decls), ())


K = kernel(
    Param("a", T.F32),
    Param("n", T.U32),
    Buffer("x", T.F32, None, Access.READ),
    Buffer("y", T.F32, None, Access.READ_WRITE),
    Buffer("out", T.I32, 16, Access.WRITE),
)


def good(**over):
    args = {"a": 1.0, "n": 3, "x": np.zeros(10, np.float32), "y": np.zeros(100, np.float32)}
    args.update(over)
    return args


def raises(code: str, *args, **kwargs) -> ArgumentError:
    with pytest.raises(ArgumentError) as info:
        bind(*args, **kwargs)
    err = info.value
    assert err.code == code, str(err)
    assert "Fix:" in str(err) and err.fix
    return err


def test_good_call_binds_everything() -> None:
    b = bind(K, None, good())
    assert b.params["a"] == np.float32(1.0) and b.params["a"].dtype == np.float32
    assert b.params["n"].dtype == np.uint32
    assert b.omitted == ("out",)
    assert b.buffer_len("out") == 16 and b.buffer_len("y") == 100


def test_missing_buffer_and_param() -> None:
    args = good()
    del args["x"]
    err = raises("V401", K, None, args)
    assert "'x" in err.message
    args = good()
    del args["n"]
    assert "'n: u32'" in raises("V401", K, None, args).message


def test_runtime_sized_write_buffer_cannot_be_omitted() -> None:
    k = kernel(Buffer("o", T.U32, None, Access.WRITE))
    raises("V401", k, None, {})
    k2 = kernel(Buffer("o", T.U32, 8, Access.READ_WRITE))
    raises("V401", k2, None, {})


def test_unknown_name_suggests_the_closest() -> None:
    err = raises("V402", K, None, good(yy=np.zeros(3, np.float32)))
    assert "'yy'" in err.message and "did you mean 'y'" in err.fix
    err = raises("V402", K, None, good(zzzzzz=1))
    assert "takes:" in err.fix


@pytest.mark.parametrize("value", [[1.0, 2.0], 3.0, "abc", None])
def test_buffer_needs_an_array(value) -> None:
    raises("V403", K, None, good(x=value))


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int32, np.uint32])
def test_wrong_dtype_is_never_cast(dtype) -> None:
    err = raises("V404", K, None, good(x=np.zeros(4, dtype)))
    assert "float32" in err.message


def test_static_size_mismatch() -> None:
    err = raises("V405", K, None, good(out=np.zeros(15, np.int32)))
    assert "16" in err.message and "15" in err.message
    assert bind(K, None, good(out=np.zeros(16, np.int32))).omitted == ()


def test_not_one_dimensional_or_not_contiguous() -> None:
    raises("V406", K, None, good(x=np.zeros((2, 5), np.float32)))
    raises("V406", K, None, good(x=np.zeros((), np.float32)))
    raises("V406", K, None, good(x=np.zeros(20, np.float32)[::2]))
    # a contiguous slice is fine
    bind(K, None, good(x=np.zeros(20, np.float32)[2:7]))


def test_buffer_longer_than_u32_range() -> None:
    huge = np.broadcast_to(np.zeros(1, np.float32), (2**32,))
    err = raises("V407", K, None, good(x=huge))
    assert "2**32 - 1" in err.message


@pytest.mark.parametrize(
    ("ptype", "value"),
    [
        (T.U32, -1), (T.U32, 2**32), (T.I32, 2**31), (T.I32, -(2**31) - 1),
        (T.I64, 2**63), (T.U64, -1), (T.U64, 2**64),
        (T.I32, 1.0), (T.U32, np.float32(2.0)), (T.I32, True), (T.U64, np.bool_(False)),
        (T.F32, 1e39), (T.F32, -1e39), (T.F32, 2**24 + 1), (T.F64, 2**53 + 1),
        (T.F32, True), (T.BOOL, 1), (T.BOOL, 0.0),
    ],
)
def test_param_values_that_do_not_fit(ptype, value) -> None:
    k = kernel(Param("p", ptype))
    raises("V408", k, None, {"p": value})


@pytest.mark.parametrize("ptype", [T.U32, T.F32, T.BOOL])
def test_param_of_the_wrong_kind(ptype) -> None:
    k = kernel(Param("p", ptype))
    raises("V403", k, None, {"p": "1"})
    raises("V403", k, None, {"p": np.zeros(1, np.float32)})


@pytest.mark.parametrize(
    ("ptype", "value", "expected"),
    [
        (T.U32, 2**32 - 1, np.uint32(2**32 - 1)), (T.I32, -(2**31), np.int32(-(2**31))),
        (T.U64, 2**64 - 1, np.uint64(2**64 - 1)), (T.I64, np.int8(-3), np.int64(-3)),
        (T.F32, 2**24, np.float32(2**24)), (T.F64, 2**53, np.float64(2**53)),
        (T.F32, 0.1, np.float32(0.1)), (T.F32, float("inf"), np.float32(np.inf)),
        (T.F64, np.float32(0.5), np.float64(0.5)), (T.BOOL, np.bool_(True), np.bool_(True)),
        (T.F32, 3.40282350e38, np.float32(3.4028235e38)),  # just above MAX: rounds down to it
    ],
)
def test_param_values_that_fit(ptype, value, expected) -> None:
    k = kernel(Param("p", ptype))
    got = bind(k, None, {"p": value}).params["p"]
    assert got.dtype == ptype.dtype and got == expected


def test_float_param_nan_is_accepted() -> None:
    k = kernel(Param("p", T.F32))
    assert np.isnan(bind(k, None, {"p": float("nan")}).params["p"])


@pytest.mark.parametrize(
    "grid", [0, -1, (1, 0), (1, 1, 1, 1), (), 1.5, "4", (2**31, 1, 1), (1, 65536), (1, 1, 65536),
             True, (1, 2.0)],
)
def test_bad_grid(grid) -> None:
    raises("V409", K, grid, good())


def test_grid_forms() -> None:
    assert check_grid(5) == (5, 1, 1)
    assert check_grid((2, 3)) == (2, 3, 1)
    assert check_grid([2, 3, 4]) == (2, 3, 4)
    assert check_grid(np.int64(7)) == (7, 1, 1)
    assert check_grid((2**31 - 1, 65535, 65535)) == (2**31 - 1, 65535, 65535)


@pytest.mark.parametrize(
    ("workgroup", "lengths", "grid"),
    [((64,), (10, 100), (2, 1, 1)), ((64,), (128, 1), (2, 1, 1)), ((64,), (129, 1), (3, 1, 1)),
     ((8, 8), (0, 0), (1, 1, 1)), ((1,), (5, 0), (16, 1, 1))],
)
def test_default_grid(workgroup, lengths, grid) -> None:
    k = kernel(
        Buffer("x", T.F32, None, Access.READ),
        Buffer("y", T.F32, None, Access.READ_WRITE),
        Buffer("out", T.I32, 16, Access.WRITE),
        workgroup=workgroup,
    )
    args = {"x": np.zeros(lengths[0], np.float32), "y": np.zeros(lengths[1], np.float32)}
    # the omitted static buffer (16 elements) counts too
    expected = max(grid[0], -(-16 // workgroup[0]))
    assert bind(k, None, args).grid == (expected, 1, 1)


def test_host_buffers_copy_writable_and_protect_read_only() -> None:
    x = np.arange(4, dtype=np.float32)
    y = np.arange(4, dtype=np.float32)
    b = bind(K, None, good(x=x, y=y))
    host = b.host_buffers()
    assert host["y"] is not y and np.shares_memory(host["x"], x)
    host["y"][0] = 42
    assert y[0] == 0
    assert not host["x"].flags.writeable
    assert np.array_equal(host["out"], np.zeros(16, np.int32))


def test_array_kinds_are_pluggable() -> None:
    class Fake:
        def __init__(self, n: int) -> None:
            self.n = n

    kind = ArrayKind("fake", lambda a: isinstance(a, Fake),
                     lambda a: ArrayInfo("fake", np.dtype(np.float32), (a.n,), True, a))
    register_array_kind(kind)
    try:
        assert array_info(Fake(3)).kind == "fake"
        b = bind(K, None, good(x=Fake(7)))
        assert b.arrays["x"].kind == "fake" and b.buffer_len("x") == 7
        with pytest.raises(ArgumentError) as info:
            b.host_buffers()
        assert info.value.code == "V403"
    finally:
        ARRAY_KINDS[:] = [k for k in ARRAY_KINDS if k.name != "fake"]


@given(st.floats(allow_nan=False, width=64))
def test_f32_params_round_like_literals_or_refuse_overflow(value: float) -> None:
    k = kernel(Param("p", T.F32))
    with np.errstate(over="ignore"):
        rounded = np.float32(value)
    if np.isinf(rounded) and not np.isinf(value):
        with pytest.raises(ArgumentError) as info:
            bind(k, None, {"p": value})
        assert info.value.code == "V408"
    else:
        got = bind(k, None, {"p": value}).params["p"]
        assert got.tobytes() == rounded.tobytes()


@given(st.sampled_from([T.I32, T.U32, T.I64, T.U64]), st.integers(-(2**70), 2**70))
def test_int_params_accept_exactly_their_range(t: ScalarType, value: int) -> None:
    k = kernel(Param("p", t))
    if t.min <= value <= t.max:
        assert int(bind(k, None, {"p": value}).params["p"]) == value
    else:
        with pytest.raises(ArgumentError) as info:
            bind(k, None, {"p": value})
        assert info.value.code == "V408" and str(t.max) in info.value.message


@given(st.integers(-(2**60), 2**60))
def test_int_for_float_param_only_when_exact(value: int) -> None:
    k = kernel(Param("p", T.F32))
    exact = int(np.float32(value)) == value
    if exact:
        assert bind(k, None, {"p": value}).params["p"] == np.float32(value)
    else:
        with pytest.raises(ArgumentError):
            bind(k, None, {"p": value})
