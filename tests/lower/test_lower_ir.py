"""The LLVM IR text the lowering builds (before LLVM sees it), then LLVM's verdict on it."""

from __future__ import annotations

import re

import pytest
from lower_support import one

from vyre.errors import LoweringError
from vyre.lower import llvm_ir, target
from vyre.lower.pipeline import nvptx_ir

IO = """
  buffer a: {t}[] read
  buffer b: {t}[] read
  buffer out: {r}[] write
"""


def ir_of(expr: str, t: str = "i32", r: str | None = None) -> str:
    body = f"  let i = gid.x\n  out[i] = {expr}"
    return str(nvptx_ir(one(body, IO.format(t=t, r=r or t))))


def _instructions(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.startswith("  ")]


def test_signed_division_guards_zero_and_min_over_minus_one():
    text = ir_of("a[i] / b[i]")
    assert "sdiv i32" in text
    assert "icmp eq i32" in text and "-2147483648" in text and ", -1" in text
    # the divisor that reaches sdiv is a select, never the raw operand
    sdiv = next(ln for ln in _instructions(text) if "sdiv" in ln)
    divisor = sdiv.rsplit(",", 1)[1].strip()
    assert re.search(re.escape(divisor) + r' = select +i1 .*, i32 1, i32', text)


def test_unsigned_remainder_keeps_the_dividend_for_zero():
    text = ir_of("a[i] % b[i]", "u32")
    assert "urem i32" in text
    assert "srem" not in text
    urem = next(ln for ln in _instructions(text) if "urem" in ln)
    result = urem.split(" = ")[0]
    # the result is selected between the dividend (for a zero divisor) and the remainder
    assert re.search(r"select +i1 %\S+, i32 %\S+, i32 " + re.escape(result), text)


def test_shifts_mask_the_amount():
    for t, mask, op in [("i32", "31", "ashr i32"), ("u64", "63", "lshr i64")]:
        text = ir_of("a[i] >> b[i]", t)
        assert f"and {'i32' if t == 'i32' else 'i64'}" in text and f", {mask}" in text
        assert op in text
    assert "shl i32" in ir_of("a[i] << b[i]", "u32")


def test_no_poison_flags_or_fast_math():
    exprs = ["a[i] + b[i] * a[i] - b[i]", "-a[i]", "a[i] << b[i]"]
    for t in ("i32", "u64", "f32", "f64"):
        for e in exprs if t[0] != "f" else exprs[:2]:
            text = ir_of(e, t)
            for flag in (" nsw ", " nuw ", " exact ", " fast ", " nnan ", " ninf ", " contract ", " afn ", " reassoc "):
                assert flag not in text, (t, e, flag)


def test_float_to_int_saturates_and_bitcast_canonicalises_nan():
    assert "llvm.fptosi.sat.i32.f32" in ir_of("i32(a[i])", "f32", "i32")
    assert "llvm.fptoui.sat.i64.f64" in ir_of("u64(a[i])", "f64", "u64")
    text = ir_of("bitcast<u32>(a[i])", "f32", "u32")
    assert "fcmp uno float" in text and "2143289344" in text  # 0x7FC00000


def test_clz_ctz_are_defined_at_zero():
    assert re.search(r'call i32 @"llvm.ctlz.i32"\(i32 %"?[.\w]+"?, i1 0\)', ir_of("clz(a[i])", "u32"))
    assert re.search(r'call i64 @"llvm.cttz.i64"\(i64 %"?[.\w]+"?, i1 0\)', ir_of("ctz(a[i])", "i64"))


def test_loads_are_bounds_checked_before_an_inbounds_address():
    text = ir_of("a[i]")
    lines = _instructions(text)
    gep = next(k for k, ln in enumerate(lines) if "getelementptr inbounds" in ln)
    assert any("icmp ult i64" in ln for ln in lines[:gep])
    assert "phi" in text  # zero on the out-of-bounds path


def test_host_mapped_buffers_use_system_scope_atomic_loads():
    k = one("  loop {\n    if flag[0] != 0 {\n      break\n    }\n  }",
            "  buffer flag: u32[1] read_write host")
    assert "load atomic i32, ptr addrspace(1)" in str(nvptx_ir(k))


def test_transcendentals_are_libdevice_calls():
    text = ir_of("sin(a[i]) + pow(a[i], b[i])", "f32")
    assert 'declare float @"__nv_sinf"(float' in text
    assert 'declare float @"__nv_powf"(float' in text
    assert "__nv_sin\"" not in text


