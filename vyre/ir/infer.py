"""Type inference for validated kernels: every literal typed, every binding annotated.

Backends call ``resolve`` once before lowering so they never meet an unsuffixed literal, and
``expr_type`` whenever they need the type of an expression.  The typing rules live in
``vyre.ir.typecheck``, shared with the validator so both agree on every program.

An unsuffixed literal (docs/semantics.md section 1) takes its type from, in this order of
lookup:

* the other operand of a binary operator (an expression made only of unsuffixed literals,
  like ``1 + 2``, is itself flexible and takes the type its own context gives it);
* the declared type of a ``let``/``var``, the variable of an assignment, the element of a
  store, the element of an atomic (for the atomic's values);
* the parameter position of a builtin: the other arguments, or the result's context; an
  integer spelling in a float-only builtin (``sqrt(2)``) becomes a float; ``select``'s
  first argument is bool;
* the other bounds of a ``for`` range;
* the target of a value cast ``T(1)``, when every literal of the operand holds exactly in
  ``T`` (``i64(-1)``, ``f64(0.1)``), else the default and the cast converts;
* for ``bitcast<T>(lit)``, the type of the literal's kind with ``T``'s width
  (``bitcast<f64>(0x3ff0000000000000)`` is a u64 operand);
* an index is ``u32``.

With no context an integer spelling is ``u32`` and a float spelling ``f32``; a condition's
``bool`` context does not apply to numbers (``if 1 == 2`` compares u32s).
"""

from __future__ import annotations

from collections.abc import Mapping

from vyre.ir.nodes import Expr, Kernel
from vyre.ir.ops import ScalarType
from vyre.ir.typecheck import Typer, expr_type_in

__all__ = ["expr_type", "resolve"]


def resolve(kernel: Kernel) -> Kernel:
    """An equal-meaning copy of a validated ``kernel`` with all types explicit.

    Every ``Lit`` gets its concrete type (integer-spelled literals that take a float type
    become float-valued; float values are rounded to their type's precision) and every
    ``Let``/``VarDecl`` gets its ``type``.  Spans are kept.  Resolving a resolved kernel
    returns an equal kernel.  The result for a kernel that does not validate is unspecified
    (but this never raises).
    """
    return Typer(kernel).run()


def expr_type(expr: Expr, env: Mapping[str, ScalarType], kernel: Kernel) -> ScalarType:
    """The type of ``expr``, an expression of the resolved ``kernel``.

    ``env`` maps the let/var/loop-variable names in scope to their types (params are taken
    from the kernel when missing from ``env``).  Raises KeyError when ``expr`` names something
    unknown, which cannot happen in a validated kernel.
    """
    t = expr_type_in(kernel, env, expr)
    if t is None:
        raise KeyError(f"cannot type {expr!r}: it names something not in env or kernel")
    return t
