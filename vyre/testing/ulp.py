"""Comparing backend outputs: bit-exact where semantics are exact, ULP bounds where they are not.

The rule (docs/conformance.md explains it to backend authors):

* Integer buffers must agree bit for bit.
* Float buffers must agree bit for bit (so ``-0.0`` differs from ``0.0``), except that any
  NaN equals any NaN: arithmetic NaN payloads are unspecified (docs/semantics.md section 4).
* A float buffer that a transcendental builtin (``sin``, ``pow``, ...) may write gets a
  tolerance of ``bound(reference) + bound(candidate)`` ULPs of its element type, taking the
  largest bound among the transcendentals that may reach it.  Within the tolerance,
  ``-0.0`` equals ``0.0`` and ``inf`` is one ULP past the largest finite value.

Generated programs store a transcendental's result straight into a buffer, so the rule is
exact for them.  For hand-written programs ``tolerances`` follows values through
``let``/``var`` bindings; an integer buffer a transcendental may reach is reported as such
(``inexact_int_buffers``) since no ULP bound carries over through a conversion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from vyre.ir.nodes import Assign, Atomic, Call, Kernel, Let, Load, Node, Ref, Store, VarDecl
from vyre.ir.ops import TRANSCENDENTALS, Builtin, ScalarType
from vyre.testing.features import stmt_exprs, walk_expr, walk_stmts

# docs/semantics.md section 4: the libdevice bounds, (f32, f64), in ULPs.
LIBDEVICE_ULP: dict[Builtin, tuple[int, int]] = {
    Builtin.RSQRT: (2, 1), Builtin.EXP: (2, 1), Builtin.EXP2: (2, 1), Builtin.EXPM1: (1, 1),
    Builtin.LOG: (1, 1), Builtin.LOG2: (1, 1), Builtin.LOG10: (2, 1), Builtin.LOG1P: (1, 1),
    Builtin.SIN: (2, 2), Builtin.COS: (2, 2), Builtin.TAN: (4, 2), Builtin.ASIN: (2, 2),
    Builtin.ACOS: (2, 2), Builtin.ATAN: (2, 2), Builtin.ATAN2: (3, 2), Builtin.SINH: (3, 2),
    Builtin.COSH: (2, 1), Builtin.TANH: (2, 1), Builtin.POW: (4, 2), Builtin.CBRT: (1, 1),
    Builtin.HYPOT: (3, 2),
}
assert set(LIBDEVICE_ULP) == TRANSCENDENTALS


def _cpu_ref_bound(fn: Builtin, t: ScalarType) -> int:
    # f32 is evaluated in f64 and rounded once: within 1 ULP. f64 uses the host libm, held
    # to the libdevice table like everyone else.
    return 1 if t is ScalarType.F32 else LIBDEVICE_ULP[fn][1]


def ulp_bound(backend: str, fn: Builtin, t: ScalarType) -> int:
    """The documented error bound of ``backend`` for ``fn`` on type ``t``, in ULPs."""
    if backend == "cpu_ref":
        return _cpu_ref_bound(fn, t)
    f32, f64 = LIBDEVICE_ULP[fn]
    return f32 if t is ScalarType.F32 else f64


def transcendental_sources(kernel: Kernel) -> dict[str, set[Builtin]]:
    """For each buffer, the transcendentals whose results may be stored into it.

    A value is tainted by the transcendentals in its expression and in the bindings it reads;
    bindings are followed to a fixed point, so loops are covered.
    """
    taint: dict[str, set[Builtin]] = {}

    def of(expr: Node) -> set[Builtin]:
        found: set[Builtin] = set()
        for node in walk_expr(expr):
            if isinstance(node, Call) and node.fn in TRANSCENDENTALS:
                found.add(node.fn)
            elif isinstance(node, Ref):
                found |= taint.get(node.name, set())
            elif isinstance(node, Load | Atomic):
                found |= taint.get("buffer:" + node.buffer, set())
        return found

    changed = True
    while changed:
        changed = False
        for stmt in walk_stmts(kernel.body):
            target = None
            if isinstance(stmt, Let | VarDecl | Assign):
                target = stmt.name
            elif isinstance(stmt, Store):
                target = "buffer:" + stmt.buffer
            if target is None:
                continue
            found = set().union(*(of(e) for e in stmt_exprs(stmt)))
            if isinstance(stmt, Let | VarDecl) and isinstance(stmt.value, Atomic):
                found |= of(stmt.value)
            new = taint.setdefault(target, set()) | found
            if new != taint[target]:
                taint[target] = new
                changed = True
    return {k.removeprefix("buffer:"): v for k, v in taint.items() if k.startswith("buffer:") and v}


def tolerances(kernel: Kernel, reference: str, candidate: str) -> dict[str, int]:
    """ULP tolerance per float buffer of ``kernel``; buffers not listed must match exactly."""
    result: dict[str, int] = {}
    elems = {b.name: b.elem for b in kernel.buffers}
    for name, fns in transcendental_sources(kernel).items():
        t = elems.get(name)
        if t is not None and t.is_float:
            result[name] = max(ulp_bound(reference, f, t) + ulp_bound(candidate, f, t) for f in fns)
    return result


def inexact_int_buffers(kernel: Kernel) -> set[str]:
    """Integer buffers whose values may depend on a transcendental's (inexact) result."""
    elems = {b.name: b.elem for b in kernel.buffers}
    return {n for n in transcendental_sources(kernel) if n in elems and elems[n].is_int}


