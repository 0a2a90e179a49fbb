"""docs/semantics.md, row by row, on edge values: each case is a small VIR0 kernel run on
cpu_ref over every pair of edge values, checked against a reference computed here with
Python's exact integers, ``fractions`` or numpy (never against the interpreter)."""

from __future__ import annotations

import math
import struct
from fractions import Fraction

import numpy as np
import pytest

from vyre.ir.ops import ScalarType

T = ScalarType
INTS = [T.I32, T.U32, T.I64, T.U64]
FLOATS = [T.F32, T.F64]


def edge_ints(t: ScalarType) -> list[int]:
    n = t.bits
    vals = {0, 1, 2, 3, 7, 31, 32, 33, n - 1, n, n + 1, 100, 0x5555, t.max, t.max - 1}
    if t.is_signed:
        vals |= {-1, -2, -3, -7, -32, -100, t.min, t.min + 1}
    else:
        vals |= {2 ** (n - 1), 2 ** (n - 1) + 1, t.max - 6}
    return sorted(vals)


def edge_floats(t: ScalarType) -> np.ndarray:
    f = np.finfo(t.dtype)
    tiny_sub = float(np.nextafter(t.dtype.type(0), t.dtype.type(1)))
    vals = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0, 0.1, -7.25, 1e-30, -1e-30,
            1e30, float(f.max), -float(f.max), float(f.tiny), tiny_sub, -tiny_sub,
            float("inf"), float("-inf"), float("nan")]
    return np.array(vals, dtype=t.dtype)


def wrap(v: int, t: ScalarType) -> int:
    v = int(v) & ((1 << t.bits) - 1)
    if t.is_signed and v >= 1 << (t.bits - 1):
        v -= 1 << t.bits
    return v


def pairs(values):
    """Every ordered pair of ``values``: two lists of ints, or two arrays of floats."""
    if isinstance(values, np.ndarray):
        a, b = np.meshgrid(values, values, indexing="ij")
        return a.ravel(), b.ravel()
    return [x for x in values for _ in values], [y for _ in values for y in values]


def elementwise(expr: str, inputs: dict[str, ScalarType], out: ScalarType) -> str:
    decls = "\n".join(f"  buffer {n}: {t}[] read" for n, t in inputs.items())
    return f"""vir0
kernel t workgroup(64) {{
{decls}
  buffer out: {out}[] write
  let i = gid.x
  if i < len(out) {{
    out[i] = {expr}
  }}
}}
"""


def run_elementwise(run, expr: str, out: ScalarType, **arrays: np.ndarray) -> np.ndarray:
    inputs = {name: _type_of(a.dtype) for name, a in arrays.items()}
    n = len(next(iter(arrays.values())))
    src = elementwise(expr, inputs, out)
    return run(src, **arrays, out=np.zeros(n, out.dtype))["out"]


def _type_of(dtype: np.dtype) -> ScalarType:
    return next(t for t in ScalarType if t.dtype == dtype and t is not T.BOOL)


def int_array(values, t: ScalarType) -> np.ndarray:
    return np.array([wrap(v, t) for v in values], dtype=t.dtype)


def same_floats(got: np.ndarray, want: np.ndarray) -> bool:
    """Bit-identical, except that any NaN matches any NaN (payloads are unspecified)."""
    got, want = np.asarray(got), np.asarray(want, dtype=got.dtype)
    both_nan = np.isnan(got) & np.isnan(want)
    bits = np.dtype(f"u{got.dtype.itemsize}")
    return bool(np.all(both_nan | (got.view(bits) == want.view(bits))))


# --- section 2: integer arithmetic --------------------------------------------------------
def _tdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


INT_BINARY = {
    "+": lambda a, b, t: a + b,
    "-": lambda a, b, t: a - b,
    "*": lambda a, b, t: a * b,
    "/": lambda a, b, t: 0 if b == 0 else _tdiv(a, b),
    "%": lambda a, b, t: a if b == 0 else a - _tdiv(a, b) * b,
    "<<": lambda a, b, t: a << (b & (t.bits - 1)),
    ">>": lambda a, b, t: a >> (b & (t.bits - 1)),
    "&": lambda a, b, t: a & b,
    "|": lambda a, b, t: a | b,
    "^": lambda a, b, t: a ^ b,
    "min": lambda a, b, t: min(a, b),
    "max": lambda a, b, t: max(a, b),
    "mul_hi": lambda a, b, t: (a * b) >> t.bits,
    "rotl": lambda a, b, t: _rot(a, b, t, True),
    "rotr": lambda a, b, t: _rot(a, b, t, False),
}


