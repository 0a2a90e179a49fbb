"""Specific PTX instructions: rounding, barriers, atomic scopes, fences, polling loads."""

from __future__ import annotations

import re

from lower_support import one

from vyre.lower import ptx

IO = """
  buffer a: {t}[] read
  buffer b: {t}[] read
  buffer out: {r}[] write
"""


def ptx_of(body: str, decls: str, arch: str | None = "sm_90") -> str:
    return ptx(one(body, decls), arch=arch)


def expr_ptx(expr: str, t: str = "f32", r: str | None = None) -> str:
    return ptx_of(f"  let i = gid.x\n  out[i] = {expr}", IO.format(t=t, r=r or t))


def code_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.startswith("\t") and not ln.strip().startswith("//")]


def test_header_targets_sm_90_with_ptx_7_8():
    text = expr_ptx("a[i] + b[i]")
    assert ".version 7.8" in text and ".target sm_90" in text and ".address_size 64" in text
    assert ".visible .entry k(" in text


def test_float_division_and_sqrt_are_correctly_rounded_and_never_flush():
    for t in ("f32", "f64"):
        text = expr_ptx("sqrt(a[i]) / b[i] + a[i] * b[i]", t)
        assert f"sqrt.rn.{t}" in text
        assert f"div.rn.{t}" in text
        assert f"mul.rn.{t}" in text  # .rn: never contracted into an fma
        assert ".ftz" not in text
        assert "approx" not in text


def test_integer_division_is_guarded_in_ptx():
    text = expr_ptx("a[i] / b[i]", "i32")
    assert "div.s32" in text
    assert "selp" in text or "setp.eq" in text


def test_barrier_is_bar_sync_0():
    text = ptx_of("  shared s: u32[64]\n  s[lid.x] = gid.x\n  barrier()\n  out[gid.x] = s[63 - lid.x]",
                  "  buffer out: u32[] write")
    assert re.search(r"\bbar\.sync\s+0;", text) or re.search(r"\bbarrier\.sync\s+0;", text)


def test_shared_arrays_are_zeroed_then_synchronised():
    text = ptx_of("  out[gid.x] = s[lid.x]", "  shared s: f32[300]\n  buffer out: f32[] write")
    assert ".shared .align 16 .b8 k_s[1200];" in text or re.search(r"\.shared .*\[1200\]", text)
    lines = code_lines(text)
    store = next(i for i, ln in enumerate(lines) if ln.startswith("st.shared"))
    bar = next(i for i, ln in enumerate(lines) if "bar.sync" in ln or "barrier.sync" in ln)
    load = next(i for i, ln in enumerate(lines) if ln.startswith("ld.shared"))
    assert store < bar < load


ATOMICS = """
  buffer g: u32[] read_write
  buffer h: u32[4] read_write host
  buffer f: f32[] read_write
  shared s: i32[4]
"""


def atomics_ptx(stmt: str) -> list[str]:
    return [ln for ln in code_lines(ptx_of(stmt, ATOMICS)) if "atom" in ln or "fence" in ln]


def test_atomic_scope_follows_placement():
    assert any(ln.startswith("atom.relaxed.gpu.global.add.u32") for ln in atomics_ptx("  atomic_add(g[0], 1)"))
    assert any(ln.startswith("atom.relaxed.sys.global.add.u32") for ln in atomics_ptx("  atomic_add(h[0], 1)"))
    assert any(ln.startswith("atom.relaxed.cta.shared.add.u32") or ln.startswith("atom.relaxed.cta.shared.add.s32")
               for ln in atomics_ptx("  atomic_add(s[0], 1)"))


def test_atomic_orderings():
    assert any(ln.startswith("atom.acq_rel.gpu.global.add") for ln in atomics_ptx("  atomic_add(g[0], 1, acq_rel)"))
    assert any(ln.startswith("atom.acquire.sys.global.or.b32") for ln in atomics_ptx("  atomic_or(h[0], 1, acquire)"))
    assert any(ln.startswith("atom.release.cta.shared.max.s32") for ln in atomics_ptx("  atomic_max(s[0], 3, release)"))
    seq = atomics_ptx("  atomic_exchange(f[0], 2.0, seq_cst)")
    fence = next(i for i, ln in enumerate(seq) if ln.startswith("fence.sc.gpu"))
    assert seq[fence + 1].startswith("atom.acquire.gpu.global.exch.b32")


def test_float_atomic_add_and_sub():
    lines = atomics_ptx("  atomic_add(f[0], 1.5)\n  atomic_sub(f[1], 2.0)")
    assert sum(ln.startswith("atom.relaxed.gpu.global.add.f32") for ln in lines) == 2


def test_compare_exchange_and_load_scopes():
    lines = atomics_ptx("  let o = atomic_compare_exchange(h[0], 1, 2, acq_rel)\n  g[0] = o")
    assert any(ln.startswith("atom.acq_rel.sys.global.cas.b32") for ln in lines)
    text = ptx_of("  let v = atomic_load(s[1], acquire)\n  g[0] = u32(v)", ATOMICS)
    assert "ld.acquire.cta.shared" in text


def test_fences_have_the_requested_order_and_scope():
    lines = atomics_ptx("  fence(acq_rel, workgroup)\n  fence()\n  fence(seq_cst, system)")
    assert lines == ["fence.acq_rel.cta;", "fence.sc.gpu;", "fence.sc.sys;"]


def test_polling_loop_on_host_mapped_buffer_keeps_its_load_after_o3():
    text = ptx_of("  loop {\n    if flag[0] != 0 {\n      break\n    }\n  }\n  out[0] = 1",
                  "  buffer flag: u32[1] read_write host\n  buffer out: u32[1] write")
    lines = code_lines(text)
    labels = [i for i, ln in enumerate(text.splitlines()) if re.match(r"^\$L__BB\d+_\d+:", ln)]
    assert labels, "the loop was optimised away"
    all_lines = text.splitlines()
    # the load is inside the loop: between a label and the branch back to it
    for i in labels:
        label = all_lines[i].rstrip(":")
        back = [j for j in range(i + 1, len(all_lines)) if re.search(rf"bra(\.uni)?\s+{re.escape(label)};", all_lines[j])]
        if back and any("ld.relaxed.sys.global" in ln for ln in all_lines[i:back[-1]]):
            break
    else:
        raise AssertionError("no ld.relaxed.sys load inside the polling loop:\n" + "\n".join(lines))


def test_host_mapped_stores_are_system_scope():
    text = ptx_of("  out[0] = 7", "  buffer out: u32[1] read_write host")
    assert "st.relaxed.sys.global" in text


def test_other_architectures():
    text = expr_ptx("a[i] + b[i]")
    assert ".target sm_90" in text
    t80 = ptx(one("  out[gid.x] = a[gid.x]", IO.format(t="f32", r="f32")), arch="sm_80")
    assert ".target sm_80" in t80 and ".version 7.0" in t80
    t100 = ptx(one("  out[gid.x] = a[gid.x]", IO.format(t="f32", r="f32")), arch="sm_100a")
    assert ".target sm_100a" in t100


def test_entry_requires_the_workgroup_size():
    text = ptx_of("  out[gid.x] = 1", "  buffer out: u32[] write")
    assert ".reqntid 64, 1, 1" in text
    from lower_support import kernel

    k = kernel("vir0\nkernel k workgroup(8, 4, 2) {\n  buffer out: u32[] write\n  out[gid.x] = 1\n}\n")
    assert ".reqntid 8, 4, 2" in ptx(k)
