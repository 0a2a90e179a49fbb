"""The binary wire format of VIR0 modules: ``encode(module) -> bytes``, ``decode(bytes) -> Module``.

A blob is ``b"VIR0"``, a little-endian u16 format version, then the module; docs/wire-format.md
is the byte-level specification.  Every node field is encoded (source spans are not), so
``decode(encode(m)) == m``.  The encoding is unique: a blob that ``decode`` accepts re-encodes
to the same bytes, which is what lets the compile cache and ``fingerprint`` hash it.

``decode`` treats its input as untrusted: anything that is not a valid encoding (truncated,
trailing bytes, absurd lengths, nesting or node counts over the limits below, unknown tags or
enum indices, bad UTF-8) raises ``WireError`` and nothing else.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from vyre.errors import WireError
from vyre.ir import nodes as n
from vyre.ir.ops import (
    Access,
    AtomicOp,
    BinOp,
    Builtin,
    IdKind,
    MemOrder,
    Placement,
    ScalarType,
    Scope,
    UnOp,
)

MAGIC = b"VIR0"
VERSION = 1

# Decoding limits; each guards the decoder against a hostile or corrupt blob.
MAX_DEPTH = 200  # nested expressions + statement blocks (keeps Python's stack safe)
MAX_NODES = 1 << 20  # IR nodes in one module
MAX_STRING = 1 << 16  # bytes in one identifier
MAX_VARINT = 10  # bytes in a length, count, enum index or size (up to 70 bits)
MAX_LIT_VARINT = 160  # bytes in a literal's integer value (literals may be out of range)

# --- node tags ----------------------------------------------------------------------
# One tag space for every node so a blob that puts a statement where an expression belongs
# is caught.  0x00 is "absent" for the one optional expression (For.step).
NONE_TAG = 0x00
EXPR_TAGS: dict[type, int] = {
    n.Lit: 0x01, n.Ref: 0x02, n.ThreadId: 0x03, n.Len: 0x04, n.Load: 0x05, n.Unary: 0x06,
    n.Binary: 0x07, n.Cast: 0x08, n.Bitcast: 0x09, n.Call: 0x0A, n.Atomic: 0x0B,
}
STMT_TAGS: dict[type, int] = {
    n.Let: 0x20, n.VarDecl: 0x21, n.Assign: 0x22, n.Store: 0x23, n.If: 0x24, n.For: 0x25,
    n.While: 0x26, n.Loop: 0x27, n.Break: 0x28, n.Continue: 0x29, n.Return: 0x2A,
    n.Barrier: 0x2B, n.Fence: 0x2C, n.Eval: 0x2D,
}
DECL_TAGS: dict[type, int] = {n.Param: 0x40, n.Buffer: 0x41, n.Shared: 0x42}

# Literal header byte: value kind in the high nibble, type code (0 = None) in the low one.
LIT_FALSE, LIT_TRUE, LIT_INT, LIT_FLOAT = 0, 1, 2, 3

_SCALARS = tuple(ScalarType)
_F64 = struct.Struct("<d")
_U16 = struct.Struct("<H")

# Every error code the wire format raises, with its fix.
_FIXES: dict[str, str] = {
    "V301": "pass bytes produced by vyre.ir.wire.encode (they start with b'VIR0')",
    "V302": "re-encode the module with this version of vyre (or decode it with the vyre that wrote it)",
    "V303": "the blob was cut short; re-encode the module or re-fetch the complete file",
    "V304": "pass exactly one encoded module; the blob has bytes after the end of the module",
    "V305": "the blob is corrupt (an unknown node tag); re-encode the module",
    "V306": "the blob is corrupt or from a newer vyre (an enum index out of range); re-encode the module",
    "V307": "the blob is corrupt (a name is not valid UTF-8); re-encode the module",
    "V308": "the blob is corrupt (a length or count is larger than the data); re-encode the module",
    "V309": f"split the program so no expression or block nests deeper than {MAX_DEPTH} levels",
    "V310": f"split the module; it may hold at most {MAX_NODES} IR nodes",
    "V311": "the blob is corrupt (a malformed integer); re-encode the module",
    "V312": "pass a Module (or Kernel) built from vyre.ir.nodes with fields of the documented types",
    "V313": "the blob is corrupt (a field has an impossible value); re-encode the module",
}


def _error(code: str, message: str) -> WireError:
    return WireError(message, code=code, fix=_FIXES[code])


# --- encoding -----------------------------------------------------------------------
def _encode_name(text: str) -> bytes:
    if type(text) is not str:
        raise _error("V312", f"expected a str name, but got {type(text).__name__}")
    raw = text.encode("utf-8")
    if len(raw) > MAX_STRING:
        raise _error("V312", f"a name of {len(raw)} bytes is longer than the limit of {MAX_STRING}")
    prefix = bytearray()
    value = len(raw)
    while value >= 0x80:
        prefix.append((value & 0x7F) | 0x80)
        value >>= 7
    prefix.append(value)
    return bytes(prefix) + raw


class _Encoder:
    """Appends the encoding of nodes to one bytearray."""

    __slots__ = ("out", "names")

    def __init__(self) -> None:
        self.out = bytearray()
        # Encoded names (length prefix + UTF-8) by name: names repeat throughout a kernel.
        self.names: dict[str, bytes] = {}

    def uvarint(self, value: int) -> None:
        if value < 0:
            raise _error("V312", f"expected a non-negative integer, but got {value}")
        out = self.out
        while value >= 0x80:
            out.append((value & 0x7F) | 0x80)
            value >>= 7
        out.append(value)

    def svarint(self, value: int, limit: int = MAX_VARINT) -> None:
        """Zigzag: 0, -1, 1, -2 ... map to 0, 1, 2, 3 ..."""
        start = len(self.out)
        self.uvarint(value << 1 if value >= 0 else ((-value) << 1) - 1)
        if len(self.out) - start > limit:
            raise _error("V312", f"the integer {value} is too large for the wire format")

    def enum(self, member: Any, index: dict) -> None:
        # Every enum has fewer than 128 members, so its index is one varint byte.
        # A member of another enum (or anything else) is a KeyError, reported as V312.
        self.out.append(index[id(member)])

    def opt_enum(self, member: Any, index: dict) -> None:
        self.out.append(0 if member is None else index[id(member)] + 1)

    def string(self, text: str) -> None:
        encoded = self.names.get(text) if type(text) is str else None
        if encoded is None:
            encoded = self.names[text] = _encode_name(text)
        self.out += encoded

    def expr(self, e: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _error("V309", f"the program nests deeper than {MAX_DEPTH} levels")
        tag = EXPR_TAGS.get(type(e))
        if tag is None:
            raise _error("V312", f"expected an expression node, but got {type(e).__name__}")
        self.out.append(tag)
        _ENCODE_EXPR[tag](self, e, depth + 1)

    def exprs(self, items: tuple, depth: int) -> None:
        self.uvarint(len(items))
        for item in items:
            self.expr(item, depth)

    def block(self, stmts: tuple, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _error("V309", f"the program nests deeper than {MAX_DEPTH} levels")
        self.uvarint(len(stmts))
        for s in stmts:
            tag = STMT_TAGS.get(type(s))
            if tag is None:
                raise _error("V312", f"expected a statement node, but got {type(s).__name__}")
            self.out.append(tag)
            _ENCODE_STMT[tag](self, s, depth + 1)

    def lit(self, lit: n.Lit) -> None:
        tcode = 0 if lit.type is None else _SCALARS_IX[id(lit.type)] + 1
        v = lit.value
        if isinstance(v, bool):
            self.out.append((LIT_TRUE if v else LIT_FALSE) << 4 | tcode)
        elif isinstance(v, int):
            self.out.append(LIT_INT << 4 | tcode)
            self.svarint(v, MAX_LIT_VARINT)
        elif isinstance(v, float):
            self.out.append(LIT_FLOAT << 4 | tcode)
            self.out += _F64.pack(v)
        else:
            raise _error("V312", f"expected a bool, int or float literal value, but got {type(v).__name__}")

    def kernel(self, k: n.Kernel) -> None:
        self.string(k.name)
        self.uvarint(len(k.workgroup))
        for dim in k.workgroup:
            self.svarint(dim)
        self.uvarint(len(k.decls))
        for d in k.decls:
            tag = DECL_TAGS.get(type(d))
            if tag is None:
                raise _error("V312", f"expected a declaration node, but got {type(d).__name__}")
            self.out.append(tag)
            self.string(d.name)
            if tag == 0x40:
                self.enum(d.type, _SCALARS_IX)
            elif tag == 0x41:
                self.enum(d.elem, _SCALARS_IX)
                if d.size is None:
                    self.out.append(0)
                else:
                    self.out.append(1)
                    self.svarint(d.size)
                self.enum(d.access, _ACCESS_IX)
                self.enum(d.placement, _PLACEMENTS_IX)
            else:
                self.enum(d.elem, _SCALARS_IX)
                self.svarint(d.size)
        self.block(k.body, 0)


_UNOPS, _BINOPS, _BUILTINS, _ATOMICS = tuple(UnOp), tuple(BinOp), tuple(Builtin), tuple(AtomicOp)
_ORDERS, _SCOPES, _IDKINDS = tuple(MemOrder), tuple(Scope), tuple(IdKind)
_ACCESS, _PLACEMENTS = tuple(Access), tuple(Placement)


def _index(members: tuple) -> dict[int, int]:
    # Keyed by id(): enum members are singletons, and Enum.__hash__ is a slow Python method.
    return {id(m): i for i, m in enumerate(members)}


_SCALARS_IX, _UNOPS_IX, _BINOPS_IX, _BUILTINS_IX, _ATOMICS_IX = map(
    _index, (_SCALARS, _UNOPS, _BINOPS, _BUILTINS, _ATOMICS)
)
_ORDERS_IX, _SCOPES_IX, _IDKINDS_IX, _ACCESS_IX, _PLACEMENTS_IX = map(
    _index, (_ORDERS, _SCOPES, _IDKINDS, _ACCESS, _PLACEMENTS)
)


def _enc_thread_id(w: _Encoder, e: n.ThreadId, depth: int) -> None:
    if type(e.axis) is not int or not 0 <= e.axis <= 2:
        raise _error("V312", f"expected a thread-id axis 0, 1 or 2, but got {e.axis!r}")
    w.enum(e.kind, _IDKINDS_IX)
    w.out.append(e.axis)


def _enc_atomic(w: _Encoder, e: n.Atomic, depth: int) -> None:
    w.enum(e.op, _ATOMICS_IX)
    w.string(e.buffer)
    w.expr(e.index, depth)
    w.exprs(e.args, depth)
    w.enum(e.order, _ORDERS_IX)


def _enc_store(w: _Encoder, s: n.Store, depth: int) -> None:
    w.string(s.buffer)
    w.expr(s.index, depth)
    w.expr(s.value, depth)
    w.opt_enum(s.op, _BINOPS_IX)


def _enc_for(w: _Encoder, s: n.For, depth: int) -> None:
    w.string(s.var)
    w.expr(s.start, depth)
    w.expr(s.end, depth)
    if s.step is None:
        w.out.append(NONE_TAG)
    else:
        w.expr(s.step, depth)
    w.block(s.body, depth)


def _enc_binding(w: _Encoder, s: n.Let | n.VarDecl, depth: int) -> None:
    w.string(s.name)
    w.opt_enum(s.type, _SCALARS_IX)
    w.expr(s.value, depth)


def _enc_nothing(w: _Encoder, s: Any, depth: int) -> None:
    pass


def _enc_fence(w: _Encoder, s: n.Fence, depth: int) -> None:
    w.enum(s.order, _ORDERS_IX)
    w.enum(s.scope, _SCOPES_IX)


def _enc_binary(w: _Encoder, e: n.Binary, depth: int) -> None:
    w.enum(e.op, _BINOPS_IX)
    w.expr(e.lhs, depth)
    w.expr(e.rhs, depth)


def _enc_assign(w: _Encoder, s: n.Assign, depth: int) -> None:
    w.string(s.name)
    w.expr(s.value, depth)
    w.opt_enum(s.op, _BINOPS_IX)


def _enc_if(w: _Encoder, s: n.If, depth: int) -> None:
    w.expr(s.cond, depth)
    w.block(s.then, depth)
    w.block(s.orelse, depth)


def _enc_while(w: _Encoder, s: n.While, depth: int) -> None:
    w.expr(s.cond, depth)
    w.block(s.body, depth)


_Enc = Callable[[_Encoder, Any, int], None]
_ENCODE_EXPR: dict[int, _Enc] = {
    0x01: lambda w, e, d: w.lit(e),
    0x02: lambda w, e, d: w.string(e.name),
    0x03: _enc_thread_id,
    0x04: lambda w, e, d: w.string(e.buffer),
    0x05: lambda w, e, d: (w.string(e.buffer), w.expr(e.index, d)),
    0x06: lambda w, e, d: (w.enum(e.op, _UNOPS_IX), w.expr(e.operand, d)),
    0x07: _enc_binary,
    0x08: lambda w, e, d: (w.enum(e.type, _SCALARS_IX), w.expr(e.operand, d)),
    0x09: lambda w, e, d: (w.enum(e.type, _SCALARS_IX), w.expr(e.operand, d)),
    0x0A: lambda w, e, d: (w.enum(e.fn, _BUILTINS_IX), w.exprs(e.args, d)),
    0x0B: _enc_atomic,
}
_ENCODE_STMT: dict[int, _Enc] = {
    0x20: _enc_binding,
    0x21: _enc_binding,
    0x22: _enc_assign,
    0x23: _enc_store,
    0x24: _enc_if,
    0x25: _enc_for,
    0x26: _enc_while,
    0x27: lambda w, s, d: w.block(s.body, d),
    0x28: _enc_nothing,
    0x29: _enc_nothing,
    0x2A: _enc_nothing,
    0x2B: _enc_nothing,
    0x2C: _enc_fence,
    0x2D: lambda w, s, d: w.expr(s.expr, d),
}


def encode(module: n.Module | n.Kernel) -> bytes:
    """The wire encoding of ``module`` (a Kernel is encoded as a one-kernel Module).

    Raises WireError (V312) when the tree holds something that is not a VIR0 node or a field
    of the wrong type, and V309 when it nests deeper than ``MAX_DEPTH``.
    """
    if isinstance(module, n.Kernel):
        module = n.Module((module,))
    if not isinstance(module, n.Module):
        raise _error("V312", f"expected a Module or Kernel, but got {type(module).__name__}")
    w = _Encoder()
    w.out += MAGIC
    w.out += _U16.pack(VERSION)
    try:
        w.uvarint(len(module.kernels))
        for k in module.kernels:
            if not isinstance(k, n.Kernel):
                raise _error("V312", f"expected a Kernel, but got {type(k).__name__}")
            w.kernel(k)
    except WireError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        # A hand-built tree with a wrong field type (a str where an enum belongs...).
        raise _error("V312", f"the module cannot be encoded: {exc}") from None
    return bytes(w.out)


# --- decoding -----------------------------------------------------------------------
class _Decoder:
    """Reads one module from ``data``; ``pos`` moves forward only."""

    __slots__ = ("data", "pos", "end", "nodes", "max_nodes", "max_depth", "names")

    def __init__(self, data: bytes, max_nodes: int, max_depth: int) -> None:
        self.data = data
        self.pos = 0
        self.end = len(data)
        self.nodes = 0
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.names: dict[bytes, str] = {}

    def byte(self) -> int:
        b = self.data[self.pos]  # IndexError -> truncated, reported by decode()
        self.pos += 1
        return b

    def uvarint(self, limit: int = MAX_VARINT) -> int:
        data = self.data
        pos = self.pos
        b = data[pos]
        if b < 0x80:  # the common case: one byte
            self.pos = pos + 1
            return b
        value = b & 0x7F
        shift = 7
        start = pos
        while True:
            pos += 1
            if pos - start >= limit:
                raise _error("V311", f"an integer at byte {start} is longer than {limit} bytes")
            b = data[pos]
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        if b == 0:  # a trailing zero group: an overlong (non-canonical) encoding
            raise _error("V311", f"the integer at byte {start} has an overlong encoding")
        self.pos = pos + 1
        return value

    def svarint(self, limit: int = MAX_VARINT) -> int:
        z = self.uvarint(limit)
        return z >> 1 if not z & 1 else -((z + 1) >> 1)

    def count(self, what: str) -> int:
        """A length prefix; every element takes at least one byte, so more than the rest is absurd."""
        start = self.pos
        c = self.uvarint()
        if c > self.end - self.pos:
            raise _error("V308", f"the {what} count {c} at byte {start} is larger than the {self.end - self.pos} bytes left")
        return c

    def enum(self, members: tuple, what: str) -> Any:
        start = self.pos
        i = self.data[start]
        if i < 0x80:  # every enum has fewer than 128 members today
            self.pos = start + 1
        else:
            i = self.uvarint()
        if i >= len(members):
            raise _error("V306", f"{what} index {i} at byte {start} is out of range (0..{len(members) - 1})")
        return members[i]

    def opt_enum(self, members: tuple, what: str) -> Any:
        start = self.pos
        i = self.uvarint()
        if i == 0:
            return None
        if i > len(members):
            raise _error("V306", f"{what} index {i - 1} at byte {start} is out of range (0..{len(members) - 1})")
        return members[i - 1]

    def string(self) -> str:
        data = self.data
        start = pos = self.pos
        length = data[pos]
        if length < 0x80:  # the common case: a one-byte length
            pos += 1
        else:
            length = self.uvarint()
            pos = self.pos
        end = pos + length
        if end > self.end or length > MAX_STRING:
            raise _error("V308", f"the name length {length} at byte {start} is larger than the {self.end - pos} bytes left (or the limit of {MAX_STRING})")
        self.pos = end
        raw = data[pos:end]
        # Names repeat throughout a kernel; decoding each distinct one once also makes the
        # decoded tree share string objects.
        text = self.names.get(raw)
        if text is None:
            try:
                text = self.names[raw] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise _error("V307", f"the name at byte {start} is not valid UTF-8") from None
        return text

    def tick(self, depth: int) -> None:
        """Count one node at nesting ``depth`` against the limits."""
        self.nodes += 1
        if self.nodes > self.max_nodes or depth > self.max_depth:
            self.over_limit()

    def over_limit(self) -> None:
        if self.nodes > self.max_nodes:
            raise _error("V310", f"the module holds more than {self.max_nodes} IR nodes")
        raise _error("V309", f"the program nests deeper than {self.max_depth} levels")

    def expr(self, depth: int) -> Any:
        # tick() and byte() inlined: this runs once per expression node.
        self.nodes += 1
        if self.nodes > self.max_nodes or depth > self.max_depth:
            self.over_limit()
        start = self.pos
        tag = self.data[start]
        self.pos = start + 1
        reader = _DECODE_EXPR.get(tag)
        if reader is None:
            raise _error("V305", f"expected an expression tag at byte {start}, but got 0x{tag:02x}")
        return reader(self, depth + 1)

    def exprs(self, depth: int) -> tuple:
        return tuple([self.expr(depth) for _ in range(self.count("argument"))])

    def block(self, depth: int) -> tuple:
        self.tick(depth)
        stmts = []
        for _ in range(self.count("statement")):
            start = self.pos
            tag = self.byte()
            reader = _DECODE_STMT.get(tag)
            if reader is None:
                raise _error("V305", f"expected a statement tag at byte {start}, but got 0x{tag:02x}")
            self.tick(depth)
            stmts.append(reader(self, depth + 1))
        return tuple(stmts)

    def lit(self, depth: int) -> n.Lit:
        start = self.pos
        header = self.byte()
        kind, tcode = header >> 4, header & 0x0F
        if tcode > len(_SCALARS):
            raise _error("V306", f"literal type index {tcode - 1} at byte {start} is out of range")
        ty = _SCALARS[tcode - 1] if tcode else None
        if kind == LIT_INT:
            return n.Lit(self.svarint(MAX_LIT_VARINT), ty)
        if kind == LIT_FLOAT:
            pos = self.pos
            if pos + 8 > self.end:
                raise _error("V303", f"the float literal at byte {start} is cut short")
            self.pos = pos + 8
            return n.Lit(_F64.unpack_from(self.data, pos)[0], ty)
        if kind in (LIT_FALSE, LIT_TRUE):
            return n.Lit(kind == LIT_TRUE, ty)
        raise _error("V313", f"literal kind {kind} at byte {start} is not one of 0..3")

    def decl(self) -> Any:
        start = self.pos
        tag = self.byte()
        self.tick(0)
        if tag == 0x40:
            return n.Param(self.string(), self.enum(_SCALARS, "param type"))
        if tag == 0x41:
            name = self.string()
            elem = self.enum(_SCALARS, "buffer element type")
            flag = self.byte()
            if flag > 1:
                raise _error("V313", f"the buffer-size flag at byte {self.pos - 1} is {flag}, not 0 or 1")
            size = self.svarint() if flag else None
            access = self.enum(_ACCESS, "buffer access")
            return n.Buffer(name, elem, size, access, self.enum(_PLACEMENTS, "buffer placement"))
        if tag == 0x42:
            return n.Shared(self.string(), self.enum(_SCALARS, "shared element type"), self.svarint())
        raise _error("V305", f"expected a declaration tag at byte {start}, but got 0x{tag:02x}")

    def kernel(self) -> n.Kernel:
        self.tick(0)
        name = self.string()
        workgroup = tuple([self.svarint() for _ in range(self.count("workgroup dimension"))])
        decls = tuple([self.decl() for _ in range(self.count("declaration"))])
        return n.Kernel(name, workgroup, decls, self.block(0))


def _dec_thread_id(r: _Decoder, depth: int) -> n.ThreadId:
    kind = r.enum(_IDKINDS, "thread-id kind")
    axis = r.byte()
    if axis > 2:
        raise _error("V313", f"the thread-id axis at byte {r.pos - 1} is {axis}, not 0, 1 or 2")
    return n.ThreadId(kind, axis)


def _dec_atomic(r: _Decoder, depth: int) -> n.Atomic:
    op = r.enum(_ATOMICS, "atomic op")
    buffer = r.string()
    index = r.expr(depth)
    return n.Atomic(op, buffer, index, r.exprs(depth), r.enum(_ORDERS, "memory order"))


def _dec_for(r: _Decoder, depth: int) -> n.For:
    var = r.string()
    start = r.expr(depth)
    end = r.expr(depth)
    if r.data[r.pos] == NONE_TAG:
        r.pos += 1
        step = None
    else:
        step = r.expr(depth)
    return n.For(var, start, end, step, r.block(depth))


def _dec_unary(r: _Decoder, d: int) -> n.Unary:
    return n.Unary(r.enum(_UNOPS, "unary op"), r.expr(d))


def _dec_binary(r: _Decoder, d: int) -> n.Binary:
    return n.Binary(r.enum(_BINOPS, "binary op"), r.expr(d), r.expr(d))


def _dec_store(r: _Decoder, d: int) -> n.Store:
    return n.Store(r.string(), r.expr(d), r.expr(d), r.opt_enum(_BINOPS, "compound op"))


_Dec = Callable[[_Decoder, int], Any]
# Arguments evaluate left to right in Python, matching the field order written by the encoder.
_DECODE_EXPR: dict[int, _Dec] = {
    0x01: _Decoder.lit,
    0x02: lambda r, d: n.Ref(r.string()),
    0x03: _dec_thread_id,
    0x04: lambda r, d: n.Len(r.string()),
    0x05: lambda r, d: n.Load(r.string(), r.expr(d)),
    0x06: _dec_unary,
    0x07: _dec_binary,
    0x08: lambda r, d: n.Cast(r.enum(_SCALARS, "cast type"), r.expr(d)),
    0x09: lambda r, d: n.Bitcast(r.enum(_SCALARS, "bitcast type"), r.expr(d)),
    0x0A: lambda r, d: n.Call(r.enum(_BUILTINS, "builtin"), r.exprs(d)),
    0x0B: _dec_atomic,
}
_DECODE_STMT: dict[int, _Dec] = {
    0x20: lambda r, d: n.Let(r.string(), r.opt_enum(_SCALARS, "let type"), r.expr(d)),
    0x21: lambda r, d: n.VarDecl(r.string(), r.opt_enum(_SCALARS, "var type"), r.expr(d)),
    0x22: lambda r, d: n.Assign(r.string(), r.expr(d), r.opt_enum(_BINOPS, "compound op")),
    0x23: _dec_store,
    0x24: lambda r, d: n.If(r.expr(d), r.block(d), r.block(d)),
    0x25: _dec_for,
    0x26: lambda r, d: n.While(r.expr(d), r.block(d)),
    0x27: lambda r, d: n.Loop(r.block(d)),
    0x28: lambda r, d: n.Break(),
    0x29: lambda r, d: n.Continue(),
    0x2A: lambda r, d: n.Return(),
    0x2B: lambda r, d: n.Barrier(),
    0x2C: lambda r, d: n.Fence(r.enum(_ORDERS, "memory order"), r.enum(_SCOPES, "scope")),
    0x2D: lambda r, d: n.Eval(r.expr(d)),
}


def decode(data: bytes | bytearray | memoryview, *, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> n.Module:
    """The Module encoded in ``data``; raises WireError (V301-V313) and nothing else on bad input."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise _error("V312", f"expected bytes to decode, but got {type(data).__name__}")
    if len(data) < 4 and MAGIC.startswith(data):
        raise _error("V303", f"the blob ends after {len(data)} bytes, inside the magic")
    if data[:4] != MAGIC:
        raise _error("V301", f"expected the magic bytes b'VIR0', but got {data[:4]!r}")
    if len(data) < 6:
        raise _error("V303", f"the blob ends after {len(data)} bytes, inside the header")
    (version,) = _U16.unpack_from(data, 4)
    if version != VERSION:
        raise _error("V302", f"expected wire format version {VERSION}, but got {version}")
    r = _Decoder(data, max_nodes, max_depth)
    r.pos = 6
    try:
        kernels = tuple([r.kernel() for _ in range(r.count("kernel"))])
    except IndexError:
        raise _error("V303", f"the blob ends unexpectedly after {len(data)} bytes") from None
    except RecursionError:
        raise _error("V309", "the program nests too deeply for the decoder") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # Node constructors accept every value decoded above; should one ever check more,
        # its complaint is still a malformed blob, not a crash.
        raise _error("V313", f"the blob holds an impossible node: {exc}") from None
    if r.pos != len(data):
        raise _error("V304", f"{len(data) - r.pos} unexpected bytes follow the module at byte {r.pos}")
    return n.Module(kernels)