def _rot(a: int, s: int, t: ScalarType, left: bool) -> int:
    n = t.bits
    u = a & ((1 << n) - 1)
    k = s & (n - 1)
    if not left:
        k = (n - k) % n
    return ((u << k) | (u >> (n - k))) & ((1 << n) - 1)


@pytest.mark.parametrize("t", INTS, ids=str)
@pytest.mark.parametrize("op", list(INT_BINARY))
def test_integer_binary(run, t, op) -> None:
    values = edge_ints(t)
    a, b = pairs(values)
    expr = f"{op}(a[i], b[i])" if op.isalpha() or "_" in op else f"a[i] {op} b[i]"
    got = run_elementwise(run, expr, t, a=int_array(a, t), b=int_array(b, t))
    want = [wrap(INT_BINARY[op](int(x), int(y), t), t) for x, y in zip(a, b, strict=True)]
    assert got.tolist() == want


def test_integer_division_rows(run) -> None:
    t = T.I32
    a = int_array([7, -7, 7, -7, t.min, t.min, 5, -5, 0], t)
    b = int_array([2, 2, -2, -2, -1, -1, 0, 0, 0], t)
    q = run_elementwise(run, "a[i] / b[i]", t, a=a, b=b).tolist()
    r = run_elementwise(run, "a[i] % b[i]", t, a=a, b=b).tolist()
    assert q == [3, -3, -3, 3, t.min, t.min, 0, 0, 0]
    assert r == [1, -1, 1, -1, 0, 0, 5, -5, 0]


@pytest.mark.parametrize("t", INTS, ids=str)
@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_integer_comparison(run, t, op) -> None:
    a, b = pairs(edge_ints(t))
    got = run_elementwise(run, f"u32(a[i] {op} b[i])", T.U32, a=int_array(a, t), b=int_array(b, t))
    py = {"==": int.__eq__, "!=": int.__ne__, "<": int.__lt__, "<=": int.__le__, ">": int.__gt__,
          ">=": int.__ge__}[op]
    want = [int(py(wrap(int(x), t), wrap(int(y), t))) for x, y in zip(a, b, strict=True)]
    assert got.tolist() == want


INT_UNARY = {
    "-": lambda a, t: -a,
    "~": lambda a, t: ~a,
    "abs": lambda a, t: abs(a),
    "sign": lambda a, t: (a > 0) - (a < 0),
    "popcount": lambda a, t: bin(a & ((1 << t.bits) - 1)).count("1"),
    "clz": lambda a, t: t.bits - (a & ((1 << t.bits) - 1)).bit_length(),
    "ctz": lambda a, t: t.bits if a == 0 else ((a & -a).bit_length() - 1),
    "reverse_bits": lambda a, t: int(format(a & ((1 << t.bits) - 1), f"0{t.bits}b")[::-1], 2),
}


@pytest.mark.parametrize("t", INTS, ids=str)
@pytest.mark.parametrize("op", list(INT_UNARY))
def test_integer_unary(run, t, op) -> None:
    values = edge_ints(t)
    expr = f"{op}(a[i])" if op.isalpha() or "_" in op else f"{op}a[i]"
    got = run_elementwise(run, expr, t, a=int_array(values, t))
    assert got.tolist() == [wrap(INT_UNARY[op](v, t), t) for v in values]


@pytest.mark.parametrize("t", INTS, ids=str)
def test_clamp_integers_also_when_lo_exceeds_hi(run, t) -> None:
    x = int_array([0, 5, 10, 20, t.max], t)
    got = run_elementwise(run, "clamp(a[i], 10, 3)", t, a=x)
    assert got.tolist() == [3] * 5  # min(max(x, 10), 3)
    got = run_elementwise(run, "clamp(a[i], 3, 10)", t, a=x)
    assert got.tolist() == [3, 5, 10, 10, 10]


