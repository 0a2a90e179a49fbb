"""The differential conformance runner: generated programs, two backends, identical inputs.

``check_case`` runs one case on a reference and a candidate backend and compares the outputs
by the rule of ``vyre.testing.ulp``.  ``run_conformance`` draws ``programs`` cases from
``vyre.testing.programs.cases`` with a fixed seed, checks each, and on a failure lets
Hypothesis shrink it to a small program that still fails, reported as VIR0 text with its
inputs and both outputs, ready to paste into a regression test.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed

from vyre.ir.nodes import Kernel
from vyre.testing.features import features_of, supported
from vyre.testing.programs import Case, GenConfig, cases
from vyre.testing.sandbox import RunResult, Sandbox, start_method_for
from vyre.testing.ulp import Difference, compare_outputs, inexact_int_buffers, tolerances

# Outcome statuses; the first two are passes.
MATCH = "match"
REFERENCE_ONLY = "reference_only"  # the candidate lacks a feature; the reference ran it cleanly
MISMATCH = "mismatch"
CANDIDATE_FAILED = "candidate_failed"  # error, timeout or crash on the candidate
REFERENCE_FAILED = "reference_failed"  # the reference rejected or failed a valid program
PTXAS_FAILED = "ptxas_failed"
FAILURES = frozenset({MISMATCH, CANDIDATE_FAILED, REFERENCE_FAILED, PTXAS_FAILED})


@dataclass
class Outcome:
    """The verdict on one case."""

    status: str
    case: Case
    reference: str
    candidate: str
    features: frozenset[str] = frozenset()
    expected: RunResult | None = None
    actual: RunResult | None = None
    difference: Difference | None = None
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.status in FAILURES

    def headline(self) -> str:
        if self.status == MISMATCH and self.difference is not None:
            return f"{self.reference} and {self.candidate} disagree: {self.difference.describe()}"
        return f"{self.status}: {self.note}"

    def render(self) -> str:
        """A full report: program text, inputs, both outputs and a regression-test skeleton."""
        parts = [self.headline(), "", "program (VIR0):", program_text(self.case.kernel),
                 f"grid: {self.case.grid!r}", "inputs:"]
        parts += [f"  {_entry(k, v)}" for k, v in self.case.args.items()]
        for label, result in ((self.reference, self.expected), (self.candidate, self.actual)):
            if result is None:
                continue
            parts.append(f"{label} outputs:" if result.ok else f"{label} {result.kind}: {result.error}")
            if result.ok and result.outputs is not None:
                parts += [f"  {_entry(k, v)}" for k, v in result.outputs.items()]
        parts += ["", "regression test:", regression_snippet(self)]
        return "\n".join(parts)


def program_text(kernel: Kernel) -> str:
    """``kernel`` as VIR0 text (the canonical printer), or its repr if the printer fails."""
    try:
        from vyre.ir.nodes import Module
        from vyre.ir.printer import to_text

        return to_text(Module((kernel,)))
    except Exception as exc:  # the report must never be lost to a printer bug
        return f"# printer unavailable ({type(exc).__name__}: {exc}); the IR:\n{kernel!r}"


def _entry(name: str, value: Any) -> str:
    """``'name': <literal>,`` with the plain values of a float array in a trailing comment."""
    line = f"{name!r}: {_literal(value)},"
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        line += f"  # {value.tolist()!r}"
    return line


def _literal(value: Any) -> str:
    """Python source that rebuilds ``value`` exactly (floats as bit patterns, NaN payloads kept)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            uint = {4: "uint32", 8: "uint64"}[value.dtype.itemsize]
            bits = ", ".join(hex(b) for b in value.view(uint).tolist())
            return f"np.array([{bits}], dtype=np.{uint}).view(np.{value.dtype.name})"
        return f"np.array({value.tolist()!r}, dtype=np.{value.dtype.name})"
    if isinstance(value, float) and value != value:
        return "float('nan')"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return f"float('{value}')"
    return repr(value)


def regression_snippet(outcome: Outcome) -> str:
    """A pytest function reproducing ``outcome``; its expected values are the reference's outputs.

    Check them against docs/semantics.md before committing: the reference can be the one that
    is wrong.
    """
    case = outcome.case
    lines = ["import numpy as np", "from vyre.testing import assert_backends_agree", "", "",
             "def test_regression():", '    source = """', program_text(case.kernel), '"""',
             "    args = {"]
    lines += [f"        {_entry(k, v)}" for k, v in case.args.items()]
    lines += ["    }"]
    expected = outcome.expected.outputs if outcome.expected and outcome.expected.ok else None
    if expected:
        lines += ["    expected = {"]
        lines += [f"        {_entry(k, v)}" for k, v in expected.items()]
        lines += ["    }"]
    else:
        lines += ["    expected = None  # fill in from docs/semantics.md"]
    lines += [f"    assert_backends_agree(source, args, expected, grid={case.grid!r}, "
              f"backends=({outcome.reference!r}, {outcome.candidate!r}))"]
    return "\n".join(lines)


