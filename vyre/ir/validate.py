"""The VIR0 validator: every rule a well-formed program must follow, each with a stable code.

``check(module)`` returns all problems as Diagnostics, sorted by position; ``validate(module)``
raises one ValidationError listing them all.  The rules live in small modules:

* here: the module and declarations (kernels, names, workgroup size, buffer and shared sizes);
* ``vyre.ir.typecheck``: names, scoping and types, including literal ranges;
* ``vyre.ir.rules``: control flow, atomics placement, buffer access modes, constant bounds;
* ``vyre.ir.uniformity``: barriers in uniform control flow;
* ``vyre.ir.shape``: field types of hand-built nodes (checked first).

``CODES`` is the table of validation codes; docs/errors.md explains each with an example.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from vyre.errors import Diagnostic, ValidationError
from vyre.ir.nodes import (
    BLOCK_FIELDS,
    Buffer,
    For,
    Kernel,
    Let,
    Module,
    Shared,
    Stmt,
    VarDecl,
)
from vyre.ir.ops import AXES, IdKind, MemOrder, ScalarType, Scope
from vyre.ir.rules import check_rules
from vyre.ir.shape import check_shape
from vyre.ir.spans import clause_span, word_span
from vyre.ir.typecheck import Typer
from vyre.ir.uniformity import check_uniformity
from vyre.source import Span

__all__ = ["CODES", "MAX_SHARED_BYTES", "RESERVED", "check", "validate"]

CODES: dict[str, str] = {
    # module and declarations
    "V201": "two kernels in one module have the same name",
    "V202": "two declarations in one kernel have the same name",
    "V203": "the workgroup size is not 1 to 3 dimensions within the hardware limits",
    "V204": "the kernel's shared arrays exceed 48 KiB",
    "V205": "a static buffer or shared-array size is outside 1 to 2**32 - 1",
    "V206": "bool is used as a buffer or shared-array element type",
    "V207": "the module has no kernels",
    "V208": "a name is not an identifier or is a reserved word",
    # names and scoping
    "V210": "a name is used but never declared",
    "V211": "a buffer operation names something that is not a buffer or shared array",
    "V212": "a declaration shadows a name that is already visible",
    "V213": "an assignment to something that is not a var",
    "V214": "a buffer is used as a value",
    # types
    "V220": "an operand has the wrong type (operands of a binary operator must match)",
    "V221": "an operator is not defined for its operands' type",
    "V222": "a builtin call has the wrong number or types of arguments",
    "V223": "a bitcast between types of different widths, or of bool",
    "V224": "an if/while condition is not bool",
    "V225": "a value does not have the type of the binding, variable or element it goes to",
    "V226": "an index is not an integer",
    "V227": "the start, end and step of a for range are not one integer type",
    "V228": "an atomic has the wrong number or types of values",
    "V229": "an atomic operation is not available for the element type",
    "V230": "a literal is out of range for its type, or not exactly representable",
    "V231": "a literal cannot have the type its context gives it",
    # memory and atomics
    "V240": "a write (store, compound store or atomic) to a read buffer",
    "V241": "a read (load, compound store or atomic) from a write buffer",
    "V242": "a constant index is outside a static buffer or shared-array size",
    "V243": "an atomic is nested inside an expression",
    "V244": "an expression statement that is not an atomic",
    "V245": "a memory ordering that the operation cannot have",
    # control flow
    "V250": "a barrier that not all invocations of a workgroup reach together",
    "V252": "break or continue outside a loop",
    "V253": "a statement after return, break or continue in the same block",
    # selection and construction
    "V290": "the kernel to run is ambiguous or unknown",
    "V299": "a hand-built IR node that VIR0 cannot express",
}

# Words the grammar reserves; they cannot name kernels, declarations or bindings.
RESERVED = frozenset(
    {
        "vir0", "kernel", "workgroup", "param", "buffer", "shared", "let", "var", "if",
        "else", "for", "in", "step", "while", "loop", "break", "continue", "return",
        "barrier", "fence", "true", "false", "read", "write", "read_write", "host", "len",
        "bitcast",
    }
    | {k.value for k in IdKind}
    | {t.value for t in ScalarType}
    | {o.value for o in MemOrder}
    | {s.value for s in Scope}
)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

MAX_SHARED_BYTES = 48 * 1024
MAX_WORKGROUP = (1024, 1024, 64)
MAX_INVOCATIONS = 1024
MAX_ELEMENTS = 2**32 - 1


class _Collector:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def __call__(self, code: str, message: str, fix: str, span: Span | None) -> None:
        self.diagnostics.append(Diagnostic(code, message, fix, span))


def check(module: Module) -> list[Diagnostic]:
    """Every problem in ``module``, sorted by source position (position-less ones last)."""
    report = _Collector()
    if not isinstance(module, Module) or not isinstance(module.kernels, tuple):
        report("V299", f"expected a Module holding a tuple of kernels, but got {module!r:.80}",
               "wrap kernels as Module((kernel, ...))", getattr(module, "span", None))
        return report.diagnostics
    if not module.kernels:
        report("V207", "the module defines no kernels", "add one: `kernel main workgroup(64) { ... }`",
               module.span)
    seen: dict[str, Kernel] = {}
    for k in module.kernels:
        if not check_shape(k, report):
            continue  # the semantic passes assume well-shaped nodes
        if k.name in seen:
            report("V201", f"a kernel named '{k.name}' is already defined{_line(seen[k.name])}",
                   "rename one of the kernels", word_span(k.span, k.name))
        seen.setdefault(k.name, k)
        try:
            _check_kernel(k, report)
        except RecursionError:
            report("V299", f"kernel '{k.name}' nests expressions or blocks too deeply to check",
                   "split deeply nested expressions with `let` bindings", k.span)
    return _ordered(report.diagnostics)


def validate(module: Module, source: str | None = None) -> None:
    """Raise ValidationError listing every problem in ``module``; return None when it is valid.

    ``source`` is the program text, for quoting lines; by default the text the parser
    remembered for each span's file is used.
    """
    diagnostics = check(module)
    if diagnostics:
        raise ValidationError(diagnostics=diagnostics, source=source)


def _line(node: object) -> str:
    span = getattr(node, "span", None)
    return f" at line {span.line}" if span is not None else ""


def _ordered(diags: list[Diagnostic]) -> list[Diagnostic]:
    # Diagnostic equality ignores spans; keep duplicates at different places.
    unique = []
    seen: set[tuple] = set()
    for d in diags:
        key = (d.code, d.message, d.span)
        if key not in seen:
            seen.add(key)
            unique.append(d)

    def position(d: Diagnostic) -> tuple:
        s = d.span
        return (1, "", 0, 0) if s is None else (0, s.file or "", s.line, s.col)

    return sorted(unique, key=position)


def _check_kernel(k: Kernel, report: _Collector) -> None:
    _check_name(k.name, "kernel", k, report)
    _check_workgroup(k, report)
    decls: dict[str, object] = {}
    shared_bytes = 0
    for d in k.decls:
        _check_name(d.name, type(d).__name__.lower(), d, report)
        if d.name in decls:
            report("V202", f"'{d.name}' is already declared{_line(decls[d.name])} in kernel '{k.name}'",
                   "give each param, buffer and shared array its own name", word_span(d.span, d.name))
        decls.setdefault(d.name, d)
        if isinstance(d, Buffer | Shared):
            word = "buffer" if isinstance(d, Buffer) else "shared array"
            if d.elem is ScalarType.BOOL:
                report("V206", f"the {word} '{d.name}' has element type bool, which has no memory layout",
                       "use u32 elements holding 0 or 1", word_span(d.span, "bool"))
            if d.size is not None and not 1 <= d.size <= MAX_ELEMENTS:
                report("V205", f"the {word} '{d.name}' has size {d.size}, but sizes must be 1 to {MAX_ELEMENTS}",
                       "use a size of at least 1" + ("" if isinstance(d, Shared) else ", or [] for a runtime size"),
                       word_span(d.span, str(d.size)))
            if isinstance(d, Shared) and d.size is not None and d.size > 0:
                shared_bytes += d.size * max(d.elem.bits // 8, 1)
    if shared_bytes > MAX_SHARED_BYTES:
        report("V204", f"kernel '{k.name}' declares {shared_bytes} bytes of shared memory, more than the {MAX_SHARED_BYTES} allowed",
               "use smaller shared arrays, or tile the work so each workgroup needs less", word_span(k.span, k.name))
    for s in _bindings(k.body):
        name = s.var if isinstance(s, For) else s.name
        _check_name(name, "loop variable" if isinstance(s, For) else type(s).__name__.lower().replace("decl", ""), s, report)
    Typer(k, report).run()
    check_rules(k, report)
    check_uniformity(k, report)


def _check_workgroup(k: Kernel, report: _Collector) -> None:
    wg = k.workgroup
    span = clause_span(k.span, "workgroup")
    fix = "use workgroup(x), (x, y) or (x, y, z) with x, y <= 1024, z <= 64 and x*y*z <= 1024, e.g. workgroup(256)"
    if not 1 <= len(wg) <= 3:
        report("V203", f"the workgroup size has {len(wg)} dimensions, but must have 1 to 3", fix, span)
        return
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in wg):
        report("V203", f"the workgroup size {wg} must be whole numbers", fix, span)
        return
    axes_ok = True
    for axis, n, limit in zip(AXES, wg, MAX_WORKGROUP, strict=False):
        if not 1 <= n <= limit:
            report("V203", f"the workgroup size in {axis} is {n}, but must be 1 to {limit}", fix, span)
            axes_ok = False
    total = math.prod(wg)
    if axes_ok and total > MAX_INVOCATIONS:
        report("V203", f"the workgroup has {total} invocations, more than {MAX_INVOCATIONS}", fix, span)


def _check_name(name: object, what: str, node: object, report: _Collector) -> None:
    if not isinstance(name, str) or not _IDENT.match(name):
        report("V208", f"{name!r} is not a valid {what} name",
               "names start with a letter or _ and continue with letters, digits or _",
               getattr(node, "span", None))
    elif name in RESERVED:
        report("V208", f"'{name}' is a reserved word and cannot name a {what}",
               f"choose another name, e.g. '{name}_'", getattr(node, "span", None))


def _bindings(stmts: tuple[Stmt, ...]) -> Iterator[Let | VarDecl | For]:
    """Every let, var and for statement, at any depth."""
    for s in stmts:
        if isinstance(s, Let | VarDecl | For):
            yield s
        for f in BLOCK_FIELDS.get(type(s), ()):
            yield from _bindings(getattr(s, f))