def test_literal_shift_counts_are_masked(run) -> None:
    x = np.array([1, 3, 0x80000000], dtype=np.uint32)
    assert run_elementwise(run, "a[i] << 32", T.U32, a=x).tolist() == [1, 3, 0x80000000]
    assert run_elementwise(run, "a[i] << 33", T.U32, a=x).tolist() == [2, 6, 0]
    y = np.array([-8, 8], dtype=np.int32)
    assert run_elementwise(run, "a[i] >> -1", T.I32, a=y).tolist() == [-1, 0]


# --- section 3: bool ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "truth"),
    [("p && q", lambda p, q: p and q), ("p || q", lambda p, q: p or q),
     ("p & q", lambda p, q: p and q), ("p | q", lambda p, q: p or q),
     ("p ^ q", lambda p, q: p != q), ("p == q", lambda p, q: p == q),
     ("p != q", lambda p, q: p != q), ("!p", lambda p, q: not p)],
)
def test_bool_operators(run, expr, truth) -> None:
    a = np.array([0, 0, 1, 1], np.uint32)
    b = np.array([0, 1, 0, 1], np.uint32)
    e = f"u32({expr.replace('p', 'bool(a[i])').replace('q', 'bool(b[i])')})"
    got = run_elementwise(run, e, T.U32, a=a, b=b)
    assert got.tolist() == [int(truth(bool(x), bool(y))) for x, y in zip(a, b, strict=True)]


# --- section 4: float arithmetic ------------------------------------------------------------
FLOAT_BINARY = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "%": np.fmod,
    "copysign": np.copysign, "atan2": None, "pow": None, "hypot": None,
}


@pytest.mark.parametrize("t", FLOATS, ids=str)
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "%", "copysign"])
def test_float_binary_exact(run, t, op) -> None:
    a, b = pairs(edge_floats(t))
    expr = f"{op}(a[i], b[i])" if op.isalpha() else f"a[i] {op} b[i]"
    got = run_elementwise(run, expr, t, a=a, b=b)
    with np.errstate(all="ignore"):
        want = FLOAT_BINARY[op](a, b)
    assert want.dtype == t.dtype
    assert same_floats(got, want)


def test_float_division_and_fmod_rows(run) -> None:
    a = np.array([1.0, -1.0, 0.0, 5.5, -5.5, 1.0, np.inf, 3.0], np.float32)
    b = np.array([0.0, 0.0, 0.0, 2.0, 2.0, -0.0, 2.0, np.inf], np.float32)
    q = run_elementwise(run, "a[i] / b[i]", T.F32, a=a, b=b)
    assert q[0] == np.inf and q[1] == -np.inf and np.isnan(q[2]) and q[5] == -np.inf
    r = run_elementwise(run, "a[i] % b[i]", T.F32, a=a, b=b)
    assert np.isnan(r[0]) and r[3] == 1.5 and r[4] == -1.5 and np.isnan(r[6]) and r[7] == 3.0


@pytest.mark.parametrize("t", FLOATS, ids=str)
@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_float_comparison_nan_rules(run, t, op) -> None:
    a, b = pairs(edge_floats(t))
    got = run_elementwise(run, f"u32(a[i] {op} b[i])", T.U32, a=a, b=b)
    py = {"==": float.__eq__, "!=": float.__ne__, "<": float.__lt__, "<=": float.__le__,
          ">": float.__gt__, ">=": float.__ge__}[op]
    want = [int(py(float(x), float(y))) for x, y in zip(a, b, strict=True)]
    assert got.tolist() == want


def test_negation_flips_the_sign_bit_of_zero_and_nan(run) -> None:
    bits = np.array([0x00000000, 0x80000000, 0x7FC00001, 0xFFC00002, 0x3F800000], np.uint32)
    got = run_elementwise(run, "-a[i]", T.F32, a=bits.view(np.float32))
    assert got.view(np.uint32).tolist() == (bits ^ np.uint32(0x80000000)).tolist()
    got = run_elementwise(run, "abs(a[i])", T.F32, a=bits.view(np.float32))
    assert got.view(np.uint32).tolist() == (bits & np.uint32(0x7FFFFFFF)).tolist()