def check_case(case: Case, reference: str = "cpu_ref", candidate: str = "host_jit", *,
               sandbox: Sandbox | None = None, ptx_arch: str | None = None,
               assemble: bool = False) -> Outcome:
    """Run ``case`` on both backends and compare; with ``assemble``, also ptxas its PTX."""
    owned = sandbox is None
    box = sandbox or Sandbox(isolate=False)
    try:
        kernel = case.kernel
        feats = _features(kernel)
        outcome = Outcome(MATCH, case, reference, candidate, feats)
        if assemble:
            built = box.ptxas(kernel, ptx_arch)
            if not built.ok:
                outcome.status, outcome.note = PTXAS_FAILED, built.error or built.kind
                outcome.actual = built
                return outcome
        outcome.expected = box.run(kernel, reference, case.fresh_args(), case.grid)
        if not outcome.expected.ok:
            outcome.status = REFERENCE_FAILED
            outcome.note = f"{reference} {outcome.expected.kind}: {outcome.expected.error}"
            return outcome
        missing = feats - supported(candidate)
        if missing:
            outcome.status = REFERENCE_ONLY
            outcome.note = f"{candidate} does not support {', '.join(sorted(missing))}"
            return outcome
        outcome.actual = box.run(kernel, candidate, case.fresh_args(), case.grid)
        if not outcome.actual.ok:
            outcome.status = CANDIDATE_FAILED
            outcome.note = f"{candidate} {outcome.actual.kind}: {outcome.actual.error}"
            return outcome
        assert outcome.expected.outputs is not None and outcome.actual.outputs is not None
        diff = compare_outputs(kernel, outcome.expected.outputs, outcome.actual.outputs,
                               tolerances(kernel, reference, candidate))
        if diff is not None:
            outcome.status, outcome.difference = MISMATCH, diff
            outcome.note = diff.describe()
            if diff.buffer in inexact_int_buffers(kernel):
                outcome.note += ("; this integer buffer depends on a transcendental's inexact "
                                 "result, so the difference may be within the documented bounds")
        return outcome
    finally:
        if owned:
            box.close()


def assert_conforms(case: Case, reference: str = "cpu_ref", candidate: str = "host_jit",
                    **options: Any) -> Outcome:
    """``check_case``, raising AssertionError with the full report when the case fails.

    For your own Hypothesis tests, which then shrink failures themselves::

        @given(cases(GenConfig(features=supported("mine"))))
        def test_mine(case):
            assert_conforms(case, "cpu_ref", "mine")
    """
    outcome = check_case(case, reference, candidate, **options)
    if outcome.failed:
        raise AssertionError(outcome.render())
    return outcome


def _features(kernel: Kernel) -> frozenset[str]:
    try:
        from vyre.ir.infer import resolve

        return features_of(resolve(kernel))
    except Exception:  # an invalid kernel: the backends will say why
        return features_of(kernel)


