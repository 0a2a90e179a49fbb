"""Turning Lark's parse errors into VyreSyntaxError with plain-words messages.

Codes (stable; docs/language.md lists them):

V100 unexpected token (generic)        V112 malformed number literal
V101 unexpected character              V113 too many workgroup dimensions
V102 buffer without an access mode     V114 unknown id component (gid.w)
V103 missing `vir0` header             V115 declaration in the wrong place
V104 `=` in a condition                V116 atomic call misused
V105 C-style `for (...)`               V117 shared array without a size
V106 declaration without a type        V118 value computed and thrown away
V107 unknown type name                 V119 unclosed `{` at the end of the file
V108 `let`/`var` without initializer   V120 nesting too deep
V109 semicolon                         V121 file cannot be read
V110 `else` without `if`               V122 kernel without workgroup size
V111 unknown function                  V123 statement outside a kernel
V124 two statements on one line
V125 misspelt keyword

Common mistakes are recognised with Lark's ``match_examples``: each example below fails
in the same parser state, on the same kind of token, as the mistake it names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from vyre.errors import VyreSyntaxError
from vyre.ir.ops import AtomicOp, Builtin, ScalarType
from vyre.source import Span

TYPE_NAMES = tuple(t.value for t in ScalarType)
# Spellings from other languages, for "did you mean".
_TYPE_ALIASES = {
    "float": "f32", "float32": "f32", "f": "f32", "half": "f32", "double": "f64",
    "float64": "f64", "int": "i32", "int32": "i32", "uint": "u32", "uint32": "u32",
    "unsigned": "u32", "long": "i64", "int64": "i64", "ulong": "u64", "uint64": "u64",
    "size_t": "u64", "boolean": "bool", "usize": "u64", "isize": "i64",
}
_FUNCTION_ALIASES = {
    "fabs": "abs", "fmin": "min", "fmax": "max", "sqrtf": "sqrt", "expf": "exp",
    "logf": "log", "powf": "pow", "atomicAdd": "atomic_add", "atomicSub": "atomic_sub",
    "atomicMin": "atomic_min", "atomicMax": "atomic_max", "atomicCAS": "atomic_compare_exchange",
    "atomicExch": "atomic_exchange", "atomic_cas": "atomic_compare_exchange",
    "atomic_xchg": "atomic_exchange", "atomic_inc": "atomic_add", "__syncthreads": "barrier",
    "syncthreads": "barrier", "mix": "fma", "saturate": "clamp", "isnan": "is_nan",
    "isinf": "is_inf", "isfinite": "is_finite", "mulhi": "mul_hi", "length": "len",
    "size": "len", "float": "f32", "int": "i32", "uint": "u32", "double": "f64",
}
_FUNCTIONS = (
    [b.value for b in Builtin] + [op.spelling for op in AtomicOp] + list(TYPE_NAMES)
    + ["len", "bitcast", "barrier", "fence"]
)


def _suggest(name: str, aliases: dict[str, str], candidates: list[str] | tuple[str, ...]) -> str | None:
    if name in aliases:
        return aliases[name]
    if name.lower() in candidates:
        return name.lower()
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_function(name: str, span: Span) -> VyreSyntaxError:
    """The error for a call of a name that is no builtin, cast or atomic."""
    guess = _suggest(name, _FUNCTION_ALIASES, _FUNCTIONS)
    if guess is not None:
        message = f"unknown function '{name}'; did you mean '{guess}'?"
        fix = f"write {guess}(...)" if guess != "bitcast" else "write bitcast<T>(...)"
    else:
        message = f"unknown function '{name}'"
        fix = ("call a builtin (min, max, abs, sqrt, ...; docs/language.md lists them), "
               "a cast such as f32(x), or an atomic_<op>(buf[i], ...)")
    return VyreSyntaxError(message, fix=fix, code="V111", span=span)


# --- naming tokens in plain words ------------------------------------------------------------
_EXPR_CORE = {"NAME", "NUMBER", "LPAR"}
_STMT_CORE = {"LET", "VAR", "IF", "FOR", "WHILE", "LOOP"}
_OPERATORS = {"PLUS", "STAR", "SLASH", "EQEQ", "LT", "OROR", "ANDAND"}
_TYPES = {t.upper() for t in TYPE_NAMES}
_SPECIAL = {"$END": "the end of the file", "_NL": "the end of the line", "NAME": "a name",
            "NUMBER": "a number"}


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the file"
    if tok.type == "_NL":
        return "the end of the line"
    if tok.type == "NAME":
        return f"the name '{tok}'"
    if tok.type == "NUMBER":
        return f"the number '{tok}'"
    if str(tok).isidentifier():
        return f"the keyword '{tok}'"
    return f"'{tok}'"


def _describe_expected(expected: set[str], spellings: dict[str, str]) -> str:
    names = set(expected)
    parts: list[str] = []
    if names >= _STMT_CORE:
        parts.append("a statement")
        names -= _STMT_CORE | {"NAME", "BREAK", "CONTINUE", "RETURN", "BARRIER", "FENCE",
                               "PARAM", "BUFFER", "SHARED"}
    if names >= _EXPR_CORE:
        parts.append("an expression")
        names -= _EXPR_CORE | _TYPES | {"MINUS", "BANG", "TILDE", "TRUE", "FALSE", "LEN",
                                        "BITCAST", "GID", "LID", "WID", "NWG"}
    if names >= _TYPES:
        parts.append("a type (" + ", ".join(TYPE_NAMES) + ")")
        names -= _TYPES
    assigns = {n for n in names if _is_assign(spellings.get(n, ""))}
    if len(assigns) > 2:
        parts.append("'=' or another assignment ('+=', '-=', ...)")
        names -= assigns
    if names >= _OPERATORS:
        parts.append("an operator")
        names = {n for n in names if not _is_operator(spellings.get(n, ""))}
    for n in sorted(names, key=lambda n: (n in ("_NL", "$END"), spellings.get(n, n))):
        if n in _SPECIAL:
            parts.append(_SPECIAL[n])
        else:
            parts.append(f"'{spellings.get(n, n)}'")
    if not parts:
        return "something else"
    if len(parts) > 6:
        parts = parts[:5] + ["..."]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def _is_assign(s: str) -> bool:
    return s == "=" or (len(s) >= 2 and s.endswith("=") and s not in ("==", "!=", "<=", ">="))


def _is_operator(s: str) -> bool:
    return bool(s) and not s.isidentifier() and s not in "(){}[],:.."


def _terminal_spellings() -> dict[str, str]:
    from vyre.ir.grammar import get_parser

    out = {}
    for t in get_parser().terminals:
        if t.pattern.type == "str":
            out[t.name] = t.pattern.value
    return out


# --- classifying common mistakes -------------------------------------------------------------
def _prog(body: str) -> str:
    return "vir0\nkernel k workgroup(1) {\n" + body + "\n}\n"


EXAMPLES: dict[str, list[str]] = {
    "header": ["kernel k workgroup(1) {\n}\n", "let x = 1\n", "vir 0\n"],
    "c_for": [_prog("for (i = 0; i < n; i++) {\n}"), _prog("for i = 0 to n {\n}")],
    "decl_type": [_prog("param a"), _prog("param a f32"), _prog("buffer x f32[] read"),
                  _prog("buffer x"), _prog("shared t f32[4]"), _prog("shared t")],
    "unknown_type": [_prog("param a: float"), _prog("buffer x: float[] read"),
                     _prog("shared t: float[4]"), _prog("let x: float = 1"),
                     _prog("var x: float = 1"), _prog("let x = bitcast<int>(1)")],
    "no_access": [_prog("buffer x: f32[]"), _prog("buffer x: f32[4]")],
    "let_init": [_prog("let x"), _prog("var x"), _prog("let x: f32"), _prog("var x: f32"),
                 _prog("let x: f32 }")],
    "no_workgroup": ["vir0\nkernel k {\n}\n", "vir0\nkernel k() {\n}\n"],
    "outside": ["vir0\nlet x = 1\n", "vir0\nparam a: f32\n", "vir0\nkernel k workgroup(1) {\n}\nx = 1\n"],
    "return_value": [_prog("return 0"), _prog("return x")],
    "param_array": [_prog("param x: f32[]"), _prog("param x: f32[4]")],
    "buffer_brackets": [_prog("buffer x: f32 read"), _prog("buffer x: f32")],
    "fence_order": [_prog("fence(device, seq_cst)"), _prog("fence(workgroup, acq_rel)")],
}

_EXAMPLE_RESULTS: dict[str, UnexpectedInput | None] = {}


class _TopState:
    """A parser state compared by its top LALR state only.

    Lark's ParserState equality also compares the stack depth, which depends on how many
    items precede the mistake; for classifying mistakes only the top state matters.
    """

    def __init__(self, state: object) -> None:
        self.position = getattr(state, "position", None)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TopState) and other.position == self.position

    def __hash__(self) -> int:
        return hash(self.position)


def example_error(text: str) -> UnexpectedInput | None:
    """The parse error of an example, computed once: every syntax error consults them all."""
    if text not in _EXAMPLE_RESULTS:
        from vyre.ir.grammar import get_parser

        try:
            get_parser().parse(text)
        except UnexpectedInput as e:
            e.state = _TopState(e.state)
            _EXAMPLE_RESULTS[text] = e
        else:
            _EXAMPLE_RESULTS[text] = None  # tests/ir/test_parse.py checks that none parses
    return _EXAMPLE_RESULTS[text]


def _example_parse(text: str) -> None:
    err = example_error(text)
    if err is not None:
        raise err


_DECL_RE = re.compile(r"\s*(param|buffer|shared)\s+([A-Za-z_]\w*)?")
_LET_RE = re.compile(r"\s*(let|var)\s+([A-Za-z_]\w*)")
_COND_RE = re.compile(r"\s*(\}\s*else\s+)?(if|while)\b")


def _line(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def _classified(label: str, tok: Token, line: str) -> tuple[str, str, str] | None:
    """(code, message, fix) for a recognised mistake, or None to fall back to the generic text."""
    got = _describe_token(tok)
    if label == "header":
        return ("V103", "the file does not start with the 'vir0' header line",
                "make `vir0` the first line (comments and blank lines may come before it)")
    if label == "c_for":
        return ("V105", "C-style for loops are not VIR0",
                "write `for i in 0..n { ... }`, or `for i in 0..n step 2 { ... }`")
    # Parser states are shared between contexts, so each label also checks the line.
    if label == "decl_type":
        m = _DECL_RE.match(line)
        if m is None:
            return None
        kind, name = m[1], m[2] or "x"
        example = {"param": f"param {name}: f32", "buffer": f"buffer {name}: f32[] read",
                   "shared": f"shared {name}: f32[256]"}[kind]
        return ("V106", f"{kind} '{name}' needs a type, but got {got}",
                f"write the type after a colon, e.g. `{example}`")
    if label == "unknown_type":
        if tok.type != "NAME":
            return None
        guess = _suggest(str(tok), _TYPE_ALIASES, TYPE_NAMES)
        hint = f"; did you mean '{guess}'?" if guess else ""
        return ("V107", f"unknown type '{tok}'{hint}",
                f"write {guess} instead of {tok}" if guess
                else "use one of the types " + ", ".join(TYPE_NAMES))
    if label == "no_access":
        m = _DECL_RE.match(line)
        if m is None or m[1] != "buffer":
            return None
        name = m[2] or "x"
        return ("V102", f"buffer '{name}' needs an access mode, but got {got}",
                "add read, write or read_write after the size, e.g. `buffer x: f32[] read`")
    if label == "let_init":
        m = _LET_RE.match(line)
        if m is None:
            return None
        kw, name = m[1], m[2]
        return ("V108", f"'{kw} {name}' needs an initial value, but got {got}",
                f"write `{kw} {name} = <value>`, e.g. `{kw} {name}: f32 = 0.0`")
    if label == "no_workgroup":
        return ("V122", f"the kernel needs a workgroup size, but got {got}",
                "write it after the kernel name, e.g. `kernel name workgroup(256) {`")
    if label == "return_value":
        if not re.match(r"\s*return\b", line):
            return None
        return ("V100", f"'return' takes no value, but got {got}",
                "store results into a buffer, then `return` on its own")
    if label == "param_array":
        if not re.match(r"\s*param\b", line):
            return None
        return ("V100", "a param is a single value, not an array",
                "declare arrays as buffers, e.g. `buffer x: f32[] read`")
    if label == "buffer_brackets":
        m = _DECL_RE.match(line)
        if m is None or m[1] != "buffer":
            return None
        name = m[2] or "x"
        return ("V100", f"buffer '{name}' needs [] or [N] after its element type, but got {got}",
                f"write `buffer {name}: f32[] read` (runtime size) or `f32[64]` (static size)")
    if label == "fence_order":
        if "fence" not in line:
            return None
        return ("V100", "fence takes the memory ordering first, then the scope",
                "write it as fence(ORDER, SCOPE), e.g. fence(seq_cst, workgroup)")
    if label == "outside":
        return ("V123", f"expected a kernel, but got {got}; statements and declarations "
                        "belong inside a kernel",
                "put them in a kernel: `kernel name workgroup(256) { ... }`")
    return None


def _open_brace(text: str) -> tuple[int, int] | None:
    """The position of the innermost '{' that is never closed, ignoring comments."""
    stack: list[tuple[int, int]] = []
    for lineno, line in enumerate(text.split("\n"), 1):
        code = line.split("#", 1)[0]
        for col, ch in enumerate(code, 1):
            if ch == "{":
                stack.append((lineno, col))
            elif ch == "}" and stack:
                stack.pop()
    return stack[-1] if stack else None


def _tok_span(tok: Token, file: str) -> Span:
    line = tok.line if tok.line and tok.line > 0 else 1
    col = tok.column if tok.column and tok.column > 0 else 1
    width = max(1, len(str(tok))) if tok.type not in ("_NL", "$END") else 1
    return Span(file, line, col, line, col + width)


_KEYWORDS = ("let", "var", "if", "for", "while", "loop", "break", "continue", "return",
             "barrier", "fence", "param", "buffer", "shared", "kernel")
_FIRST_WORD = re.compile(r"\s*(?:\}\s*)?([A-Za-z_]\w*)")


def _keyword_typo(line: str, tok: Token, file: str, text: str) -> VyreSyntaxError | None:
    """A misspelt keyword at the start of the line, e.g. `fro i in 0..n`."""
    m = _FIRST_WORD.match(line)
    # Only when the parser stumbled on the token right after that first word.
    if (m is None or m[1] in _KEYWORDS or len(m[1]) < 3 or not tok.column or m.end(1) >= tok.column
            or line[m.end(1):tok.column - 1].strip()):
        return None
    close = difflib.get_close_matches(m[1], _KEYWORDS, n=1, cutoff=0.6)
    if not close:
        return None
    word = m[1]
    col = m.start(1) + 1
    return VyreSyntaxError(f"unknown keyword '{word}'; did you mean '{close[0]}'?", code="V125",
                           span=Span(file, tok.line, col, tok.line, col + len(word)),
                           fix=f"write `{close[0]}`", source=text)


def _match(err: UnexpectedToken) -> str | None:
    """The EXAMPLES label whose mistake fails like ``err`` (Lark's match_examples)."""
    real = err.state
    err.state = _TopState(real)
    try:
        return err.match_examples(_example_parse, EXAMPLES, token_type_match_fallback=True,
                                  use_accepts=False)
    finally:
        err.state = real


def _unexpected_token(err: UnexpectedToken, text: str, file: str) -> VyreSyntaxError:
    tok = err.token
    expected = set(err.accepts or err.expected)
    span = _tok_span(tok, file)
    line = _line(text, span.line)
    if tok.type == "$END":
        where = _open_brace(text)
        if where is not None and "RBRACE" in expected:
            return VyreSyntaxError(
                f"the file ends inside a block: the '{{' on line {where[0]} is never closed",
                fix="add the missing '}'", code="V119", span=Span(file, *where, where[0], where[1] + 1),
                source=text)
    if tok.type == "EQUAL" and _COND_RE.match(line):
        return VyreSyntaxError("'=' assigns a value; a condition compares with '=='",
                               fix="write `==` to compare, e.g. `if a == b {`", code="V104",
                               span=span, source=text)
    if tok.type == "NAME" and str(tok) in ("elif", "elsif", "elseif"):
        return VyreSyntaxError(f"unknown keyword '{tok}'; did you mean 'else if'?", code="V125",
                               span=span, fix="write `} else if cond {`", source=text)
    pair = line[tok.column - 1:tok.column + 1] if tok.column else ""
    if pair in ("++", "--"):
        op = "+=" if pair == "++" else "-="
        target = re.search(r"[\w\[\]]+$", line[:tok.column - 1].rstrip())
        where = Span(file, span.line, span.col, span.line, span.col + 2)
        return VyreSyntaxError(f"VIR0 has no '{pair}' operator", code="V100", span=where,
                               fix=f"write `{target[0] if target else 'x'} {op} 1`", source=text)
    typo = _keyword_typo(line, tok, file, text)
    if typo is not None:
        return typo
    if tok.type == "ELSE":
        return VyreSyntaxError("'else' without a matching 'if'", code="V110", span=span,
                               fix="put `else` right after the closing '}' of an if block: `} else {`",
                               source=text)
    label = _match(err)
    found = _classified(label, tok, line) if label else None
    if found is not None:
        code, message, fix = found
        return VyreSyntaxError(message, fix=fix, code=code, span=span, source=text)
    spellings = _terminal_spellings()
    if "_NL" in expected and tok.type not in ("_NL", "$END"):
        return VyreSyntaxError(
            f"expected the end of the line, but got {_describe_token(tok)}; "
            "each statement goes on its own line",
            fix="start a new line before it (or complete the expression with an operator)",
            code="V124", span=span, source=text)
    want = _describe_expected(expected, spellings)
    return VyreSyntaxError(f"expected {want}, but got {_describe_token(tok)}",
                           fix=_generic_fix(expected, tok, want), code="V100", span=span,
                           source=text)


def _generic_fix(expected: set[str], tok: Token, want: str) -> str:
    if tok.type == "RBRACE" and expected >= _EXPR_CORE:
        return "complete the expression before the '}'"
    if tok.type == "$END":
        return "the file ends too early: complete the last statement and close every '{'"
    if "RPAR" in expected and tok.type in ("_NL", "LBRACE", "RBRACE"):
        return "close the parenthesis with ')'"
    if "RSQB" in expected:
        return "close the index with ']'"
    if " or " not in want and "," not in want and want != "something else":
        return f"write {want} here"
    return "fix the code at the caret (docs/language.md describes the syntax)"


def _unexpected_char(err: UnexpectedCharacters, text: str, file: str) -> VyreSyntaxError:
    ch = text[err.pos_in_stream] if 0 <= err.pos_in_stream < len(text) else "?"
    span = Span(file, err.line, err.column, err.line, err.column + 1)
    if ch == ";":
        return VyreSyntaxError("VIR0 does not use semicolons", code="V109", span=span,
                               fix="remove the ';': a statement ends at the end of its line",
                               source=text)
    shown = ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
    hints: dict[str, str] = {
        '"': "VIR0 has no strings; remove the quoted text",
        "'": "VIR0 has no strings or characters; remove the quoted text",
        "?": "VIR0 has no ?: operator; use select(cond, a, b)",
        "@": "remove the '@'",
        "$": "remove the '$'",
    }
    return VyreSyntaxError(f"unexpected character '{shown}'", code="V101", span=span,
                           fix=hints.get(ch, "remove or replace the character"), source=text)


_TRANSLATORS: dict[type, Callable[..., VyreSyntaxError]] = {
    UnexpectedToken: _unexpected_token,
    UnexpectedCharacters: _unexpected_char,
}


def translate(err: UnexpectedInput, text: str, file: str) -> VyreSyntaxError:
    """The VyreSyntaxError for one of Lark's parse exceptions."""
    for cls, fn in _TRANSLATORS.items():
        if isinstance(err, cls):
            return fn(err, text, file)
    line = max(1, getattr(err, "line", 1) or 1)
    col = max(1, getattr(err, "column", 1) or 1)
    return VyreSyntaxError("unexpected end of the file", fix="complete the program", code="V119",
                           span=Span(file, line, col, line, col + 1), source=text)