def test_loads_and_stores_move_nan_payloads_unchanged(run) -> None:
    bits = np.array([0x7FC00001, 0xFFA00003, 0x7F800001], np.uint32)
    got = run_elementwise(run, "a[i]", T.F32, a=bits.view(np.float32))
    assert got.view(np.uint32).tolist() == bits.tolist()


def _fmin_ref(x: float, y: float, pick_max: bool) -> float:
    if math.isnan(x):
        return y
    if math.isnan(y):
        return x
    if x == 0 and y == 0:
        neg = (math.copysign(1, x) < 0 and math.copysign(1, y) < 0) if pick_max else \
            (math.copysign(1, x) < 0 or math.copysign(1, y) < 0)
        return -0.0 if neg else 0.0
    return max(x, y) if pick_max else min(x, y)


@pytest.mark.parametrize("t", FLOATS, ids=str)
@pytest.mark.parametrize("fn", ["min", "max"])
def test_float_min_max(run, t, fn) -> None:
    a, b = pairs(edge_floats(t))
    got = run_elementwise(run, f"{fn}(a[i], b[i])", t, a=a, b=b)
    want = np.array([_fmin_ref(float(x), float(y), fn == "max") for x, y in zip(a, b, strict=True)],
                    t.dtype)
    assert same_floats(got, want)


def test_float_clamp_is_min_of_max(run) -> None:
    x = np.array([np.nan, -1.0, 0.5, 5.0, -0.0], np.float32)
    got = run_elementwise(run, "clamp(a[i], 0.0, 1.0)", T.F32, a=x)
    assert got.tolist() == [0.0, 0.0, 0.5, 1.0, 0.0]
    assert not np.signbit(got[4])
    got = run_elementwise(run, "clamp(a[i], 2.0, 1.0)", T.F32, a=x)
    assert got.tolist() == [1.0] * 5


def _exact_round(x: Fraction, t: ScalarType) -> float:
    """Round an exact rational to the nearest ``t`` value, ties to even (for references)."""
    f = t.dtype.type(float(x))
    best = None
    for cand in (np.nextafter(f, t.dtype.type(-np.inf)), f, np.nextafter(f, t.dtype.type(np.inf))):
        if not np.isfinite(cand):
            continue
        dist = abs(Fraction(float(cand)) - x)
        even = int(np.asarray(cand).view(f"u{t.dtype.itemsize}")) % 2 == 0
        key = (dist, not even)
        if best is None or key < best[0]:
            best = (key, cand)
    assert best is not None
    return float(best[1])


@pytest.mark.parametrize("t", FLOATS, ids=str)
def test_fma_is_single_rounding(run, t) -> None:
    rng = np.random.default_rng(1)
    n = 300
    a = rng.standard_normal(n).astype(t.dtype)
    b = rng.standard_normal(n).astype(t.dtype)
    c = -(a.astype(np.float64) * b.astype(np.float64)).astype(t.dtype)  # cancellation cases
    c[::3] = rng.standard_normal(len(c[::3])).astype(t.dtype)
    # exact results just above a tie, 1 + 2^-24 + 2^-70: rounding to f64 first would make
    # them exact ties and round them down to even (double rounding)
    if t is T.F32:
        a[:2] = [1.0 + 2.0**-23, -(1.0 + 2.0**-23)]
        b[:2] = [1.0 - 2.0**-24, 1.0 - 2.0**-24]
        c[:2] = [2.0**-47 + 2.0**-70, -(2.0**-47 + 2.0**-70)]
    got = run_elementwise(run, "fma(a[i], b[i], c[i])", t, a=a, b=b, c=c)
    want = [_exact_round(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)), t)
            for x, y, z in zip(a, b, c, strict=True)]
    assert got.tolist() == want


FLOAT_UNARY_EXACT = {
    "sqrt": np.sqrt, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "round": np.rint,
    "abs": np.abs,
}


@pytest.mark.parametrize("t", FLOATS, ids=str)
@pytest.mark.parametrize("fn", list(FLOAT_UNARY_EXACT))
def test_float_unary_exact(run, t, fn) -> None:
    x = edge_floats(t)
    got = run_elementwise(run, f"{fn}(a[i])", t, a=x)
    with np.errstate(all="ignore"):
        assert same_floats(got, FLOAT_UNARY_EXACT[fn](x))


