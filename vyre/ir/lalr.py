"""A small LALR(1) driver that runs the tables Lark builds from grammar/vir0.lark.

Importing Lark costs about 20 ms, several times what parsing a kernel does, so the common
path (text that parses) runs here, on plain data exported from the Lark parser once and
cached on disk (vyre/ir/grammar.py): the lexer's terminal regexps in Lark's order, the
keyword table, the LALR action table and, per rule, how Lark shapes its children (filtered
tokens, inlined ``_rules``, ``?rule`` single-child expansion, ``[x]`` placeholders).  The
driver calls the same tree-builder callbacks Lark's Transformer would, with the same
positions.  When the text does not parse, it raises ``NotParsed`` and vyre/ir/parse.py runs
Lark itself, whose exceptions carry what the error classifier needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

FORMAT = 1  # bump when the exported table layout changes


class NotParsed(Exception):
    """The fast path cannot parse the text; Lark must explain why."""


class TooDeep(Exception):
    """The parse tree nests deeper than ``max_depth`` rules; ``meta`` is where."""

    def __init__(self, meta: Meta) -> None:
        super().__init__("too deep")
        self.meta = meta


class Tok(str):
    """A token, shaped like Lark's Token where the tree builder looks at it."""

    __slots__ = ("type", "line", "column", "end_line", "end_column")

    type: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __new__(cls, type_: str, value: str, line: int, column: int, end_line: int,
                end_column: int) -> Tok:
        self = super().__new__(cls, value)
        self.type = type_
        self.line, self.column, self.end_line, self.end_column = line, column, end_line, end_column
        return self

    @property
    def value(self) -> str:
        return str.__str__(self)


class Meta:
    """Source extent of a rule, like Lark's ``meta`` with ``propagate_positions``."""

    __slots__ = ("line", "column", "end_line", "end_column")

    def __init__(self, line: int, column: int, end_line: int, end_column: int) -> None:
        self.line, self.column, self.end_line, self.end_column = line, column, end_line, end_column


class _Splice(list):
    """The children of an inlined ``_rule``, spliced into the parent's children."""


# --- exporting Lark's tables ---------------------------------------------------------------------
def export(lark: Any) -> dict:
    """Plain-data tables (picklable without Lark) from a Lark LALR parser with a basic lexer."""
    from lark.parse_tree_builder import _should_expand

    frontend = lark.parser
    lexer = getattr(frontend.lexer, "lexer", frontend.lexer)  # behind the post-lexer
    scanner = lexer.scanner
    keywords: dict[str, dict[str, str]] = {}
    for type_, cb in lexer.callback.items():
        inner = getattr(cb, "scanner", None) or getattr(getattr(cb, "callback", None), "scanner", None)
        if inner is not None:
            keywords[type_] = {t.pattern.value: t.name for t in inner.terminals}

    table = frontend.parser.parser.parse_table
    rules = list(frontend.parser.parser.callbacks)
    index = {id(r): i for i, r in enumerate(rules)}
    states = {}
    for state, actions in table.states.items():
        row = {}
        for sym, (action, arg) in actions.items():
            row[sym] = arg if action.name == "Shift" else -1 - index[id(arg)]
        states[state] = row

    shapes = []
    placeholders = lark.options.maybe_placeholders
    for r in rules:
        expansion = r.expansion
        empty = r.options.empty_indices if placeholders else None
        if empty:
            s = "".join(str(int(b)) for b in empty)
            nones = [len(ones) for ones in s.split("0")]
        else:
            nones = [0] * (len(expansion) + 1)
        include = []
        pending = 0
        for i, sym in enumerate(expansion):
            pending += nones[i]
            if r.options.keep_all_tokens or not (sym.is_term and sym.filter_out):
                include.append((i, _should_expand(sym), pending))
                pending = 0
        pending += nones[len(expansion)]
        identity = (not empty and len(include) == len(expansion)
                    and not any(e for _, e, _ in include))
        shapes.append((
            r.origin.name,
            len(expansion),
            r.alias or r.options.template_source or r.origin.name,
            bool(r.options.expand1 and not r.alias),
            None if identity else (tuple(include), pending),
        ))
    return {
        "format": FORMAT,
        "lexer": [(m.pattern, m.flags) for m in scanner._mres],
        "ignore": sorted(lexer.ignore_types),
        "newline_types": sorted(lexer.newline_types),
        "keywords": keywords,
        "states": states,
        "start": table.start_states["start"],
        "end": table.end_states["start"],
        "rules": shapes,
    }


