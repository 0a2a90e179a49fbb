"""Generated programs (vyre.testing) on cpu_ref: every valid program runs to completion with
no Python warning or stray exception, deterministically, without touching its inputs."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings

from vyre.backends.cpu_ref import CpuRefExecutable
from vyre.ir.infer import resolve
from vyre.ir.nodes import Module
from vyre.ir.validate import validate
from vyre.testing.programs import Case, cases


@settings(max_examples=150, deadline=None)
@given(cases())
def test_generated_programs_run_cleanly_and_deterministically(case: Case) -> None:
    validate(Module((case.kernel,)))
    exe = CpuRefExecutable(resolve(case.kernel))
    before = {k: v.copy() for k, v in case.args.items() if isinstance(v, np.ndarray)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning escaping numpy is a bug
        first = exe(grid=case.grid, **case.args)
        second = exe(grid=case.grid, **case.fresh_args())
    writable = {b.name for b in case.kernel.buffers if b.access.writable}
    assert set(first) == writable
    for name, out in first.items():
        assert out.tobytes() == second[name].tobytes(), name
        decl = next(b for b in case.kernel.buffers if b.name == name)
        assert out.dtype == decl.elem.dtype and out.ndim == 1
    for name, value in before.items():
        assert case.args[name].tobytes() == value.tobytes(), f"input {name} was modified"