def test_round_ties_to_even_and_sqrt_of_negative_zero(run) -> None:
    x = np.array([0.5, 1.5, 2.5, -2.5, 3.5, -0.5], np.float32)
    assert run_elementwise(run, "round(a[i])", T.F32, a=x).tolist() == [0, 2, 2, -2, 4, -0.0]
    r = run_elementwise(run, "sqrt(a[i])", T.F32, a=np.array([-0.0, -1.0], np.float32))
    assert np.signbit(r[0]) and r[0] == 0 and np.isnan(r[1])


def test_fract_sign_and_classification(run) -> None:
    x = np.array([1.25, -1.25, -1e-30, np.inf, np.nan, -0.0, 0.0, 2.0], np.float32)
    fr = run_elementwise(run, "fract(a[i])", T.F32, a=x)
    assert fr[0] == 0.25 and fr[1] == 0.75 and fr[2] == 1.0 and np.isnan(fr[3])
    sg = run_elementwise(run, "sign(a[i])", T.F32, a=x)
    assert sg[0] == 1 and sg[1] == -1 and np.isnan(sg[4]) and np.signbit(sg[5]) and sg[6] == 0
    assert not np.signbit(sg[6])
    cls = run_elementwise(run, "u32(is_nan(a[i])) | (u32(is_inf(a[i])) << 1) | "
                          "(u32(is_finite(a[i])) << 2)", T.U32, a=x)
    assert cls.tolist() == [4, 4, 4, 2, 1, 4, 4, 4]


def test_subnormals_are_preserved(run) -> None:
    tiny = np.array([np.nextafter(np.float32(0), np.float32(1)), np.finfo(np.float32).tiny],
                    np.float32)
    got = run_elementwise(run, "a[i] * 0.5", T.F32, a=tiny)
    assert got[0] == 0.0  # the smallest subnormal halves to zero (tie to even)
    assert got[1] == np.finfo(np.float32).tiny / np.float32(2) and got[1] != 0
    got = run_elementwise(run, "a[i] + a[i]", T.F32, a=tiny)
    assert got[0] == 2 * tiny[0]


# --- transcendentals ----------------------------------------------------------------------
TRANSCENDENTAL = {
    "exp": math.exp, "exp2": lambda x: 2.0**x, "expm1": math.expm1, "log": math.log,
    "log2": math.log2, "log10": math.log10, "log1p": math.log1p, "sin": math.sin,
    "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan,
    "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x),
    "rsqrt": lambda x: 1 / math.sqrt(x),
}


def _ulps(got: float, want: float, t: ScalarType) -> float:
    if math.isnan(want) or math.isnan(got):
        return 0.0 if math.isnan(want) and math.isnan(got) else math.inf
    if math.isinf(want) or math.isinf(got):
        return 0.0 if got == want else math.inf
    spacing = float(np.spacing(t.dtype.type(abs(want))))
    return abs(got - want) / spacing


@pytest.mark.parametrize("fn", list(TRANSCENDENTAL))
def test_f32_transcendentals_within_one_ulp(run, fn) -> None:
    domain = {"asin": 1, "acos": 1, "log": 0, "log2": 0, "log10": 0, "rsqrt": 0, "log1p": -1}
    x = np.linspace(-3, 3, 101).astype(np.float32)
    if fn in domain:
        x = x[x > domain[fn]] if fn not in ("asin", "acos") else x[np.abs(x) <= 1]
    got = run_elementwise(run, f"{fn}(a[i])", T.F32, a=x)
    bound = 1.0 if fn != "cbrt" else 1.5  # the test's cbrt reference is itself inexact
    for g, v in zip(got, x, strict=True):
        assert _ulps(float(g), TRANSCENDENTAL[fn](float(v)), T.F32) <= bound, (fn, v, g)


def test_transcendental_special_values(run) -> None:
    x = np.array([-1.0, 0.0, -0.0, np.inf, np.nan], np.float32)
    lg = run_elementwise(run, "log(a[i])", T.F32, a=x)
    assert np.isnan(lg[0]) and lg[1] == -np.inf and lg[2] == -np.inf and lg[3] == np.inf
    pw = run_elementwise(run, "pow(a[i], 0.0)", T.F32, a=x)
    assert pw.tolist() == [1.0] * 5
    ex = run_elementwise(run, "exp(a[i])", T.F64, a=x.astype(np.float64))
    assert ex[1] == 1 and ex[3] == np.inf and np.isnan(ex[4])


