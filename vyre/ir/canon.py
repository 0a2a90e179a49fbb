"""Canonical form and fingerprint of VIR0 programs: equal meaning, equal bytes.

Two programs that differ only in formatting, comments, literal spelling (``16``, ``0x10`` and
``16u32`` in a u32 context; ``1.0`` and ``1e0``), omitted ``let``/``var`` annotations or
``else { if }`` versus ``else if`` have the same canonical bytes.  The canonical form is the
validated program with every kernel passed through ``vyre.ir.infer.resolve`` (every literal
typed, every binding annotated); its bytes are its wire encoding, which ignores source spans.
A ``for`` loop's explicit ``step 1`` is dropped (1 is the default step).  Kernel, declaration
and statement order are kept: they are part of a program's meaning (the kernel ABI follows
declaration order).
"""

from __future__ import annotations

import dataclasses

import blake3

from vyre.errors import WireError
from vyre.ir import wire
from vyre.ir.nodes import BLOCK_FIELDS, For, Kernel, Lit, Module, Stmt

__all__ = ["canonical_bytes", "canonicalize", "fingerprint"]


def canonicalize(node: Module | Kernel) -> Module | Kernel:
    """The canonical form of ``node``: validated, then every kernel resolved.

    Returns a Module for a Module and a Kernel for a Kernel.  Raises ValidationError (listing
    every problem) when the program is invalid, so an invalid program never gets a fingerprint.
    """
    from vyre.ir.infer import resolve
    from vyre.ir.validate import validate

    if isinstance(node, Kernel):
        module = Module((node,), span=node.span)
    elif isinstance(node, Module):
        module = node
    else:
        raise WireError(
            f"expected a Module or Kernel to canonicalize, but got {type(node).__name__}",
            code="V312",
            fix="pass a program parsed with vyre.parse or built with vyre.ir.builder",
        )
    validate(module)
    canon = Module(tuple(_normalize(resolve(k)) for k in module.kernels), span=module.span)
    return canon if isinstance(node, Module) else canon.kernels[0]


def canonical_bytes(node: Module | Kernel) -> bytes:
    """The wire encoding of ``canonicalize(node)``; a Kernel is encoded as a one-kernel Module."""
    return wire.encode(canonicalize(node))


def fingerprint(node: Module | Kernel) -> str:
    """Hex blake3 digest (64 characters) of ``canonical_bytes(node)``: equal for equal meaning."""
    return blake3.blake3(canonical_bytes(node)).hexdigest()


def _normalize(kernel: Kernel) -> Kernel:
    """Spell the remaining equal-meaning variants one way: ``step 1`` is the default step."""
    return dataclasses.replace(kernel, body=_block(kernel.body))


def _block(stmts: tuple[Stmt, ...]) -> tuple[Stmt, ...]:
    return tuple(_stmt(s) for s in stmts)


def _stmt(stmt: Stmt) -> Stmt:
    fields = BLOCK_FIELDS.get(type(stmt))
    if fields is None:
        return stmt
    changes = {name: _block(getattr(stmt, name)) for name in fields}
    if isinstance(stmt, For) and _is_one(stmt.step):
        changes["step"] = None
    return dataclasses.replace(stmt, **changes)


def _is_one(expr: object) -> bool:
    # After resolve every literal is typed; an integer-typed 1 or a float 1.0 both mean "step 1".
    return isinstance(expr, Lit) and not isinstance(expr.value, bool) and expr.value == 1
