"""The Python API end to end on cpu_ref: vyre.parse / vyre.load / vyre.compile / calling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import vyre
from vyre.errors import (
    ArgumentError,
    BackendError,
    ValidationError,
    VyreError,
    VyreSyntaxError,
)
from vyre.ir.nodes import (
    Binary,
    Buffer,
    If,
    Kernel,
    Len,
    Let,
    Lit,
    Load,
    Module,
    Ref,
    Store,
    ThreadId,
)
from vyre.ir.ops import Access, BinOp, IdKind, ScalarType
from vyre.runtime.pipeline_cache import PipelineCache

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

SCALE = """vir0
# two kernels in one module
kernel scale workgroup(64) {
  param k: f32
  buffer x: f32[] read
  buffer y: f32[] write
  let i = gid.x
  if i < len(x) { y[i] = k * x[i] }
}

kernel negate workgroup(32) {
  buffer v: i32[] read_write
  let i = gid.x
  if i < len(v) { v[i] = -v[i] }
}
"""


def test_parse_compile_call() -> None:
    module = vyre.parse(SCALE, file="scale.vir")
    assert [k.name for k in module.kernels] == ["scale", "negate"]
    exe = vyre.compile(module, backend="cpu_ref", kernel="scale", cache=None)
    x = np.arange(100, dtype=np.float32)
    out = exe(k=1.5, x=x, y=np.zeros(100, np.float32))
    assert set(out) == {"y"}
    assert out["y"].tobytes() == (np.float32(1.5) * x).tobytes()
    neg = vyre.compile(module, backend="cpu_ref", kernel="negate", cache=None)
    v = np.array([1, -2, 2**31 - 1, -(2**31)], np.int32)
    assert neg(v=v)["v"].tolist() == [-1, 2, -(2**31) + 1, -(2**31)]
    assert v.tolist() == [1, -2, 2**31 - 1, -(2**31)]  # inputs are never modified


def test_compile_accepts_text_and_kernels() -> None:
    exe = vyre.compile(SCALE.replace("kernel negate", "kernel other"), backend="cpu_ref",
                       kernel="other", cache=None)
    assert exe(v=np.array([5], np.int32))["v"].tolist() == [-5]
    kernel = vyre.parse(SCALE).kernel("negate")
    assert vyre.compile(kernel, backend="cpu_ref", cache=None).kernel.name == "negate"


def test_kernel_built_in_python_with_unsuffixed_literals() -> None:
    u32 = ScalarType.U32
    k = Kernel(
        "add_one", (16,),
        (Buffer("data", u32, None, Access.READ_WRITE),),
        (Let("i", None, ThreadId(IdKind.GID, 0)),
         If(Binary(BinOp.LT, Ref("i"), Len("data")),
            (Store("data", Ref("i"), Binary(BinOp.ADD, Load("data", Ref("i")), Lit(1))),))),
    )
    data = np.array([0, 1, 2**32 - 1], np.uint32)
    out = vyre.compile(k, backend="cpu_ref", cache=None)(data=data)
    assert out["data"].tolist() == [1, 2, 0]


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "k.vir"
    path.write_text(SCALE)
    module = vyre.load(path)
    assert module == vyre.parse(SCALE)
    saxpy = vyre.compile(vyre.load(EXAMPLES / "saxpy.vir"), backend="cpu_ref", cache=None)
    x = np.ones(10, np.float32)
    assert saxpy(a=3.0, x=x, y=x)["y"].tolist() == [4.0] * 10


def test_several_kernels_need_a_name() -> None:
    with pytest.raises(ValidationError) as info:
        vyre.compile(SCALE, backend="cpu_ref", cache=None)
    assert info.value.code == "V290" and "scale" in str(info.value)
    with pytest.raises(ValidationError):
        vyre.compile(SCALE, backend="cpu_ref", kernel="nope", cache=None)


def test_errors_are_vyre_errors_with_fixes() -> None:
    with pytest.raises(VyreSyntaxError) as syntax:
        vyre.parse("vir0\nkernel k workgroup(1) {\n  let = 3\n}\n", file="bad.vir")
    assert syntax.value.span is not None and syntax.value.span.line == 3
    assert "bad.vir:3" in str(syntax.value) and "Fix:" in str(syntax.value)
    bad_types = "vir0\nkernel k workgroup(1) {\n  buffer o: u32[1] write\n  o[0] = 1.5\n}\n"
    with pytest.raises(ValidationError) as invalid:
        vyre.compile(bad_types, backend="cpu_ref", cache=None)
    assert invalid.value.code.startswith("V2")
    with pytest.raises(BackendError) as backend:
        vyre.compile(SCALE, backend="no_such_backend", kernel="scale", cache=None)
    assert backend.value.code == "V502"
    exe = vyre.compile(SCALE, backend="cpu_ref", kernel="scale", cache=None)
    with pytest.raises(ArgumentError) as args:
        exe(k=1.0, x=np.zeros(3, np.float64), y=np.zeros(3, np.float32))
    assert args.value.code == "V404"
    for err in (syntax.value, invalid.value, backend.value, args.value):
        assert isinstance(err, VyreError) and err.fix


def test_compile_through_a_cache_directory(tmp_path: Path) -> None:
    cache = PipelineCache(tmp_path / "cache")
    x = np.linspace(-1, 1, 77, dtype=np.float32)
    results = []
    for _ in range(2):
        exe = vyre.compile(SCALE, backend="cpu_ref", kernel="scale", cache=cache)
        results.append(exe(k=-2.0, x=x, y=np.zeros(77, np.float32))["y"])
    assert cache.stats().hits >= 1
    assert results[0].tobytes() == results[1].tobytes() == (np.float32(-2) * x).tobytes()
    # a second, fresh cache on the same directory loads the artifact from disk
    again = vyre.compile(SCALE, backend="cpu_ref", kernel="scale",
                         cache=PipelineCache(tmp_path / "cache"))
    assert again(k=-2.0, x=x, y=np.zeros(77, np.float32))["y"].tobytes() == results[0].tobytes()


def test_repeated_calls_are_independent() -> None:
    exe = vyre.compile(vyre.load(EXAMPLES / "histogram.vir"), backend="cpu_ref", cache=None)
    data = np.arange(1000, dtype=np.uint32)
    first = exe(data=data, bins=np.zeros(256, np.uint32))["bins"]
    second = exe(data=data, bins=np.zeros(256, np.uint32))["bins"]
    assert first is not second
    assert first.tolist() == second.tolist() == np.bincount(data & 255, minlength=256).tolist()


def test_omitted_static_write_buffer_starts_zeroed_and_grid_is_explicit() -> None:
    src = """vir0