@pytest.mark.parametrize("fn", ["atan2", "pow", "hypot"])
def test_binary_transcendentals(run, fn) -> None:
    ref = {"atan2": math.atan2, "pow": math.pow, "hypot": math.hypot}[fn]
    a, b = pairs(np.array([0.5, 1.0, 2.0, 3.5, 10.0], np.float32))
    got = run_elementwise(run, f"{fn}(a[i], b[i])", T.F32, a=a, b=b)
    for g, x, y in zip(got, a, b, strict=True):
        assert _ulps(float(g), ref(float(x), float(y)), T.F32) <= 1.0


# --- section 6: conversions ---------------------------------------------------------------
@pytest.mark.parametrize("src", INTS, ids=str)
@pytest.mark.parametrize("dst", INTS, ids=str)
def test_int_to_int_wraps(run, src, dst) -> None:
    values = edge_ints(src)
    got = run_elementwise(run, f"{dst}(a[i])", dst, a=int_array(values, src))
    assert got.tolist() == [wrap(wrap(v, src), dst) for v in values]


@pytest.mark.parametrize("src", INTS, ids=str)
@pytest.mark.parametrize("dst", FLOATS, ids=str)
def test_int_to_float_rounds_to_nearest_even(run, src, dst) -> None:
    values = edge_ints(src) + [2**24 + 1, 2**24 + 3, 2**53 + 1, 2**62 + 2**38 + 1]
    x = int_array(values, src)
    got = run_elementwise(run, f"{dst}(a[i])", dst, a=x)
    assert got.tolist() == [_exact_round(Fraction(int(v)), dst) for v in x]


def _saturate(v: float, t: ScalarType) -> int:
    if math.isnan(v):
        return 0
    if math.isinf(v):
        return t.max if v > 0 else t.min
    return min(max(math.trunc(v), t.min), t.max)


@pytest.mark.parametrize("src", FLOATS, ids=str)
@pytest.mark.parametrize("dst", INTS, ids=str)
def test_float_to_int_saturates(run, src, dst) -> None:
    extra = [2.0**31, -(2.0**31), 2.0**31 - 1, 2.0**32, 2.0**63, -(2.0**63), 2.0**64, -2.0**64,
             4294967295.5, -0.99, 0.99, 1e19]
    x = np.concatenate([edge_floats(src), np.array(extra, src.dtype)])
    got = run_elementwise(run, f"{dst}(a[i])", dst, a=x)
    assert got.tolist() == [_saturate(float(v), dst) for v in x]


def test_float_conversions(run) -> None:
    x = np.array([1e300, -1e300, 0.1, np.nan, 2.0**-149, 2.0**-150, 3 * 2.0**-150], np.float64)
    got = run_elementwise(run, "f32(a[i])", T.F32, a=x)
    assert got[0] == np.inf and got[1] == -np.inf and got[2] == np.float32(0.1)
    assert np.isnan(got[3]) and got[4] == 2.0**-149 and got[5] == 0 and got[6] == 2.0**-148
    y = edge_floats(T.F32)
    back = run_elementwise(run, "f64(a[i])", T.F64, a=y)
    assert same_floats(back, y.astype(np.float64))


def test_bool_conversions(run) -> None:
    x = np.array([0.0, -0.0, np.nan, 1e-45, -3.0], np.float32)
    got = run_elementwise(run, "u32(bool(a[i]))", T.U32, a=x)
    assert got.tolist() == [0, 0, 1, 1, 1]
    got = run_elementwise(run, "f32(a[i] > 0.0) + f32(true)", T.F32, a=x)
    assert got.tolist() == [1.0, 1.0, 1.0, 2.0, 1.0]
    got = run_elementwise(run, "i64(bool(a[i]))", T.I64, a=np.array([0, 7, -1], np.int32))
    assert got.tolist() == [0, 1, 1]


