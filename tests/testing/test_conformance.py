"""The conformance runner against deliberately broken backends: it must catch, shrink and report."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import numpy as np
import pytest

from vyre.backends import registry
from vyre.backends.base import CompileOptions, Executable
from vyre.backends.cpu_ref import CpuRefBackend
from vyre.ir.nodes import Kernel
from vyre.ir.printer import to_text
from vyre.testing import features
from vyre.testing.__main__ import main
from vyre.testing.conformance import (
    CANDIDATE_FAILED,
    MATCH,
    MISMATCH,
    REFERENCE_ONLY,
    assert_backends_agree,
    assert_conforms,
    check_case,
    run_conformance,
)
from vyre.testing.programs import Case, GenConfig


class _Faulty(Executable):
    """cpu_ref's results, passed through ``fault``."""

    def __init__(self, inner: Executable, kernel: Kernel, fault: Any) -> None:
        self.inner, self.kernel, self.fault = inner, kernel, fault

    def __call__(self, grid: Any = None, **args: Any) -> dict[str, np.ndarray]:
        return self.fault(self.kernel, self.inner(grid=grid, **args))


def _flip_int_outputs_when_remainder_used(kernel: Kernel, out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if "%" in to_text(kernel):
        for arr in out.values():
            if arr.dtype.kind in "iu" and arr.size:
                arr[0] ^= 1
    return out


def _hang(kernel: Kernel, out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    time.sleep(600)
    return out


def _must_not_run(kernel: Kernel, out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    raise AssertionError("a backend lacking a feature was run on a program using it")


def _crash(kernel: Kernel, out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    os._exit(3)


def _install(monkeypatch: pytest.MonkeyPatch, name: str, fault: Any) -> None:
    class Backend(CpuRefBackend):
        def load(self, artifact: bytes, kernel: Kernel, options: CompileOptions) -> Executable:
            return _Faulty(super().load(artifact, kernel, options), kernel, fault)

    Backend.name = name
    monkeypatch.setitem(registry.BACKENDS, name, "unused:Unused")
    monkeypatch.setitem(registry._instances, name, Backend())


SMALL = GenConfig(features=features.ALL_FEATURES - {"barrier"})


def test_reference_against_itself_matches_and_is_reproducible() -> None:
    texts: list[list[str]] = [[], []]
    for run in (0, 1):
        report = run_conformance("cpu_ref", "cpu_ref", programs=12, seed=5, config=SMALL, isolate=False,
                                 progress=lambda o, run=run: texts[run].append(to_text(o.case.kernel)))
        assert report.ok, report.render()
        assert report.counts[MATCH] == report.tested == 12
    assert texts[0] == texts[1]


def test_a_wrong_backend_is_caught_and_shrunk(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, "faulty_rem", _flip_int_outputs_when_remainder_used)
    report = run_conformance("cpu_ref", "faulty_rem", programs=60, seed=1, config=SMALL, isolate=False)
    assert not report.ok and report.failures and report.minimal is not None
    minimal = report.minimal
    assert minimal.status == MISMATCH and minimal.difference is not None
    assert minimal.difference.index == 0
    text = to_text(minimal.case.kernel)
    assert "%" in text
    # shrunk: no bigger than the first failure found, and small enough to read at a glance
    assert len(text) <= len(to_text(report.failures[0].case.kernel))
    assert text.count("\n") < 20, text
    rendered = report.render()
    assert "smallest failing program found" in rendered and text in rendered
    assert "def test_regression():" in rendered and "assert_backends_agree(" in rendered
    # the skeleton runs as printed: against cpu_ref, whose outputs it holds, it passes
    snippet = rendered.split("regression test:\n", 1)[1]
    namespace: dict[str, Any] = {}
    exec(snippet.replace("'faulty_rem'", "'cpu_ref'"), namespace)
    namespace["test_regression"]()


def test_a_hanging_backend_times_out_and_the_run_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, "hangs", _hang)
    report = run_conformance("cpu_ref", "hangs", programs=2, seed=0, config=SMALL, timeout=1.0,
                             shrink=False)
    assert report.counts[CANDIDATE_FAILED] == 2
    assert "no result within 1 s" in report.failures[0].note


def test_a_crashing_backend_is_reported_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, "crashes", _crash)
    report = run_conformance("cpu_ref", "crashes", programs=2, seed=0, config=SMALL, shrink=False)
    assert report.counts[CANDIDATE_FAILED] == 2
    assert "died (exit code 3)" in report.failures[0].note


BARRIER_SOURCE = """vir0
kernel k workgroup(4) {
  buffer out: u32[] read_write
  shared s: u32[4]
  s[lid.x] = lid.x * 10
  barrier()
  out[gid.x] = s[(lid.x + 1) % 4]
}
"""


def test_unsupported_features_run_on_the_reference_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import vyre

    _install(monkeypatch, "no_barriers", _must_not_run)
    monkeypatch.setitem(features.CAPABILITIES, "no_barriers", features.ALL_FEATURES - {"barrier"})
    kernel = vyre.parse(BARRIER_SOURCE).kernel()
    case = Case(kernel, {"out": np.zeros(8, np.uint32)}, (2,))
    outcome = check_case(case, "cpu_ref", "no_barriers")
    assert outcome.status == REFERENCE_ONLY and outcome.actual is None
    assert "barrier" in outcome.note
    assert outcome.expected is not None and outcome.expected.outputs is not None
    assert outcome.expected.outputs["out"].tolist() == [10, 20, 30, 0, 10, 20, 30, 0]


def test_assert_backends_agree_checks_expected_values() -> None:
    args = {"out": np.zeros(8, np.uint32)}
    good = {"out": np.array([10, 20, 30, 0, 10, 20, 30, 0], np.uint32)}
    assert_backends_agree(BARRIER_SOURCE, args, good, grid=2, backends=("cpu_ref",))
    bad = {"out": np.array([10, 20, 30, 1, 10, 20, 30, 0], np.uint32)}
    with pytest.raises(AssertionError, match=r"cpu_ref: out\[3\]"):
        assert_backends_agree(BARRIER_SOURCE, args, bad, grid=2, backends=("cpu_ref",))


def test_command_line_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--reference", "cpu_ref", "--candidate", "cpu_ref", "--programs", "4", "--seed", "2",
                 "--json", "--without", "barrier"])
    record = json.loads(capsys.readouterr().out)
    assert code == 0 and record["ok"] is True
    assert record["programs"] == 4 and record["counts"] == {"match": 4}


def test_command_line_summary_and_misuse(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--candidate", "cpu_ref", "--programs", "3"]) == 0
    assert capsys.readouterr().out.startswith("conformance cpu_ref vs cpu_ref: 3 programs, ")
    assert main(["--without", "warp_shuffles"]) == 2
    assert "unknown feature warp_shuffles" in capsys.readouterr().err


def test_assert_conforms_inside_a_hypothesis_test(monkeypatch: pytest.MonkeyPatch) -> None:
    from hypothesis import HealthCheck, Phase, given, seed, settings

    from vyre.testing.programs import cases

    _install(monkeypatch, "faulty_rem2", _flip_int_outputs_when_remainder_used)

    @seed(3)
    @settings(max_examples=60, database=None, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate])  # shrinking is Hypothesis's business; keep the test quick
    @given(cases(SMALL))
    def check(case: Case) -> None:
        assert_conforms(case, "cpu_ref", "faulty_rem2")

    with pytest.raises(AssertionError, match="cpu_ref and faulty_rem2 disagree"):
        check()
