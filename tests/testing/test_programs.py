"""The program strategies: every draw validates, prints and re-parses, and the draws cover the language."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings

from vyre.ir.nodes import (
    Assign,
    Atomic,
    Barrier,
    Binary,
    Bitcast,
    Break,
    Call,
    Cast,
    Continue,
    Fence,
    For,
    If,
    Kernel,
    Lit,
    Loop,
    Module,
    Return,
    Shared,
    Store,
    Unary,
    VarDecl,
    While,
)
from vyre.ir.ops import AtomicOp, BinOp, Builtin, ScalarType, UnOp
from vyre.ir.parse import parse
from vyre.ir.printer import to_text
from vyre.ir.validate import check
from vyre.testing.features import ALL_FEATURES, all_exprs, features_of, walk_stmts
from vyre.testing.programs import Case, GenConfig, cases

_QUIET = dict(database=None, deadline=None, suppress_health_check=list(HealthCheck))


def _draw(n: int, seed_value: int, config: GenConfig | None = None) -> list[Case]:
    drawn: list[Case] = []

    @seed(seed_value)
    @settings(max_examples=n, **_QUIET)
    @given(cases(config))
    def collect(case: Case) -> None:
        drawn.append(case)

    collect()
    return drawn


@pytest.fixture(scope="module")
def draws() -> list[Case]:
    """One shared sample, so the checks below cost one generation pass."""
    return _draw(1200, 11)


def test_every_draw_validates(draws: list[Case]) -> None:
    problems = collections.Counter()
    for case in draws:
        for d in check(Module((case.kernel,))):
            problems[f"{d.code}: {d.message}"] += 1
    assert not problems, problems.most_common(5)


def test_draws_print_and_parse_back_unchanged(draws: list[Case]) -> None:
    for case in draws[::4]:
        module = Module((case.kernel,))
        assert parse(to_text(module)) == module, to_text(module)


def test_arguments_match_the_declarations(draws: list[Case]) -> None:
    for case in draws:
        k = case.kernel
        for b in k.buffers:
            if b.name not in case.args:
                assert b.size is not None and not b.access.readable  # an omitted static write buffer
                continue
            arr = case.args[b.name]
            assert arr.dtype == b.elem.dtype
            if b.size is not None:
                assert len(arr) == b.size
        for p in k.params:
            assert p.name in case.args


def test_fresh_args_are_copies(draws: list[Case]) -> None:
    case = draws[-1]
    fresh = case.fresh_args()
    for name, value in case.args.items():
        if isinstance(value, np.ndarray):
            assert fresh[name] is not value and np.array_equal(fresh[name].view(np.uint8), value.view(np.uint8))


def _census(draws: list[Case]) -> collections.Counter:
    seen: collections.Counter = collections.Counter()
    for case in draws:
        k: Kernel = case.kernel
        seen[f"wg{len(k.workgroup)}d"] += 1
        seen["default_grid" if case.grid is None else f"grid{len(case.grid)}d"] += 1
        for s in walk_stmts(k.body):
            seen[type(s).__name__] += 1
            if isinstance(s, Assign | Store) and s.op is not None:
                seen[f"compound {s.op.value}"] += 1
            if isinstance(s, For) and s.step is not None and isinstance(s.step, Lit) and s.step.value <= 0:
                seen["for nonpositive step"] += 1
            if isinstance(s, If) and len(s.orelse) == 1 and isinstance(s.orelse[0], If):
                seen["else if"] += 1
        for e in all_exprs(k):
            match e:
                case Binary(op=op):
                    seen[op] += 1
                case Unary(op=op):
                    seen[op] += 1
                case Call(fn=fn):
                    seen[fn] += 1
                case Atomic(op=op):
                    seen[op] += 1
                case Cast(type=t) | Bitcast(type=t):
                    seen[(type(e).__name__, t)] += 1
                case Lit(type=None):
                    seen["unsuffixed literal"] += 1
        for d in k.decls:
            if isinstance(d, Shared):
                seen["shared"] += 1
        for f in features_of(k):
            seen[f] += 1
    return seen


def test_draws_cover_the_language(draws: list[Case]) -> None:
    seen = _census(draws)
    wanted: list[object] = [*BinOp, *UnOp, *Builtin, *AtomicOp]
    wanted += [("Cast", t) for t in ScalarType] + [("Bitcast", t) for t in ScalarType if t is not ScalarType.BOOL]
    wanted += [c.__name__ for c in (VarDecl, Assign, Store, If, For, While, Loop, Break, Continue,
                                    Return, Barrier, Fence)]
    wanted += ["else if", "for nonpositive step", "unsuffixed literal", "wg1d", "wg2d", "wg3d",
               "grid3d", "default_grid", "shared", *sorted(ALL_FEATURES)]
    wanted += [f"compound {op.value}" for op in (BinOp.ADD, BinOp.REM, BinOp.SHL, BinOp.XOR)]
    missing = [w for w in wanted if not seen[w]]
    assert not missing, missing


def test_config_leaves_features_out() -> None:
    config = GenConfig(features=ALL_FEATURES - {"barrier", "shared", "f64", "i64", "transcendentals"})
    for case in _draw(100, 16, config):
        used = features_of(case.kernel)
        assert not used & {"barrier", "shared", "f64", "i64", "transcendentals"}, used


def test_transcendentals_are_only_stored_whole(draws: list[Case]) -> None:
    """The ULP rule relies on this: a transcendental's result goes straight into `tr`."""
    from vyre.ir.ops import TRANSCENDENTALS

    for case in draws:
        stored_whole = set()
        for s in walk_stmts(case.kernel.body):
            if isinstance(s, Store) and isinstance(s.value, Call) and s.value.fn in TRANSCENDENTALS:
                assert s.buffer == "tr" and s.op is None
                stored_whole.add(id(s.value))
        for e in all_exprs(case.kernel):
            if isinstance(e, Call) and e.fn in TRANSCENDENTALS:
                assert id(e) in stored_whole


_FAMILIES = ({AtomicOp.ADD, AtomicOp.SUB}, {AtomicOp.AND}, {AtomicOp.OR}, {AtomicOp.XOR},
             {AtomicOp.MIN}, {AtomicOp.MAX})


def test_contended_atomics_commute(draws: list[Case]) -> None:
    """Counters shared by invocations see one commutative family each, and are never loaded."""
    for case in draws:
        ops: dict[str, set[AtomicOp]] = collections.defaultdict(set)
        for e in all_exprs(case.kernel):
            if isinstance(e, Atomic) and e.buffer in ("cnt", "shc"):
                ops[e.buffer].add(e.op)
        for name, used in ops.items():
            assert any(used <= family for family in _FAMILIES), (name, used)
        loads = [e for e in all_exprs(case.kernel)
                 if type(e).__name__ == "Load" and e.buffer == "cnt"]
        assert not loads


def test_barriers_also_appear_in_uniform_loops(draws: list[Case]) -> None:
    in_loops = 0
    for case in draws:
        for s in walk_stmts(case.kernel.body):
            if isinstance(s, For) and any(isinstance(b, Barrier) for b in s.body):
                in_loops += 1
    assert in_loops > 0