@pytest.mark.parametrize(("src", "dst"), [(T.F32, T.U32), (T.F32, T.I32), (T.F64, T.U64),
                                          (T.F64, T.I64)])
def test_bitcast_canonicalises_nan(run, src, dst) -> None:
    x = edge_floats(src)
    x = np.concatenate([x, np.array([1, 2], f"u{src.dtype.itemsize}").view(src.dtype) * 0 + x[-1]])
    got = run_elementwise(run, f"bitcast<{dst}>(a[i])", dst, a=x)
    fmt = {T.F32: ("<f", "<I"), T.F64: ("<d", "<Q")}[src]
    canon = 0x7FC00000 if src is T.F32 else 0x7FF8000000000000
    want = [canon if math.isnan(v) else struct.unpack(fmt[1], struct.pack(fmt[0], v))[0]
            for v in x.tolist()]
    assert [wrap(w, T.U64 if src.bits == 64 else T.U32) & ((1 << src.bits) - 1)
            for w in got.tolist()] == want


def test_bitcast_int_to_float_moves_bits(run) -> None:
    bits = np.array([0x7FC00001, 0x3F800000, 0x80000000, 0x00000001], np.uint32)
    got = run_elementwise(run, "bitcast<f32>(a[i])", T.F32, a=bits)
    assert got.view(np.uint32).tolist() == bits.tolist()


# --- section 7: memory --------------------------------------------------------------------
def test_out_of_bounds_loads_give_zero_for_every_index_type(run) -> None:
    src = """vir0
kernel t workgroup(8) {
  buffer data: f32[] read
  buffer ii: i32[] read
  buffer uu: u64[] read
  buffer jj: i64[] read
  buffer out: f32[] write
  let k = gid.x
  if k < len(out) {
    out[k] = data[ii[k]] + 10.0 * data[uu[k]] + 100.0 * data[jj[k]]
  }
}
"""
    data = np.array([1, 2, 3, 4], np.float32)
    ii = np.array([0, 3, 4, -1, -(2**31), 2**31 - 1], np.int32)
    uu = np.array([1, 2**64 - 1, 2**32, 3, 4, 2**32 + 1], np.uint64)
    jj = np.array([2, -1, -(2**63), 2**63 - 1, 3, 4], np.int64)
    got = run(src, data=data, ii=ii, uu=uu, jj=jj, out=np.zeros(6, np.float32))["out"]

    def at(i):
        return float(data[i]) if 0 <= i < 4 else 0.0

    want = [at(int(a)) + 10 * at(int(b)) + 100 * at(int(c)) for a, b, c in zip(ii, uu, jj, strict=True)]
    assert got.tolist() == want


def test_out_of_bounds_stores_are_dropped(run) -> None:
    src = """vir0
kernel t workgroup(4) {
  buffer idx: i64[] read
  buffer out: u32[] read_write
  let k = gid.x
  out[idx[k]] = k + 100
}
"""
    idx = np.array([0, -1, 5, 2**40, 3, -(2**63), 2, 2**63 - 1], np.int64)
    out = np.full(4, 7, np.uint32)
    got = run(src, grid=2, idx=idx, out=out)["out"]
    assert got.tolist() == [100, 7, 106, 104]
    assert out.tolist() == [7, 7, 7, 7]  # the caller's array is untouched


def test_len_is_the_element_count(run) -> None:
    src = """vir0
kernel t workgroup(1) {
  buffer a: f64[] read
  buffer s: u64[5] read
  shared sh: i32[33]
  buffer out: u32[3] write
  out[0] = len(a)
  out[1] = len(s)
  out[2] = len(sh)
}
"""
    got = run(src, a=np.zeros(1234), s=np.zeros(5, np.uint64))["out"]
    assert got.tolist() == [1234, 5, 33]


def test_loads_from_an_empty_buffer_give_zero(run) -> None:
    src = """vir0
kernel t workgroup(4) {
  buffer e: i64[] read
  buffer out: i64[] write
  out[gid.x] = e[gid.x] + e[0] + 5
}
"""
    got = run(src, e=np.zeros(0, np.int64), out=np.zeros(4, np.int64))["out"]
    assert got.tolist() == [5, 5, 5, 5]