@dataclass
class ConformanceReport:
    """The result of ``run_conformance``."""

    reference: str
    candidate: str
    seed: int
    programs: int
    counts: collections.Counter = field(default_factory=collections.Counter)
    features: collections.Counter = field(default_factory=collections.Counter)
    failures: list[Outcome] = field(default_factory=list)
    minimal: Outcome | None = None  # the first failure, shrunk
    seconds: float = 0.0

    @property
    def tested(self) -> int:
        return sum(self.counts.values())

    @property
    def ok(self) -> bool:
        return not self.failures and self.minimal is None

    def summary(self) -> str:
        """One line: how many programs, compared, reference-only and failed."""
        failed = sum(self.counts[s] for s in FAILURES)
        return (f"conformance {self.reference} vs {self.candidate}: {self.tested} programs, "
                f"{self.counts[MATCH]} matched, {self.counts[REFERENCE_ONLY]} reference-only, "
                f"{failed} failed (seed {self.seed}, {self.seconds:.1f} s)")

    def render(self) -> str:
        """The summary, then the shrunk failure (or the first failure) in full."""
        lines = [self.summary()]
        lines += [f"failure {i + 1}: {o.headline()}" for i, o in enumerate(self.failures[:6])]
        shown = self.minimal or (self.failures[0] if self.failures else None)
        if shown is not None:
            lines += ["", "smallest failing program found:" if self.minimal else "first failure:",
                      shown.render()]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready record of the run."""
        def brief(o: Outcome) -> dict[str, Any]:
            return {"status": o.status, "note": o.note, "program": program_text(o.case.kernel),
                    "grid": o.case.grid, "inputs": {k: _literal(v) for k, v in o.case.args.items()}}

        return {
            "reference": self.reference, "candidate": self.candidate, "seed": self.seed,
            "programs": self.tested, "counts": dict(self.counts), "features": dict(self.features),
            "failures": [brief(o) for o in self.failures],
            "minimal": brief(self.minimal) if self.minimal else None,
            "seconds": round(self.seconds, 2), "ok": self.ok,
        }


class _Failed(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.headline())
        self.outcome = outcome


def run_conformance(reference: str = "cpu_ref", candidate: str = "host_jit", programs: int = 100,
                    seed: int = 0, *, config: GenConfig | None = None, shrink: bool = True,
                    ptx_arch: str | None = None, assemble: bool = False, timeout: float = 30.0,
                    isolate: bool = True, shrink_seconds: float = 120.0,
                    progress: Callable[[Outcome], None] | None = None) -> ConformanceReport:
    """Check ``programs`` generated cases on ``reference`` vs ``candidate``, reproducibly from ``seed``.

    Every case is checked (failures do not stop the run); then, with ``shrink``, the first
    failure is shrunk by Hypothesis for at most ``shrink_seconds`` and kept as ``minimal``.
    ``assemble`` also lowers every program to PTX for ``ptx_arch`` and runs ptxas on it.
    Each backend call runs in a worker process (``isolate``) limited to ``timeout`` seconds.
    """
    report = ConformanceReport(reference, candidate, seed, programs)
    strategy = cases(config)
    start = time.monotonic()
    with Sandbox(timeout, isolate=isolate, start_method=start_method_for(reference, candidate)) as box:
        def check(case: Case) -> Outcome:
            return check_case(case, reference, candidate, sandbox=box, ptx_arch=ptx_arch,
                              assemble=assemble)

        def survey(case: Case) -> None:
            outcome = check(case)
            report.counts[outcome.status] += 1
            report.features.update(outcome.features)
            if outcome.failed:
                report.failures.append(outcome)
            if progress is not None:
                progress(outcome)

        _hypothesis_run(survey, strategy, programs, seed, shrink=False)
        if shrink and report.failures:
            report.minimal = _shrink(check, strategy, programs, seed, report.failures[0],
                                     shrink_seconds)
    report.seconds = time.monotonic() - start
    return report


def _hypothesis_run(test: Callable[[Case], None], strategy: Any, programs: int, seed: int,
                    *, shrink: bool) -> None:
    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    run = settings(max_examples=programs, database=None, deadline=None, phases=phases,
                   derandomize=False, suppress_health_check=list(HealthCheck),
                   verbosity=Verbosity.quiet, report_multiple_bugs=False, print_blob=False)(
        hypothesis_seed(seed)(given(strategy)(test)))
    run()


def _shrink(check: Callable[[Case], Outcome], strategy: Any, programs: int, seed: int,
            first: Outcome, budget: float) -> Outcome:
    """Replay the same draws with shrinking on; the smallest case failing the same way."""
    deadline = time.monotonic() + budget
    failing: dict[str, Outcome] = {}

    def test(case: Case) -> None:
        key = repr((case.kernel, case.grid, {k: _literal(v) for k, v in case.args.items()}))
        outcome = failing.get(key)
        if outcome is None:
            if time.monotonic() > deadline:
                return  # out of time: stop finding new failures so Hypothesis settles quickly
            outcome = check(case)
            if outcome.status != first.status:
                return
            failing[key] = outcome
        raise _Failed(outcome)  # one raise site: Hypothesis tells failures apart by location

    try:
        _hypothesis_run(test, strategy, programs, seed, shrink=True)
    except _Failed as exc:
        return exc.outcome
    except Exception:  # Flaky and friends: keep the unshrunk failure
        return first
    return first


def assert_backends_agree(source: str | Kernel, args: dict[str, Any], expected: dict[str, np.ndarray] | None,
                          *, grid: tuple[int, ...] | int | None = None,
                          backends: tuple[str, ...] = ("cpu_ref", "host_jit")) -> None:
    """Run ``source`` on each backend with ``args``; every output must equal ``expected``.

    Equality is the conformance rule (``vyre.testing.ulp``) with the backend's own ULP bound
    where transcendentals reach an output.  With ``expected`` None, the backends are compared
    with the first one.  Raises AssertionError naming the backend, buffer and element.
    """
    import vyre
    from vyre.ir.nodes import Module

    if isinstance(source, str):
        module = vyre.parse(source)
        kernel = module.kernel()
    else:
        kernel = source
    copy = Case(kernel, args, grid if not isinstance(grid, int) else (grid,))
    baseline = None
    if expected is not None:
        baseline = {k: np.asarray(v) for k, v in expected.items()}
    for name in backends:
        out = vyre.compile(Module((kernel,)), backend=name, cache=None)(grid=grid, **copy.fresh_args())
        got = {k: np.asarray(v) for k, v in out.items()}
        if baseline is None:
            baseline = got
            continue
        reference = "cpu_ref" if expected is not None else backends[0]
        tol = tolerances(kernel, reference, name)
        only_expected = {k: v for k, v in got.items() if k in baseline}
        diff = compare_outputs(kernel, baseline, only_expected, tol)
        if diff is not None:
            raise AssertionError(f"backend {name}: {diff.describe()}")
