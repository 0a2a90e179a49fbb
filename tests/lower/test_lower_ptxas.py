"""ptxas assembles what the lowering emits: examples, edge cases and math kernels."""

from __future__ import annotations

from pathlib import Path

import pytest
from lower_support import kernel, one, require_ptxas

from vyre.errors import LoweringError
from vyre.ir.parse import load
from vyre.ir.validate import validate
from vyre.lower import libdevice, ptx, ptxas

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.vir"))

EDGE_CASES = {
    "int_ops": ("""
  buffer a: i64[] read
  buffer b: i64[] read
  buffer out: i64[] write
""", """
  let i = gid.x
  let x = a[i]
  let y = b[i]
  out[i] = x / y + x % y + (x << y) + (x >> y) + mul_hi(x, y) + rotl(x, y) + clz(x) + ctz(y)
  out[i + 1] = popcount(x) + reverse_bits(y) + abs(x) + sign(y) + min(x, y) + clamp(x, -5, 5)
"""),
    "uint_ops": ("""
  buffer a: u32[] read
  buffer out: u64[] write
""", """
  let i = gid.x
  let x = a[i]
  out[i] = u64(x / (x & 3)) + u64(x % 7) + mul_hi(u64(x), 12345678901u64) + u64(rotr(x, 40))
"""),
    "float_ops": ("""
  buffer a: f32[] read
  buffer d: f64[] read
  buffer out: i32[] write
  buffer fo: f32[] write
""", """
  let i = gid.x
  let x = a[i]
  out[i] = i32(x) + bitcast<i32>(x) + i32(u64(d[i])) + select(is_nan(x), 1, 0)
  fo[i] = min(x, 1.0) + max(x, -1.0) + clamp(x, 0.0, 1.0) + fract(x) + round(x) + sign(x) + copysign(x, -1.0) + fma(x, x, x) + f32(d[i]) + x % 2.0
"""),
    "control": ("""
  buffer out: u32[] read_write
  param n: i32
""", """
  var acc: u32 = 0
  for k in 0..n step 3 {
    if k == 7 {
      continue
    }
    acc += u32(k)
  }
  for j in 4294967290u32..4294967295u32 step 2 {
    acc ^= j
  }
  while acc > 100 {
    acc = acc / 2
    if acc == 51 {
      break
    }
  }
  if acc == 0 {
    return
  }
  out[gid.x] = acc
"""),
    "atomics": ("""
  buffer g: u64[] read_write
  buffer h: i32[8] read_write host
  buffer f: f64[] read_write
  shared s: u32[16]
""", """
  let i = gid.x
  let o = atomic_add(g[i], 1u64, seq_cst)
  atomic_min(h[0], -3, acquire)
  atomic_xor(s[i % 16], 5, release)
  let c = atomic_compare_exchange(h[1], 0, 1, seq_cst)
  atomic_add(f[0], 0.5)
  atomic_sub(f[1], 0.25, acq_rel)
  atomic_store(f[2], 1.0)
  let l = atomic_load(g[0], seq_cst)
  fence(release, system)
  barrier()
  g[i] = o + l + u64(c) + u64(s[0])
"""),
}


def _assemble(text: str) -> None:
    ptxas.assemble(text, "sm_90")


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_case_kernels_assemble(name):
    require_ptxas()
    decls, body = EDGE_CASES[name]
    _assemble(ptx(one(body, decls)))


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_transcendental_kernels_assemble(t):
    require_ptxas()
    try:
        libdevice.find()
    except LoweringError:
        pytest.skip("libdevice is not installed")
    fns = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "exp2", "expm1",
           "log", "log2", "log10", "log1p", "rsqrt", "cbrt"]
    terms = [f"{f}(x)" for f in fns] + ["atan2(x, y)", "pow(x, y)", "hypot(x, y)", "x % y"]
    k = one(f"  let x = a[gid.x]\n  let y = a[gid.x + 1]\n  out[gid.x] = {' + '.join(terms)}",
            f"  buffer a: {t}[] read\n  buffer out: {t}[] write")
    _assemble(ptx(k))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_assemble(path):
    require_ptxas()
    module = load(path)
    validate(module)
    from vyre.ir.infer import resolve

    for k in module.kernels:
        _assemble(ptx(resolve(k)))


def test_there_are_examples_to_check():
    assert EXAMPLES, "examples/*.vir is empty"


def test_ptxas_errors_are_lowering_errors():
    require_ptxas()
    with pytest.raises(LoweringError) as e:
        ptxas.assemble(".version 7.8\n.target sm_90\n.address_size 64\n.visible .entry k() { bogus; }\n", "sm_90")
    assert e.value.code == "V516" and "ptxas" in e.value.message


def test_saxpy_assembles_for_several_architectures():
    require_ptxas()
    k = kernel("""vir0
kernel saxpy workgroup(256) {
  param a: f32
  buffer x: f32[] read
  buffer y: f32[] read_write
  let i = gid.x
  if i < len(y) {
    y[i] = a * x[i] + y[i]
  }
}
""")
    for arch in ("sm_75", "sm_80", "sm_89", "sm_90", "sm_90a", "sm_100", "sm_120"):
        ptxas.assemble(ptx(k, arch=arch), arch)


def test_every_supported_architecture_assembles_with_ptx_isa_at_most_9_0():
    require_ptxas()
    from vyre.lower import supported_archs
    from vyre.lower.target import ptx_version

    k = kernel((Path(__file__).resolve().parents[2] / "examples" / "dot.vir").read_text())
    for arch in supported_archs():
        text = ptx(k, arch=arch)
        version = ptx_version(arch)
        assert version <= 90  # what CUDA 13.0 drivers accept
        assert f".version {version // 10}.{version % 10}" in text and f".target {arch}" in text
        ptxas.assemble(text, arch)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_every_opt_level_assembles(level):
    require_ptxas()
    k = kernel((Path(__file__).resolve().parents[2] / "examples" / "prefix_sum.vir").read_text())
    text = ptx(k, opt_level=level)
    assert "bar.sync" in text or "barrier.sync" in text
    ptxas.assemble(text, "sm_90")
