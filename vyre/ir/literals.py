"""Spelling of VIR0 number literals: reading them (parser) and writing them (printer).

``42``, ``0xff``, ``7u32``, ``0x10i64`` are integer-spelled; ``1.5``, ``1e-3``, ``2.5f64``
are float-spelled.  An integer spelling with a float suffix (``2f32``) is a float literal.
Values are kept exactly as written; whether they fit their type is the validator's
question (V230).
"""

from __future__ import annotations

import math
import re

from vyre.ir.nodes import Lit
from vyre.ir.ops import ScalarType

SUFFIXES = {t.value: t for t in ScalarType if t is not ScalarType.BOOL}

_INT = re.compile(r"(?:0[xX](?P<hex>[0-9a-fA-F]+)|(?P<dec>[0-9]+))(?P<suffix>[A-Za-z][A-Za-z0-9_]*)?")
_FLOAT = re.compile(
    r"(?P<int>[0-9]+)(?P<frac>\.[0-9]+)?(?P<exp>[eE][+-]?[0-9]+)?(?P<suffix>[A-Za-z][A-Za-z0-9_]*)?"
)
# Hex digits swallow an `f32`/`f64` suffix (0x1f32 is 0x1f32), so hex takes only these.
_HEX_SUFFIX = re.compile(r"(?P<digits>[0-9a-fA-F]*?)(?P<suffix>[iu](?:32|64))?")


class LiteralError(Exception):
    """A malformed literal spelling; ``message`` and ``fix`` are for the user."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


# C and Rust suffixes, for "did you mean".
_C_SUFFIXES = {"f": "f32", "d": "f64", "u": "u32", "l": "i64", "ll": "i64", "ul": "u64",
               "ull": "u64", "lu": "u64", "i": "i32", "u8": "u32", "u16": "u32", "i8": "i32",
               "i16": "i32", "f16": "f32", "usize": "u64", "isize": "i64"}
_FIX = "write integers like 42, 0xff or 7u32 and floats like 1.5, 1e-3 or 2.5f64"


def _suffix_type(suffix: str | None, spelling: str) -> ScalarType | None:
    if suffix is None:
        return None
    if suffix[0] in "eE":
        raise LiteralError(f"malformed exponent in number literal '{spelling}'",
                           "write an exponent as digits after e, e.g. 1e-3 or 2.5e10")
    if suffix.lower() in _C_SUFFIXES:
        right = _C_SUFFIXES[suffix.lower()]
        raise LiteralError(f"unknown literal suffix '{suffix}' in '{spelling}'; did you mean "
                           f"'{right}'?", f"write {spelling[: -len(suffix)]}{right}")
    if suffix not in SUFFIXES:
        raise LiteralError(
            f"unknown literal suffix '{suffix}' in '{spelling}'",
            "use one of the suffixes " + ", ".join(SUFFIXES) + ", or none",
        )
    return SUFFIXES[suffix]


def parse_number(spelling: str) -> Lit:
    """The Lit for a NUMBER token's text (without span). Raises LiteralError if malformed."""
    if spelling[:2] in ("0x", "0X"):
        m = _HEX_SUFFIX.fullmatch(spelling[2:])
        if m is None or not m["digits"]:
            raise LiteralError(f"malformed hexadecimal literal '{spelling}'",
                               "write hex digits 0-9 and a-f after 0x, e.g. 0xff or 0x10u64")
        return Lit(int(m["digits"], 16), _suffix_type(m["suffix"], spelling))
    m = _FLOAT.fullmatch(spelling)
    if m is None:
        raise LiteralError(f"malformed number literal '{spelling}'", _FIX)
    digits = m["int"]
    if len(digits) > 1 and digits[0] == "0":
        raise LiteralError(
            f"number literal '{spelling}' has a leading zero",
            "remove the leading zeros (VIR0 has no octal literals; write hex as 0x...)",
        )
    typ = _suffix_type(m["suffix"], spelling)
    number = spelling[: m.start("suffix")] if m["suffix"] else spelling
    if m["frac"] is None and m["exp"] is None:
        if typ is not None and typ.is_float:
            return Lit(float(int(digits)), typ)
        if len(digits) > 4000:
            raise LiteralError(f"integer literal with {len(digits)} digits is too long",
                               "integer literals have at most 64 bits")
        return Lit(int(digits), typ)
    if typ is not None and not typ.is_float:
        raise LiteralError(
            f"float literal '{number}' cannot have the integer suffix '{m['suffix']}'",
            f"write an integer ({number.split('.')[0]}{m['suffix']}) or use a float suffix (f32, f64)",
        )
    return Lit(float(number), typ)


def format_literal(lit: Lit) -> str:
    """The canonical spelling of a literal; it parses back to an equal Lit.

    Floats print as ``repr`` so they re-parse to the identical double; infinities (which
    only arise from a literal too large for f64) print as ``1e999``.
    """
    value = lit.value
    if isinstance(value, bool):
        return "true" if value else "false"
    suffix = lit.type.value if lit.type is not None and lit.type is not ScalarType.BOOL else ""
    if isinstance(value, float):
        if math.isnan(value):
            from vyre.errors import ValidationError

            raise ValidationError(
                "a NaN literal has no VIR0 spelling",
                code="V230",
                fix="compute NaN in the program, e.g. 0.0 / 0.0",
            )
        if math.isinf(value):
            return ("-" if value < 0 else "") + "1e999" + suffix
        return repr(value) + suffix
    return str(value) + suffix