def _ordered(value: float, t: ScalarType) -> int:
    """The float's position on the number line of representable values (-0.0 and 0.0 share 0)."""
    if t is ScalarType.F32:
        bits = int(np.array([value], np.float32).view(np.int32)[0])
        mask = 0x7FFFFFFF
    else:
        bits = int(np.array([value], np.float64).view(np.int64)[0])
        mask = 0x7FFFFFFFFFFFFFFF
    return -(bits & mask) if bits < 0 else bits


def ulp_distance(a: float, b: float, t: ScalarType) -> int | float:
    """How many representable values of float type ``t`` lie between ``a`` and ``b``.

    0 for two NaNs, ``inf`` when exactly one is NaN.
    """
    a_nan, b_nan = a != a, b != b
    if a_nan or b_nan:
        return 0 if a_nan and b_nan else float("inf")
    return abs(_ordered(a, t) - _ordered(b, t))


@dataclass(frozen=True)
class Difference:
    """The first element where two output arrays disagree."""

    buffer: str
    index: int
    expected: object
    actual: object
    tolerance_ulp: int
    detail: str

    def describe(self) -> str:
        tol = f" (allowed: {self.tolerance_ulp} ULP)" if self.tolerance_ulp else " (must match exactly)"
        return (f"{self.buffer}[{self.index}]: reference {self.expected!r}, candidate "
                f"{self.actual!r}; {self.detail}{tol}")


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view({4: np.uint32, 8: np.uint64, 1: np.uint8}[a.dtype.itemsize])


def first_difference(name: str, expected: np.ndarray, actual: np.ndarray, elem: ScalarType,
                     tolerance_ulp: int = 0) -> Difference | None:
    """The first element of ``actual`` outside the rule above, or None when all conform."""
    if expected.shape != actual.shape or expected.dtype != actual.dtype:
        return Difference(name, -1, f"{expected.dtype}{list(expected.shape)}",
                          f"{actual.dtype}{list(actual.shape)}", 0, "shape or dtype differ")
    exp, act = expected.ravel(), actual.ravel()
    differs = _bits(exp) != _bits(act)
    if elem.is_float:
        differs &= ~(np.isnan(exp) & np.isnan(act))
    for i in np.flatnonzero(differs):
        e, a = exp[i].item(), act[i].item()
        if not elem.is_float:
            return Difference(name, int(i), e, a, 0, f"bits {_hex(exp[i])} vs {_hex(act[i])}")
        dist = ulp_distance(e, a, elem)
        if dist > tolerance_ulp or tolerance_ulp == 0:
            return Difference(name, int(i), e, a, tolerance_ulp,
                              f"bits {_hex(exp[i])} vs {_hex(act[i])}, {dist} ULP apart")
    return None


def _hex(x: np.generic) -> str:
    width = x.dtype.itemsize * 2
    return "0x" + format(int(np.array([x]).view({4: np.uint32, 8: np.uint64}[x.dtype.itemsize])[0]), f"0{width}X")


def compare_outputs(kernel: Kernel, expected: Mapping[str, np.ndarray], actual: Mapping[str, np.ndarray],
                    tolerance: Mapping[str, int]) -> Difference | None:
    """The first difference between two backends' output dicts, buffers in declaration order."""
    for buf in kernel.buffers:
        if buf.name not in expected and buf.name not in actual:
            continue
        if (buf.name in expected) != (buf.name in actual):
            return Difference(buf.name, -1, buf.name in expected, buf.name in actual, 0,
                              "one backend returned this buffer and the other did not")
        diff = first_difference(buf.name, np.asarray(expected[buf.name]),
                                np.asarray(actual[buf.name]), buf.elem, tolerance.get(buf.name, 0))
        if diff is not None:
            return diff
    return None