# --- running them ---------------------------------------------------------------------------------
class Tables:
    """Compiled form of exported tables, ready to parse."""

    def __init__(self, data: dict) -> None:
        self.mres = [re.compile(p, f) for p, f in data["lexer"]]
        self.ignore = frozenset(data["ignore"])
        self.newline_types = frozenset(data["newline_types"])
        self.keywords = data["keywords"]
        self.states = data["states"]
        self.start = data["start"]
        self.end = data["end"]
        # A unit rule (`?expr: lor`) hands its only child up unchanged: only the state moves.
        self.unit = [size == 1 and expand1 and shape is None and origin[0] != "_"
                     for origin, size, _, expand1, shape in data["rules"]]
        self.rules = data["rules"]

    def tokens(self, text: str, comments: list | None) -> Iterator[Tok]:
        """Lark's basic lexer: longest-first alternation, keyword retyping, 1-based positions."""
        pos, line, col = 0, 1, 1
        end = len(text)
        mres, ignore, nl_types, keywords = self.mres, self.ignore, self.newline_types, self.keywords
        while pos < end:
            for mre in mres:
                m = mre.match(text, pos)
                if m:
                    break
            else:
                raise NotParsed
            value = m.group(0)
            type_ = m.lastgroup
            start_line, start_col = line, col
            pos += len(value)
            if type_ in nl_types and "\n" in value:
                line += value.count("\n")
                col = len(value) - value.rindex("\n")
            else:
                col += len(value)
            if type_ in ignore:
                if comments is not None and type_ == "COMMENT":
                    comments.append(Tok(type_, value, start_line, start_col, line, col))
                continue
            kw = keywords.get(type_)
            if kw is not None:
                type_ = kw.get(value, type_)
            yield Tok(type_, value, start_line, start_col, line, col)

    def parse(self, tokens: Iterator[Tok], callbacks: dict[str, Callable[[Meta, list], Any]],
              max_depth: int = 1 << 30) -> Any:
        """Run the LALR automaton, building values with ``callbacks[rule name](meta, children)``.

        Raises NotParsed when the text is not in the language, and TooDeep when values nest
        more than ``max_depth`` callbacks deep (later passes over the tree recurse).
        """
        states, rules, unit = self.states, self.rules, self.unit
        state_stack = [self.start]
        values: list = []
        metas: list = []  # (line, col, end_line, end_col) or None, parallel to values
        depths: list = []  # how many callbacks deep each value is, parallel to values

        def reduce(rule_index: int) -> None:
            origin, size, name, expand1, shape = rules[rule_index]
            if unit[rule_index]:
                state_stack[-1] = states[state_stack[-2]][origin]
                return
            if size:
                children = values[-size:]
                child_metas = metas[-size:]
                depth = max(depths[-size:])
                del state_stack[-size:], values[-size:], metas[-size:], depths[-size:]
            else:
                children, child_metas, depth = [], [], 0
            meta = None
            for first in child_metas:
                if first is not None:
                    for last in reversed(child_metas):
                        if last is not None:
                            break
                    meta = (first[0], first[1], last[2], last[3])
                    break
            raw = children
            if shape is not None:
                include, trailing = shape
                shaped: list = []
                for i, expand, nones in include:
                    if nones:
                        shaped.extend([None] * nones)
                    if expand:
                        shaped.extend(children[i])
                    else:
                        shaped.append(children[i])
                if trailing:
                    shaped.extend([None] * trailing)
                children = shaped
            if origin[0] == "_":
                value: Any = _Splice(children)
            elif expand1 and len(children) == 1:
                value = children[0]
                # Lark keeps the child's own extent, without tokens the rule filtered out.
                meta = next((m for v, m in zip(raw, child_metas, strict=True) if v is value), meta)
            else:
                m = Meta(*meta) if meta is not None else Meta(1, 1, 1, 1)
                depth += 1
                if depth > max_depth:
                    raise TooDeep(m)
                value = callbacks[name](m, children)
            goto = states[state_stack[-1]][origin]
            state_stack.append(goto)
            values.append(value)
            metas.append(meta)
            depths.append(depth)

        for tok in tokens:
            while True:
                action = states[state_stack[-1]].get(tok.type)
                if action is None:
                    raise NotParsed
                if action >= 0:
                    state_stack.append(action)
                    values.append(tok)
                    metas.append((tok.line, tok.column, tok.end_line, tok.end_column))
                    depths.append(0)
                    break
                reduce(-1 - action)
        while True:
            action = states[state_stack[-1]].get("$END")
            if action is None or action >= 0:
                raise NotParsed
            reduce(-1 - action)
            if state_stack[-1] == self.end:
                return values[-1]
