"""The VIR0 parser: every construct of the syntax contract, spans, and syntax errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from vyre.errors import VyreSyntaxError
from vyre.ir import grammar, syntax_errors
from vyre.ir.nodes import (
    Assign,
    Atomic,
    Barrier,
    Binary,
    Bitcast,
    Break,
    Buffer,
    Call,
    Cast,
    Continue,
    Eval,
    Fence,
    For,
    If,
    Kernel,
    Len,
    Let,
    Lit,
    Load,
    Loop,
    Module,
    Param,
    Ref,
    Return,
    Shared,
    Store,
    ThreadId,
    Unary,
    VarDecl,
    While,
)
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
from vyre.ir.parse import load, parse
from vyre.source import Span, source_line

F32, U32, I32, I64, U64, F64, BOOL = (ScalarType.F32, ScalarType.U32, ScalarType.I32,
                                      ScalarType.I64, ScalarType.U64, ScalarType.F64,
                                      ScalarType.BOOL)
ROOT = Path(__file__).resolve().parents[2]


def body(text: str, decls: str = "") -> tuple:
    """Parse statements inside a one-kernel module and return the kernel body."""
    return parse(f"vir0\nkernel k workgroup(1) {{\n{decls}{text}\n}}\n").kernels[0].body


def expr(text: str):
    (let,) = body(f"let v = {text}")
    return let.value


def error(text: str, file: str = "t.vir") -> VyreSyntaxError:
    with pytest.raises(VyreSyntaxError) as info:
        parse(text, file)
    return info.value


def prog(stmts: str) -> str:
    return "vir0\nkernel k workgroup(1) {\n  param n: u32\n  buffer x: f32[] read_write\n" + stmts + "\n}\n"


# --- the syntax contract ------------------------------------------------------------------
CONTRACT = """\
vir0
# comment to end of line
kernel saxpy workgroup(256) {          # workgroup(x), (x, y) or (x, y, z)
  param a: f32                          # scalar kernel argument
  param flag: bool
  buffer x: f32[] read                  # runtime-sized global buffer
  buffer y: f32[] read_write
  buffer ring: u32[64] read_write host  # static size, host-mapped
  buffer out: i64[8] write
  shared tile: f32[256]

  let i = gid.x
  let j: u32 = lid.y + wid.z * nwg.x
  var acc: f32 = 0.0
  acc += 1.0
  if i < len(y) {
    y[i] = a * x[i] + y[i]
  } else if i == 0 { } else { }
  for k in 0..n { }
  for k in 0..n step 2 { }
  while acc < 10.0 { acc = acc * 2.0 }
  loop { break }
  continue
  return
  barrier()
  fence()
  fence(acq_rel)
  fence(seq_cst, workgroup)
  atomic_add(hist[b], 1)
  let old = atomic_compare_exchange(buf[i], expected, desired, acq_rel)
  y[i] += v
}
"""


def test_contract_example_parses_to_the_expected_ir():
    m = parse(CONTRACT, "contract.vir")
    assert isinstance(m, Module) and len(m.kernels) == 1
    k = m.kernels[0]
    assert k.name == "saxpy" and k.workgroup == (256,)
    assert k.decls == (
        Param("a", F32),
        Param("flag", BOOL),
        Buffer("x", F32, None, Access.READ),
        Buffer("y", F32, None, Access.READ_WRITE),
        Buffer("ring", U32, 64, Access.READ_WRITE, Placement.HOST),
        Buffer("out", I64, 8, Access.WRITE),
        Shared("tile", F32, 256),
    )
    i = Ref("i")
    assert k.body == (
        Let("i", None, ThreadId(IdKind.GID, 0)),
        Let("j", U32, Binary(BinOp.ADD, ThreadId(IdKind.LID, 1),
                             Binary(BinOp.MUL, ThreadId(IdKind.WID, 2), ThreadId(IdKind.NWG, 0)))),
        VarDecl("acc", F32, Lit(0.0)),
        Assign("acc", Lit(1.0), BinOp.ADD),
        If(Binary(BinOp.LT, i, Len("y")),
           (Store("y", i, Binary(BinOp.ADD, Binary(BinOp.MUL, Ref("a"), Load("x", i)), Load("y", i))),),
           (If(Binary(BinOp.EQ, i, Lit(0)), (), ()),)),
        For("k", Lit(0), Ref("n"), None, ()),
        For("k", Lit(0), Ref("n"), Lit(2), ()),
        While(Binary(BinOp.LT, Ref("acc"), Lit(10.0)),
              (Assign("acc", Binary(BinOp.MUL, Ref("acc"), Lit(2.0))),)),
        Loop((Break(),)),
        Continue(),
        Return(),
        Barrier(),
        Fence(MemOrder.SEQ_CST, Scope.DEVICE),
        Fence(MemOrder.ACQ_REL, Scope.DEVICE),
        Fence(MemOrder.SEQ_CST, Scope.WORKGROUP),
        Eval(Atomic(AtomicOp.ADD, "hist", Ref("b"), (Lit(1),))),
        Let("old", None, Atomic(AtomicOp.COMPARE_EXCHANGE, "buf", i,
                                (Ref("expected"), Ref("desired")), MemOrder.ACQ_REL)),
        Store("y", i, Ref("v"), BinOp.ADD),
    )


@pytest.mark.parametrize("dims", ["64", "8, 8", "4, 4, 4"])
def test_workgroup_has_one_to_three_dimensions(dims):
    k = parse(f"vir0\nkernel k workgroup({dims}) {{\n}}\n").kernels[0]
    assert k.workgroup == tuple(int(d) for d in dims.split(","))


def test_several_kernels_and_empty_bodies():
    m = parse("vir0\n\nkernel a workgroup(1) {\n}\n\n\nkernel b workgroup(2) { }\n")
    assert [k.name for k in m.kernels] == ["a", "b"]
    assert m.kernels[1] == Kernel("b", (2,), (), ())


@pytest.mark.parametrize("op", ["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="])
def test_every_assignment_operator(op):
    assign, store = body(f"v {op} 1\nb[0] {op} 1")
    expected = None if op == "=" else BinOp(op[:-1])
    assert assign == Assign("v", Lit(1), expected)
    assert store == Store("b", Lit(0), Lit(1), expected)


@pytest.mark.parametrize("op", list(AtomicOp))
@pytest.mark.parametrize("order", [None, *MemOrder])
def test_every_atomic_and_ordering(op, order):
    args = ", ".join(["v"] * op.nargs)
    text = f"{op.spelling}(b[i]{', ' + args if args else ''}{', ' + order.value if order else ''})"
    (stmt,) = body(text)
    assert stmt == Eval(Atomic(op, "b", Ref("i"), (Ref("v"),) * op.nargs, order or MemOrder.RELAXED))


def test_atomic_load_with_only_an_ordering():
    assert expr("atomic_load(b[0], acquire)") == Atomic(AtomicOp.LOAD, "b", Lit(0), (), MemOrder.ACQUIRE)


@pytest.mark.parametrize("b", list(Builtin))
def test_every_builtin(b):
    args = ", ".join(f"a{n}" for n in range(b.arity))
    assert expr(f"{b.value}({args})") == Call(b, tuple(Ref(f"a{n}") for n in range(b.arity)))


@pytest.mark.parametrize("t", list(ScalarType))
def test_casts_and_bitcasts_to_every_type(t):
    assert expr(f"{t.value}(x)") == Cast(t, Ref("x"))
    assert expr(f"bitcast<{t.value}>(x)") == Bitcast(t, Ref("x"))


@pytest.mark.parametrize("order,scope,text", [
    (MemOrder.SEQ_CST, Scope.DEVICE, "fence()"),
    (MemOrder.RELEASE, Scope.DEVICE, "fence(release)"),
    (MemOrder.ACQUIRE, Scope.SYSTEM, "fence(acquire, system)"),
    (MemOrder.SEQ_CST, Scope.WORKGROUP, "fence(workgroup)"),
])
def test_fences(order, scope, text):
    assert body(text) == (Fence(order, scope),)


# --- literals -----------------------------------------------------------------------------
@pytest.mark.parametrize("spelling,lit", [
    ("1", Lit(1)),
    ("0", Lit(0)),
    ("0xff", Lit(255)),
    ("0XFF", Lit(255)),
    ("1u32", Lit(1, U32)),
    ("0x10i64", Lit(16, I64)),
    ("18446744073709551615u64", Lit(2**64 - 1, U64)),
    ("99999999999999999999999", Lit(99999999999999999999999)),  # range is the validator's job
    ("1.0", Lit(1.0)),
    ("1e-3", Lit(1e-3)),
    ("1E+3", Lit(1000.0)),
    ("2.5f64", Lit(2.5, F64)),
    ("2f32", Lit(2.0, F32)),
    ("1e999", Lit(float("inf"))),
    ("true", Lit(True, BOOL)),
    ("false", Lit(False, BOOL)),
    ("-1", Lit(-1)),
    ("- 1", Lit(-1)),
    ("-2147483648i32", Lit(-(2**31), I32)),
    ("-0.0", Lit(-0.0)),
    ("-2.5f32", Lit(-2.5, F32)),
])
def test_literals(spelling, lit):
    got = expr(spelling)
    assert got == lit
    assert type(got.value) is type(lit.value)


def test_float_typed_literals_hold_python_floats():
    assert isinstance(expr("3f64").value, float)


def test_minus_folds_only_into_a_bare_literal():
    assert expr("-(1)") == Unary(UnOp.NEG, Lit(1))
    assert expr("--1") == Unary(UnOp.NEG, Lit(-1))
    assert expr("-x") == Unary(UnOp.NEG, Ref("x"))
    assert expr("-true") == Unary(UnOp.NEG, Lit(True, BOOL))
    assert expr("-1 * x") == Binary(BinOp.MUL, Lit(-1), Ref("x"))
    assert expr("a - -1") == Binary(BinOp.SUB, Ref("a"), Lit(-1))
    assert expr("~-1") == Unary(UnOp.BITNOT, Lit(-1))


# --- precedence and associativity -----------------------------------------------------------
def _b(op: str, lhs, rhs) -> Binary:
    return Binary(BinOp(op), lhs, rhs)


a, b, c = Ref("a"), Ref("b"), Ref("c")


@pytest.mark.parametrize("text,tree", [
    ("a + b * c", _b("+", a, _b("*", b, c))),
    ("a * b + c", _b("+", _b("*", a, b), c)),
    ("a - b - c", _b("-", _b("-", a, b), c)),
    ("a - (b - c)", _b("-", a, _b("-", b, c))),
    ("a << b + c", _b("<<", a, _b("+", b, c))),
    ("a < b == b < c", _b("==", _b("<", a, b), _b("<", b, c))),
    ("a & b == c", _b("&", a, _b("==", b, c))),
    ("a | b ^ c & a", _b("|", a, _b("^", b, _b("&", c, a)))),
    ("a || b && c", _b("||", a, _b("&&", b, c))),
    ("!a && b", _b("&&", Unary(UnOp.NOT, a), b)),
    ("-a * b", _b("*", Unary(UnOp.NEG, a), b)),
    ("~a % b", _b("%", Unary(UnOp.BITNOT, a), b)),
    ("a >> b >> c", _b(">>", _b(">>", a, b), c)),
    ("a / b % c", _b("%", _b("/", a, b), c)),
])
def test_precedence(text, tree):
    assert expr(text) == tree


def test_every_binary_operator_parses_to_its_op():
    for op in BinOp:
        assert expr(f"a {op.value} b") == Binary(op, a, b)


# --- layout: newlines, comments, continuation ---------------------------------------------
def test_blank_lines_and_comments_anywhere():
    text = "# top\n\n\nvir0 # header\n# between\n\nkernel k workgroup(1) { # open\n\n  # c\n  let a = 1 # t\n\n\n  # end\n}\n# eof\n"
    assert parse(text).kernels[0].body == (Let("a", None, Lit(1)),)


def test_expressions_continue_after_an_operator_or_inside_parentheses():
    (let,) = body("let v = a +\n    b * (c\n  - a)")
    assert let.value == _b("+", a, _b("*", b, _b("-", c, a)))
    (let2,) = body("let v = min(\n  a,\n  b\n)")
    assert let2.value == Call(Builtin.MIN, (a, b))


def test_else_may_start_the_next_line():
    (stmt,) = body("if a {\n  break\n}\nelse {\n  continue\n}")
    assert stmt == If(a, (Break(),), (Continue(),))


def test_crlf_line_endings():
    m = parse("vir0\r\nkernel k workgroup(1) {\r\n  let a = 1\r\n}\r\n")
    assert m.kernels[0].body == (Let("a", None, Lit(1)),)


def test_names_close_to_keywords_are_names():
    stmts = body("let iff = lets + elsewhere + gidx + f32x + atomic + truth")
    assert stmts[0].name == "iff"


# --- spans --------------------------------------------------------------------------------
def test_spans_are_one_based_with_exclusive_end():
    m = parse("vir0\nkernel k workgroup(1) {\n  let v = a + bb\n}\n", "s.vir")
    let = m.kernels[0].body[0]
    assert let.span == Span("s.vir", 3, 3, 3, 17)
    assert let.value.span == Span("s.vir", 3, 11, 3, 17)
    assert let.value.rhs.span == Span("s.vir", 3, 15, 3, 17)
    assert m.kernels[0].span.line == 2 and m.kernels[0].span.end_line == 4


def test_parse_remembers_the_source_for_later_diagnostics():
    parse("vir0\nkernel k workgroup(1) {\n  let unusual_name = 1\n}\n", "remembered.vir")
    assert source_line(Span("remembered.vir", 3, 1, 3, 2)) == "  let unusual_name = 1"


def test_unnamed_input_is_called_input():
    e = error("vir0\nkernel k workgroup(1) {\n  let x\n}\n", file=None)
    assert e.span.file == "<input>"
    assert e.render().startswith("<input>:3:8: error[V108]")


# --- syntax errors --------------------------------------------------------------------------
ERRORS = [
    # (source, code, words the message must contain)
    ("kernel k workgroup(1) {\n}\n", "V103", "'vir0' header"),
    ("", "V103", "'vir0' header"),
    (prog("  if n = 1 {\n  }"), "V104", "'=='"),
    (prog("  while n = 1 {\n  }"), "V104", "'=='"),
    (prog("  } else if n = 1 {\n  }").replace("  }", "  if n < 1 {\n  }", 1), "V104", "'=='"),
    (prog("  for (i = 0; i < n; i++) {\n  }"), "V105", "C-style for"),
    (prog("  for i = 0 to n {\n  }"), "V105", "C-style for"),
    (prog("  param a"), "V106", "param 'a' needs a type"),
    (prog("  param a f32"), "V106", "param 'a' needs a type"),
    (prog("  buffer y f32[] read"), "V106", "buffer 'y' needs a type"),
    (prog("  shared t f32[4]"), "V106", "shared 't' needs a type"),
    (prog("  param a: float"), "V107", "unknown type 'float'; did you mean 'f32'?"),
    (prog("  let q: double = 1.0"), "V107", "did you mean 'f64'?"),
    (prog("  buffer q: uint[] read"), "V107", "did you mean 'u32'?"),
    (prog("  let q = bitcast<int>(n)"), "V107", "did you mean 'i32'?"),
    (prog("  param q: quaternion"), "V107", "unknown type 'quaternion'"),
    (prog("  let q"), "V108", "'let q' needs an initial value"),
    (prog("  var q: f32"), "V108", "'var q' needs an initial value"),
    (prog("  let q = 1;"), "V109", "semicolons"),
    (prog("  else {\n  }"), "V110", "'else' without a matching 'if'"),
    (prog("  x[0] = 1\n  else {\n  }"), "V110", "'else' without a matching 'if'"),
    (prog("  let q = sqr(2.0)"), "V111", "did you mean 'sqrt'?"),
    (prog("  let q = atomicAdd(x[0], 1.0)"), "V111", "did you mean 'atomic_add'?"),
    (prog("  let q = float(n)"), "V111", "did you mean 'f32'?"),
    (prog("  let q = frobnicate(n)"), "V111", "unknown function 'frobnicate'"),
    (prog("  let q = 12ab"), "V112", "'12ab'"),
    (prog("  let q = 0x"), "V112", "'0x'"),
    (prog("  let q = 0xfg"), "V112", "'0xfg'"),
    (prog("  let q = 1.5i32"), "V112", "integer suffix"),
    (prog("  let q = 007"), "V112", "leading zero"),
    (prog("  let q = 1u8"), "V112", "suffix 'u8'"),
    (prog("  let q = 1e"), "V112", "exponent"),
    (prog("  let q = 1_000"), "V112", "'1_000'"),
    ("vir0\nkernel k workgroup(1.5) {\n}\n", "V112", "plain integer"),
    ("vir0\nkernel k workgroup(1u32) {\n}\n", "V112", "plain integer"),
    ("vir0\nkernel k workgroup(1, 2, 3, 4) {\n}\n", "V113", "4 dimensions"),
    (prog("  let q = gid.w"), "V114", "not .w"),
    (prog("  let q = 1\n  param z: f32"), "V115", "after the first statement"),
    (prog("  loop {\n    shared t: f32[4]\n  }"), "V115", "inside a block"),
    (prog("  atomic_add(n, 1)"), "V116", "buffer element"),
    (prog("  let q = atomic_load()"), "V116", "buffer element"),
    (prog("  let q = min(n, 1, relaxed)"), "V116", "memory ordering"),
    (prog("  shared t: f32[]"), "V117", "no size"),
    (prog("  min(n, 1)"), "V118", "thrown away"),
    ("vir0\nkernel k workgroup(1) {\n  if n < 1 {\n    return\n}\n", "V119", "never closed"),
    (prog("  buffer y: f32[]"), "V102", "access mode"),
    (prog("  buffer y: f32[] readonly"), "V102", "access mode"),
    ("vir0\nkernel k {\n}\n", "V122", "workgroup size"),
    ("vir0\nlet x = 1\n", "V123", "expected a kernel"),
    ("vir0\n", "V123", "expected a kernel"),
    (prog("  let q = 1 let r = 2"), "V124", "own line"),
    (prog("  if n < 1 {\n  } elif n < 2 {\n  }"), "V125", "did you mean 'else if'?"),
    (prog("  retrun"), "V125", "did you mean 'return'?"),
    (prog("  fro i in 0..n {\n  }"), "V125", "did you mean 'for'?"),
    (prog("  let q = @"), "V101", "unexpected character '@'"),
    (prog('  let q = "s"'), "V101", "no strings"),
    (prog("  let q = n ? 1 : 2"), "V101", "select"),
    (prog("  let q = n +"), "V100", "expected an expression, but got '}'"),
    (prog("  let q = (1 + 2"), "V100", "expected ')'"),
    (prog("  n == 1"), "V100", "assignment"),
    ("vir0\nkernel k workgroup(1)\n}\n", "V100", "expected '{'"),
    (prog("  let q = 2.0f"), "V112", "did you mean 'f32'?"),
    (prog("  n++"), "V100", "no '++' operator"),
    (prog("  x[0]--"), "V100", "no '--' operator"),
    (prog("  return 0"), "V100", "'return' takes no value"),
    (prog("  param p: f32[]"), "V100", "not an array"),
    (prog("  buffer y: f32 read"), "V100", "needs [] or [N]"),
    (prog("  fence(device, seq_cst)"), "V100", "ordering first"),
    (prog("  let q = f32 n"), "V100", "expected '(', but got the name 'n'"),
    (prog("  i = 1 2"), "V124", "own line"),
]


@pytest.mark.parametrize("text,code,words", ERRORS, ids=[f"{e[1]}-{i}" for i, e in enumerate(ERRORS)])
def test_syntax_errors_are_classified(text, code, words):
    e = error(text)
    assert e.code == code, e.render()
    assert words in e.message + " " + e.fix, e.render()
    assert e.fix and e.span is not None
    rendered = e.render()
    assert rendered.startswith(f"t.vir:{e.span.line}:{e.span.col}: error[{code}]: ")
    assert "\n  Fix: " in rendered


def test_error_quotes_the_line_with_a_caret_under_the_token():
    e = error(prog("  param a: float"))
    lines = e.render().splitlines()
    assert lines[1] == "    param a: float"
    assert lines[2] == "  " + " " * 11 + "^^^^^"


def test_generic_message_names_what_was_expected_in_words():
    e = error(prog("  let q = n + }"))
    assert e.message == "expected an expression, but got '}'"
    assert e.fix == "complete the expression before the '}'"


def test_every_classification_example_fails_to_parse():
    for label, examples in syntax_errors.EXAMPLES.items():
        for text in examples:
            assert syntax_errors.example_error(text) is not None, (label, text)


def test_nesting_too_deep_is_a_syntax_error():
    e = error(prog("  let q = " + "(" * 5000 + "1" + ")" * 5000))
    assert e.code in ("V120", "V100")


def test_non_text_input():
    with pytest.raises(VyreSyntaxError):
        parse(b"vir0\n")  # type: ignore[arg-type]


# --- files ----------------------------------------------------------------------------------
def test_load_reads_utf8_files(tmp_path):
    path = tmp_path / "k.vir"
    path.write_text("vir0\nkernel k workgroup(1) {\n  let x = 1  # héllo\n}\n", encoding="utf-8")
    m = load(path)
    assert m.kernels[0].span.file == str(path)


def test_load_errors(tmp_path):
    with pytest.raises(VyreSyntaxError) as info:
        load(tmp_path / "missing.vir")
    assert info.value.code == "V121"
    bad = tmp_path / "bad.vir"
    bad.write_bytes(b"vir0\n\xff\xfe\n")
    with pytest.raises(VyreSyntaxError) as info:
        load(bad)
    assert info.value.code == "V121" and "UTF-8" in info.value.message


INVALID = sorted((ROOT / "tests" / "invalid").glob("syntax_*.vir"))


def test_there_are_at_least_twelve_syntax_error_files():
    assert len(INVALID) >= 12


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_syntax_error_files_render_as_expected(path):
    rel = path.relative_to(ROOT).as_posix()
    with pytest.raises(VyreSyntaxError) as info:
        parse(path.read_text(encoding="utf-8"), rel)
    expected = path.with_suffix(".expected").read_text(encoding="utf-8")
    assert info.value.render() == expected.rstrip("\n")
    assert info.value.code.startswith("V1")


# --- the grammar and its cache --------------------------------------------------------------
def test_grammar_is_found_in_the_checkout():
    assert grammar.grammar_path().read_text().startswith("// VIR0")


def test_parser_cache_is_written_atomically_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("VYRE_CACHE_DIR", str(tmp_path))
    text = grammar.grammar_path().read_text()
    first = grammar._build(text)
    files = list((tmp_path / "grammar").iterdir())
    assert len(files) == 1 and files[0].suffix == ".lark"
    second = grammar._build(text)
    assert list((tmp_path / "grammar").iterdir()) == files  # loaded, not rewritten
    src = prog("  let q = 1")
    assert first.parse(src) == second.parse(src)


def test_parser_works_when_the_cache_dir_is_unwritable(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("VYRE_CACHE_DIR", str(blocker))  # a file: the directory cannot exist
    text = grammar.grammar_path().read_text()
    assert grammar._build(text).parse(prog("")) is not None
    assert grammar._load_tables(text).states


def test_language_reference_lists_every_builtin_with_its_signature():
    from vyre.ir.ops import Builtin

    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    for b in Builtin:
        assert f"| `{b.value}` | `{b.sig.value}` |" in doc, b


def test_language_reference_reserves_the_grammar_keywords():
    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    reserved_block = doc.split("reserved words:", 1)[1].split("```")[1]
    words = set(reserved_block.split())
    keywords = {t.pattern.value for t in grammar.get_parser().terminals
                if t.pattern.type == "str" and t.pattern.value.isidentifier()}
    assert keywords <= words, keywords - words


def test_installed_grammar_location_is_preferred(tmp_path, monkeypatch):
    installed = tmp_path / "vyre" / "_grammar" / "vir0.lark"
    installed.parent.mkdir(parents=True)
    installed.write_text("// installed copy\n")
    monkeypatch.setattr(grammar, "GRAMMAR_CANDIDATES", (installed, *grammar.GRAMMAR_CANDIDATES))
    assert grammar.grammar_path() == installed


def test_missing_grammar_is_a_vyre_error(tmp_path, monkeypatch):
    from vyre.errors import VyreError

    monkeypatch.setattr(grammar, "GRAMMAR_CANDIDATES", (tmp_path / "nope.lark",))
    with pytest.raises(VyreError) as info:
        grammar.grammar_path()
    assert info.value.code == "V199"


def test_fast_tables_are_cached_and_rebuilt_when_damaged(tmp_path, monkeypatch):
    monkeypatch.setenv("VYRE_CACHE_DIR", str(tmp_path))
    text = grammar.grammar_path().read_text()
    tables = grammar._load_tables(text)
    (cached,) = (tmp_path / "grammar").glob("vir0-tables-*.pickle")
    cached.write_bytes(b"not a pickle")
    again = grammar._load_tables(text)
    assert again.states == tables.states
    assert cached.read_bytes() != b"not a pickle"  # rewritten


def test_reserved_words_match_the_grammar():
    keywords = {t.pattern.value for t in grammar.get_parser().terminals
                if t.pattern.type == "str" and t.pattern.value.isidentifier()}
    assert keywords == grammar.RESERVED_WORDS


def test_parsing_falls_back_to_lark_when_tables_cannot_be_exported(monkeypatch):
    from vyre.ir import lalr

    def broken(_lark):
        raise AttributeError("internals moved")

    monkeypatch.setattr(grammar, "_TABLES", None)
    monkeypatch.setattr(grammar, "_NO_TABLES", False)
    monkeypatch.setattr(grammar, "_load_tables", lambda text: lalr.Tables(broken(None)))
    assert grammar.get_tables() is None
    m = parse(prog("  let q = 1"))
    assert m.kernels[0].body == (Let("q", None, Lit(1)),)
    assert error(prog("  let q")).code == "V108"
