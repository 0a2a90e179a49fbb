"""libdevice: found, linked lazily and only in part, internalised, and not flushing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lower_support import one

from vyre.errors import LoweringError
from vyre.lower import libdevice, ptx, target
from vyre.lower.pipeline import nvptx_ir

IO = """
  buffer a: {t}[] read
  buffer b: {t}[] read
  buffer out: {t}[] write
"""

ALL_F32 = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "exp2",
           "expm1", "log", "log2", "log10", "log1p", "rsqrt", "cbrt"]
BINARY = ["atan2", "pow", "hypot"]


def math_kernel(fns: list[str], t: str = "f32"):
    terms = [f"{f}(a[i])" for f in fns if f not in BINARY] + [f"{f}(a[i], b[i])" for f in fns if f in BINARY]
    return one("  let i = gid.x\n  out[i] = " + " + ".join(terms), IO.format(t=t))


def have_libdevice() -> None:
    try:
        libdevice.find()
    except LoweringError:
        pytest.skip("libdevice is not installed")


def linked(k):
    """The kernel's module right after linking libdevice (before any optimisation)."""
    mod = target.parse(str(nvptx_ir(k, "sm_90")))
    libdevice.link(mod, keep=k.name)
    return mod


def test_libdevice_is_found_in_the_wheel_first():
    have_libdevice()
    path = libdevice.find()
    assert path.name == "libdevice.10.bc" and path.is_file()
    assert libdevice.candidates()[0] == path or any(c == path for c in libdevice.candidates())


def test_only_used_functions_are_linked_and_they_are_internal():
    have_libdevice()
    mod = linked(math_kernel(["sin"]))
    defined = {f.name: f.linkage for f in mod.functions if not f.is_declaration}
    assert defined["k"].name == "external"
    assert "__nv_sinf" in defined
    assert "__nv_cosf" not in defined and "__nv_expf" not in defined and "__nv_sin" not in defined
    for name, linkage in defined.items():
        if name != "k":
            assert linkage.name == "internal", (name, linkage)


def test_optimised_ptx_has_no_libdevice_entry_points_left():
    have_libdevice()
    text = ptx(math_kernel(["sin", "pow"]))
    assert "__nv_" not in text  # inlined and deleted
    assert ".extern" not in text
    # at most internal helper functions remain, never visible ones
    assert all(".visible .func" not in ln for ln in text.splitlines())


def test_transcendental_ptx_only_flushes_inside_libdevice_estimates():
    # libdevice's accurate algorithms start from hardware estimates (rcp/ex2/lg2.approx.ftz)
    # on reduced arguments; correctly rounded arithmetic never flushes.
    have_libdevice()
    for t in ("f32", "f64"):
        text = ptx(math_kernel(ALL_F32 + BINARY, t))
        for ln in text.splitlines():
            if ".ftz" in ln:
                assert re.search(r"\b[a-z0-9]+\.approx\.ftz\.f(32|64)\b", ln), ln


def test_kernels_without_math_do_not_touch_libdevice(monkeypatch):
    def boom():
        raise AssertionError("libdevice was read for a kernel that needs none")

    monkeypatch.setattr(libdevice, "_bitcode", boom)
    monkeypatch.setattr(libdevice, "_pieces", {})
    text = ptx(one("  out[gid.x] = a[gid.x] * 3.0", IO.format(t="f32")))
    assert "mul.rn.f32" in text and ".ftz" not in text


def test_missing_libdevice_is_a_lowering_error_with_a_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(libdevice, "candidates", lambda: [tmp_path / "nope.bc"])
    monkeypatch.setattr(libdevice, "_pieces", {})
    libdevice.find.cache_clear()
    libdevice._bitcode.cache_clear()
    try:
        with pytest.raises(LoweringError) as e:
            ptx(math_kernel(["exp"]))
        assert e.value.code == "V511"
        assert "libdevice" in e.value.message and "nvidia-nvvm" in e.value.fix
    finally:
        libdevice.find.cache_clear()
        libdevice._bitcode.cache_clear()


def test_cuda_home_is_searched(monkeypatch, tmp_path):
    monkeypatch.setenv("CUDA_HOME", str(tmp_path))
    assert Path(tmp_path) / "nvvm" / "libdevice" / "libdevice.10.bc" in libdevice.candidates()
    assert libdevice.candidates()[-1] == Path("/usr/local/cuda/nvvm/libdevice/libdevice.10.bc")


def test_float_remainder_uses_libdevice_fmod():
    have_libdevice()
    mod = linked(one("  out[gid.x] = a[gid.x] % b[gid.x]", IO.format(t="f64")))
    assert any(f.name == "__nv_fmod" and not f.is_declaration for f in mod.functions)
    assert "frem" not in str(mod)