def test_bool_params_travel_as_i8():
    k = one("  out[0] = select(p, 1u32, 2u32)", "  param p: bool\n  buffer out: u32[] write")
    text = str(nvptx_ir(k))
    assert 'i8 %"p"' in text and "icmp ne i8" in text


def test_generated_ir_parses_and_verifies():
    for t in ("i32", "u32", "i64", "u64", "f32", "f64"):
        expr = "a[i] % b[i]" if t[0] != "f" else "a[i] / b[i]"
        target.parse(ir_of(expr, t))  # raises LoweringError when LLVM rejects it


def test_optimised_ir_keeps_only_the_kernel_external():
    text = llvm_ir(one("  let i = gid.x\n  out[i] = exp(a[i])", IO.format(t="f64", r="f64")))
    defines = [ln for ln in text.splitlines() if ln.startswith("define")]
    assert len([d for d in defines if "internal" not in d]) == 1
    assert 'ptx_kernel void @k(' in text or 'ptx_kernel void @"k"(' in text


def test_unknown_arch_is_a_lowering_error_with_a_fix():
    k = one("  let i = gid.x", "  buffer out: u32[] write")
    with pytest.raises(LoweringError) as e:
        llvm_ir(k, arch="sm_9000")
    assert "sm_9000" in str(e.value) and "Fix:" in str(e.value) and e.value.code == "V512"


def test_arch_spellings_normalise():
    assert target.normalize_arch("90") == "sm_90"
    assert target.normalize_arch("compute_80") == "sm_80"
    assert target.normalize_arch("8.6") == "sm_86"
    assert target.normalize_arch(None) == "sm_90"


def test_opt_level_out_of_range_is_rejected():
    k = one("  let i = gid.x", "  buffer out: u32[] write")
    with pytest.raises(LoweringError, match="opt_level"):
        llvm_ir(k, opt_level=7)


def test_unlowerable_nodes_are_named_in_a_lowering_error():
    from dataclasses import dataclass

    from vyre.ir import nodes as n
    from vyre.lower.nvptx import NvptxHooks

    @dataclass(frozen=True)
    class Mystery(n.Node):
        pass

    k = one("  out[gid.x] = 1", "  buffer out: u32[] write")
    bad_expr = n.Kernel(k.name, k.workgroup, k.decls, (n.Store("out", n.Lit(0, None), Mystery()),))
    with pytest.raises(LoweringError, match="Mystery") as e:
        nvptx_ir(bad_expr)
    assert e.value.code == "V514" and "Fix:" in str(e.value)
    bad_stmt = n.Kernel(k.name, k.workgroup, k.decls, (Mystery(),))
    with pytest.raises(LoweringError, match="Mystery"):
        from vyre.lower.kernel import build_module

        build_module(bad_stmt, NvptxHooks())


def test_unresolved_mixed_types_are_a_lowering_error_not_a_crash():
    from vyre.ir import nodes as n
    from vyre.ir.ops import BinOp, ScalarType

    k = one("  out[gid.x] = 1", "  buffer out: u64[] write")
    mixed = n.Binary(BinOp.ADD, n.Lit(1, ScalarType.U64), n.Lit(2, None))
    bad = n.Kernel(k.name, k.workgroup, k.decls, (n.Store("out", n.Lit(0, None), mixed),))
    with pytest.raises(LoweringError, match="different types"):
        nvptx_ir(bad)


def test_default_arch_without_a_gpu_and_with_one(monkeypatch):
    import vyre.lower as lower
    from vyre.lower import device

    monkeypatch.setattr(device, "present_arch", lambda: None)
    assert lower.default_arch() == "sm_90"
    monkeypatch.setattr(device, "present_arch", lambda: "sm_80")
    assert lower.default_arch() == "sm_80"
    monkeypatch.setattr(device, "present_arch", lambda: "sm_999")  # newer than the table
    assert lower.default_arch() == "sm_90"


def test_present_arch_never_raises():
    from vyre.lower.device import present_arch

    found = present_arch()
    assert found is None or found.startswith("sm_")


def test_entry_name_is_the_kernel_name():
    from vyre.lower import entry_name

    k = one("  let i = gid.x", "  buffer out: u32[] write")
    assert entry_name(k) == "k"