def test_64_bit_scalar_indexes_into_shared_arrays(run) -> None:
    src = """vir0
kernel t workgroup(4) {
  param big: u64
  param neg: i64
  buffer out: f64[] write
  shared sh: f64[4]
  sh[lid.x] = f64(gid.x) + 0.5
  barrier()
  out[gid.x] = sh[3u64] + sh[big] + sh[neg] + sh[u64(lid.x)] * 10.0
}
"""
    got = run(src, grid=2, big=12899212701, neg=-1, out=np.zeros(8))["out"]
    want = [(4 * (g // 4) + 3 + 0.5) + (g + 0.5) * 10.0 for g in range(8)]
    assert got.tolist() == want


# --- select, compound assignment, f64 transcendentals --------------------------------------
def test_select_picks_per_lane_for_every_type(run) -> None:
    x = np.array([-3, 0, 5, 2**31 - 1], np.int32)
    got = run_elementwise(run, "select(a[i] > 0, a[i], -a[i])", T.I32, a=x)
    assert got.tolist() == [3, 0, 5, 2**31 - 1]
    f = np.array([np.nan, -0.0, 1.5], np.float64)
    got = run_elementwise(run, "select(is_nan(a[i]), 7.0, a[i])", T.F64, a=f)
    assert got.tolist() == [7.0, 0.0, 1.5] and np.signbit(got[1])
    got = run_elementwise(run, "u32(select(a[i] > 0.0, true, false))", T.U32, a=f)
    assert got.tolist() == [0, 0, 1]


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"])
def test_compound_assignment_on_vars_and_buffers(run, op) -> None:
    src = f"""vir0
kernel t workgroup(16) {{
  buffer a: i32[] read
  buffer b: i32[] read
  buffer out: i32[] read_write
  let i = gid.x
  if i < len(out) {{
    var v = a[i]
    v {op}= b[i]
    out[i] {op}= b[i]
    out[i] = out[i] ^ (v * 3)
  }}
}}
"""
    values = edge_ints(T.I32)[:12]
    a, b = pairs(values)
    aa, bb = int_array(a, T.I32), int_array(b, T.I32)
    got = run(src, a=aa, b=bb, out=aa.copy())["out"]
    want = []
    for x, y in zip(a, b, strict=True):
        v = wrap(INT_BINARY[op](x, y, T.I32), T.I32)
        want.append(wrap(v ^ (v * 3), T.I32))
    assert got.tolist() == want


F64_BOUND = {"exp": 1, "exp2": 1, "expm1": 1, "log": 1, "log2": 1, "log10": 1, "log1p": 1,
             "sin": 2, "cos": 2, "tan": 2, "asin": 2, "acos": 2, "atan": 2, "sinh": 2,
             "cosh": 1, "tanh": 1, "rsqrt": 1}


@pytest.mark.parametrize("fn", sorted(F64_BOUND))
def test_f64_transcendentals_within_their_bounds(run, fn) -> None:
    x = np.linspace(-3, 3, 61)
    if fn in ("asin", "acos"):
        x = x[np.abs(x) <= 1]
    elif fn in ("log", "log2", "log10", "rsqrt"):
        x = x[x > 0]
    elif fn == "log1p":
        x = x[x > -1]
    got = run_elementwise(run, f"{fn}(a[i])", T.F64, a=x)
    for g, v in zip(got, x, strict=True):
        want = TRANSCENDENTAL[fn](float(v))  # Python's libm, itself within about 1 ULP
        assert _ulps(float(g), want, T.F64) <= F64_BOUND[fn] + 1, (fn, v, g)


def test_float_atomic_store_and_load(run) -> None:
    src = """vir0
kernel t workgroup(4) {
  buffer v: f32[] read
  buffer mem: f32[2] read_write
  buffer old: f32[] write
  let i = gid.x
  let o = atomic_store(mem[0], v[i])
  let l = atomic_load(mem[1])
  old[i] = o + l
}
"""
    v = np.array([1.5, -2.0, np.inf, 0.25], np.float32)
    out = run(src, v=v, mem=np.array([10.0, 100.0], np.float32), old=np.zeros(4, np.float32))
    assert out["old"].tolist() == [110.0, 101.5, 98.0, np.inf + 100]
    assert out["mem"].tolist() == [0.25, 100.0]