kernel fill workgroup(4) {
  buffer out: u32[16] write
  if gid.x % 2 == 1 { out[gid.x] = gid.x }
}
"""
    exe = vyre.compile(src, backend="cpu_ref", cache=None)
    assert exe()["out"].tolist() == [i if i % 2 else 0 for i in range(16)]
    assert exe(grid=2)["out"].tolist() == [i if i % 2 and i < 8 else 0 for i in range(16)]


def test_fingerprint_ignores_comments_and_layout() -> None:
    a = vyre.parse(SCALE)
    b = vyre.parse(SCALE.replace("# two kernels in one module\n", "").replace("  let", "    let"))
    assert vyre.fingerprint(a) == vyre.fingerprint(b)
    assert vyre.fingerprint(a) != vyre.fingerprint(vyre.parse(SCALE.replace("-v[i]", "v[i]")))


def test_module_of_one_kernel_round_trips_through_compile() -> None:
    module = Module((vyre.parse(SCALE).kernel("scale"),))
    exe = vyre.compile(module, backend="cpu_ref", cache=None)
    assert exe.kernel.name == "scale"


def test_one_executable_called_from_several_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    src = """vir0
kernel acc workgroup(8) {
  buffer x: u32[] read
  buffer y: u32[] read_write
  let i = gid.x
  if i < len(y) {
    for k in 0..x[i] { y[i] += k }
  }
}
"""
    exe = vyre.compile(src, backend="cpu_ref", cache=None)
    rng = np.random.default_rng(0)
    inputs = [rng.integers(0, 50, 300).astype(np.uint32) for _ in range(8)]

    def call(x: np.ndarray) -> np.ndarray:
        return exe(x=x, y=np.full(300, 1, np.uint32))["y"]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(call, inputs))
    for x, y in zip(inputs, results, strict=True):
        assert y.tolist() == [1 + v * (v - 1) // 2 for v in x.tolist()]


def test_cpu_ref_refuses_dispatches_too_large_to_hold() -> None:
    src = """vir0
kernel big workgroup(1024) {
  buffer out: u32[1] write
  out[0] = 1
}
"""
    exe = vyre.compile(src, backend="cpu_ref", cache=None)
    with pytest.raises(BackendError) as info:
        exe(grid=(2**17 + 1, 1))
    assert info.value.code == "V531" and "invocations" in info.value.message


CONST_SOURCE = """vir0
kernel k workgroup(4) {{
  buffer o: u32[4] write
  o[gid.x] = {value}u32 + gid.x
}}
"""


def test_compiling_the_same_program_again_is_a_memory_hit(tmp_path: Path) -> None:
    cache = PipelineCache(tmp_path)
    module = vyre.parse(CONST_SOURCE.format(value=5))
    first = vyre.compile(module, backend="cpu_ref", cache=cache)
    assert vyre.compile(module, backend="cpu_ref", cache=cache) is first
    assert vyre.compile(CONST_SOURCE.format(value=5), backend="cpu_ref", cache=cache) is first
    assert cache.stats().hits >= 2


def test_remembered_checks_never_serve_another_program() -> None:
    # Programs die and new ones may reuse their ids: each must still run its own constant.
    for value in range(40):
        module = vyre.parse(CONST_SOURCE.format(value=value))
        out = vyre.compile(module, backend="cpu_ref", cache=None)(grid=1)
        np.testing.assert_array_equal(out["o"], np.arange(4, dtype=np.uint32) + value)
        del module


def test_an_invalid_program_fails_every_time() -> None:
    bad = vyre.parse("vir0\nkernel k workgroup(1) {\n  buffer o: u32[1] read\n  o[0] = 1\n}\n")
    for _ in range(2):
        with pytest.raises(ValidationError):
            vyre.compile(bad, backend="cpu_ref", cache=None)
