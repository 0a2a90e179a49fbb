"""Type inference for validated kernels: every literal typed, every binding annotated.

Backends call ``resolve`` once before lowering so they never meet an unsuffixed literal, and
``expr_type`` whenever they need the type of an expression.  The typing rules (contextual
literals, docs/semantics.md section 1) live in ``vyre.ir.typecheck``, shared with the
validator.
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
