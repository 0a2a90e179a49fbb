"""Finding grammar/vir0.lark and building parsers for it, once per process.

The installed wheel carries the grammar at ``vyre/_grammar/vir0.lark``; a source checkout
has it at ``<repo>/grammar/vir0.lark``.  Two parsers come from it:

- ``get_tables()``: the LALR tables exported for the fast driver (vyre/ir/lalr.py), cached
  as a pickle of plain data next to the grammar text they came from; loading them imports
  neither Lark nor anything else heavy.  This parses every program that is well-formed.
- ``get_parser()``: Lark itself, for explaining syntax errors (vyre/ir/syntax_errors.py);
  its LALR build is cached through Lark's own cache option.

Both caches live in ``$VYRE_CACHE_DIR/grammar`` (default ``~/.cache/vyre/grammar``) and are
written atomically; when the directory is not writable everything is built in memory.
"""

from __future__ import annotations

import os
import pickle
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vyre.ir import lalr

if TYPE_CHECKING:
    from lark import Lark, Token

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
GRAMMAR_CANDIDATES = (
    _PACKAGE_DIR / "_grammar" / "vir0.lark",  # installed wheel (pyproject force-include)
    _PACKAGE_DIR.parent / "grammar" / "vir0.lark",  # source checkout
)

# Token values after which a newline cannot end a statement, so it is dropped: this lets
# long expressions continue on the next line after an operator, `,` or `(`.
_CONTINUES = frozenset(
    ["||", "&&", "|", "^", "&", "==", "!=", "<", "<=", ">", ">=", "<<", ">>", "+", "-", "*", "/", "%", "!", "~", "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", ",", "{", "(", "[", ":", "..", "."]
)
# Words the grammar reserves (tests/ir/test_parse.py checks this against the grammar).
RESERVED_WORDS = frozenset({
    "vir0", "kernel", "workgroup", "param", "buffer", "shared", "read", "write", "read_write",
    "host", "let", "var", "if", "else", "for", "in", "step", "while", "loop", "break",
    "continue", "return", "barrier", "fence", "true", "false", "len", "bitcast", "gid", "lid",
    "wid", "nwg", "bool", "i32", "u32", "i64", "u64", "f32", "f64", "relaxed", "acquire",
    "release", "acq_rel", "seq_cst", "device", "system",
})
_OPEN = frozenset({"(", "["})
_CLOSE = frozenset({")", "]"})


def grammar_path() -> Path:
    """The grammar file: the installed copy first, then the source checkout's."""
    for path in GRAMMAR_CANDIDATES:
        if path.is_file():
            return path
    from vyre.errors import VyreError

    raise VyreError(
        "cannot find the VIR0 grammar (looked for "
        + " and ".join(str(p) for p in GRAMMAR_CANDIDATES) + ")",
        code="V199",
        fix="reinstall vyre; the wheel must contain vyre/_grammar/vir0.lark",
    )


class NewlinePostLexer:
    """Drops the newline tokens that do not end a statement (see grammar/vir0.lark)."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        pending = None  # a newline held back until we know what follows it
        prev = None  # value of the last token passed on; None at the start of the file
        for tok in stream:
            if tok.type == "_NL":
                if depth == 0 and prev is not None and prev not in _CONTINUES and pending is None:
                    pending = tok
                continue
            value = tok.value
            if pending is not None:
                if value != "else":
                    yield pending
                pending = None
            if value in _OPEN:
                depth += 1
            elif value in _CLOSE and depth:
                depth -= 1
            prev = value
            yield tok
        if pending is not None:
            yield pending


class _Comments(threading.local):
    """Where the lexer callback puts comment tokens during one parse on this thread."""

    sink: list[Token] | None = None


COMMENTS = _Comments()


def _on_comment(tok: Token) -> Token:
    sink = COMMENTS.sink
    if sink is not None:
        sink.append(tok)
    return tok


_LOCK = threading.RLock()
_PARSER: Lark | None = None


def _cache_dir() -> Path:
    base = os.environ.get("VYRE_CACHE_DIR")
    if base:
        return Path(base) / "grammar"
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "vyre" / "grammar"


def _options() -> dict[str, Any]:
    return {
        "parser": "lalr",
        "lexer": "basic",
        "propagate_positions": True,
        "maybe_placeholders": True,
        "postlex": NewlinePostLexer(),
        "lexer_callbacks": {"COMMENT": _on_comment},
    }


def _build(text: str) -> Lark:
    import hashlib
    import tempfile

    from lark import Lark, __version__

    key = hashlib.sha256(f"{__version__}\0{text}".encode()).hexdigest()[:20]
    final = _cache_dir() / f"vir0-{key}.lark"
    if final.is_file():
        return Lark(text, cache=str(final), **_options())
    # Lark writes its cache file in place; have it write a private name, then rename that,
    # so that a concurrent process never loads a half-written file.
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=final.name + ".", suffix=".tmp", dir=final.parent)
        os.close(fd)
        os.unlink(tmp)
    except OSError:
        return Lark(text, **_options())  # no cache directory: build in memory
    try:
        parser = Lark(text, cache=tmp, **_options())
        if os.path.isfile(tmp):
            os.replace(tmp, final)
    except OSError:
        parser = Lark(text, **_options())
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return parser


_TABLES: lalr.Tables | None = None


def _write_atomically(path: Path, data: bytes) -> None:
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _load_tables(text: str) -> lalr.Tables:
    key = f"{zlib.crc32(text.encode()):08x}"
    try:
        path = _cache_dir() / f"vir0-tables-{lalr.FORMAT}-{key}.pickle"
        with open(path, "rb") as f:
            data = pickle.load(f)
        if data.get("grammar") == text and data.get("format") == lalr.FORMAT:
            return lalr.Tables(data)
    except Exception:  # noqa: BLE001 - a missing or damaged cache only means rebuilding
        pass
    data = lalr.export(get_parser())  # uses Lark internals: get_tables() guards it
    data["grammar"] = text
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
    return lalr.Tables(data)


_NO_TABLES = False


def get_tables() -> lalr.Tables | None:
    """The fast parser's tables, loaded from the cache (or exported from Lark) on first use.

    None when they cannot be exported (a Lark release whose internals moved): then every
    parse goes through Lark, slower but the same.
    """
    global _TABLES, _NO_TABLES
    if _TABLES is None and not _NO_TABLES:
        with _LOCK:
            if _TABLES is None and not _NO_TABLES:
                text = grammar_path().read_text(encoding="utf-8")
                try:
                    _TABLES = _load_tables(text)
                except Exception:  # noqa: BLE001 - fall back to Lark, which parses the same
                    _NO_TABLES = True
    return _TABLES


def get_parser() -> Lark:
    """The process-wide Lark parser for VIR0, built (or loaded from the cache) on first use."""
    global _PARSER
    if _PARSER is None:
        with _LOCK:
            if _PARSER is None:
                _PARSER = _build(grammar_path().read_text(encoding="utf-8"))
    return _PARSER
