"""`vyre run`: defaults, --in values and .npy files, --out, --grid, --backend, bad inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_support import FILL, ILL_TYPED, SAXPY, TWO_KERNELS, no_traceback

REPO = Path(__file__).resolve().parents[2]


def _pattern(n: int, dtype) -> np.ndarray:
    """The documented default contents of a readable buffer: (i % 7) + 1."""
    return ((np.arange(n) % 7) + 1).astype(dtype)


def test_defaults_are_used_and_printed(vyre_cli, write, tmp_path):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("run", "saxpy.vir", "--backend", "cpu_ref", "--out", "res")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "kernel saxpy on backend cpu_ref: grid (16, 1, 1) (default) x workgroup (64)" in out
    assert "a = 2.0  (f32 param)" in out
    assert "x = (i % 7) + 1  (f32[1024], --size)" in out
    assert "y = (i % 7) + 1  (f32[1024], --size)" in out
    assert "y: f32[1024]  [3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0, 3.0, ...]" in out
    y = np.load(tmp_path / "res" / "y.npy")
    expected = np.float32(2.0) * _pattern(1024, np.float32) + _pattern(1024, np.float32)
    np.testing.assert_array_equal(y, expected)
    assert f"min 3.0  max 21.0  sum {float(expected.sum())}" in out


def test_inputs_from_values_and_npy(vyre_cli, write, tmp_path):
    write("saxpy.vir", SAXPY)
    x = np.linspace(-1, 1, 100, dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    result = vyre_cli(
        "run", "saxpy.vir", "--backend", "cpu_ref",
        "--in", "a=0.5", "--in", "x=x.npy", "--in", "y=1", "--size", "100", "--out", "res",
    )
    assert result.returncode == 0, result.stderr
    assert "defaults used" not in result.stdout
    assert "grid (2, 1, 1)" in result.stdout  # ceil(100 / 64)
    y = np.load(tmp_path / "res" / "y.npy")
    np.testing.assert_array_equal(y, np.float32(0.5) * x + np.float32(1))


def test_size_params_static_buffers_and_write_buffers(vyre_cli, write, tmp_path):
    write("fill.vir", FILL)
    result = vyre_cli("run", "fill.vir", "--backend", "cpu_ref", "--size", "100", "--out", "res")
    assert result.returncode == 0, result.stderr
    assert "n = 100  (u32 param)" in result.stdout
    assert "v = 2  (i32 param)" in result.stdout
    assert "out = zeros  (i32[100], --size)" in result.stdout
    assert "ring = (i % 7) + 1  (u32[16], static size)" in result.stdout
    assert "grid (4, 1, 1) (default)" in result.stdout
    np.testing.assert_array_equal(np.load(tmp_path / "res" / "out.npy"), 2 + np.arange(100))
    np.testing.assert_array_equal(np.load(tmp_path / "res" / "ring.npy"), _pattern(16, np.uint32) * 10)


def test_grid_limits_the_invocations(vyre_cli, write, tmp_path):
    write("fill.vir", FILL)
    result = vyre_cli(
        "run", "fill.vir", "--backend", "cpu_ref", "--size", "100", "--grid", "1", "--out", "res"
    )
    assert result.returncode == 0, result.stderr
    assert "grid (1, 1, 1) x workgroup (32)" in result.stdout
    out = np.load(tmp_path / "res" / "out.npy")
    np.testing.assert_array_equal(out[:32], 2 + np.arange(32))
    assert not out[32:].any()


def test_kernel_choice(vyre_cli, write):
    write("two.vir", TWO_KERNELS)
    ambiguous = vyre_cli("run", "two.vir", "--backend", "cpu_ref")
    assert ambiguous.returncode == 1
    assert "error[V290]" in ambiguous.stderr
    result = vyre_cli("run", "two.vir", "--backend", "cpu_ref", "--kernel", "negate", "--size", "8")
    assert result.returncode == 0, result.stderr
    assert "x: i32[8]  [-1, -2, -3, -4, -5, -6, -7, -1]" in result.stdout


def test_auto_backend_says_which_ran(vyre_cli, write):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("run", "saxpy.vir", "--size", "64")
    assert result.returncode == 0, result.stderr
    assert any(f"on backend {name}:" in result.stdout for name in ("ptx", "host_jit", "cpu_ref"))
    assert "y: f32[64]  [3.0, 6.0," in result.stdout


def test_host_jit_agrees_with_cpu_ref(vyre_cli, write, tmp_path):
    write("fill.vir", FILL)
    ref = vyre_cli("run", "fill.vir", "--backend", "cpu_ref", "--size", "77", "--out", "ref")
    jit = vyre_cli("run", "fill.vir", "--backend", "host_jit", "--size", "77", "--out", "jit")
    assert ref.returncode == 0, ref.stderr
    assert jit.returncode == 0, jit.stderr
    for name in ("out", "ring"):
        np.testing.assert_array_equal(
            np.load(tmp_path / "ref" / f"{name}.npy"), np.load(tmp_path / "jit" / f"{name}.npy")
        )


def test_saxpy_example_runs_out_of_the_box(vyre_cli):
    example = REPO / "examples" / "saxpy.vir"
    result = vyre_cli("run", str(example))
    assert result.returncode == 0, result.stderr
    assert "kernel saxpy on backend" in result.stdout
    assert "defaults used" in result.stdout


# --- bad inputs: clear errors with a Fix:, never a traceback -----------------------------
@pytest.mark.parametrize(
    ("args", "code", "status", "words"),
    [
        (["--in", "z=1"], "V720", 1, "has no param or buffer named 'z'"),
        (["--in", "a"], "V702", 2, "NAME=VALUE"),
        (["--in", "a=two"], "V721", 1, "'two' is not a f32 value"),
        (["--in", "a=1", "--in", "a=2"], "V703", 2, "gives 'a' twice"),
        (["--in", "a=a.npy"], "V723", 1, "a single value"),
        (["--grid", "0"], "V701", 2, "positive integers"),
        (["--grid", "1,2,3,4"], "V701", 2, "1 to 3"),
        (["--grid", "x"], "V701", 2, "but got 'x'"),
        (["--grid", "1,70000"], "V409", 1, "grid dimension y is 70000"),
        (["--in", "x=missing.npy"], "V712", 1, "cannot read 'missing.npy'"),
        (["--in", "x=garbage.npy"], "V712", 1, "not a valid .npy file"),
        (["--in", "x=f64.npy"], "V721", 1, "holds float64 values"),
        (["--in", "x=matrix.npy"], "V722", 1, "shape (4, 4)"),
    ],
)
def test_bad_inputs(vyre_main, write, tmp_path, args, code, status, words):
    write("saxpy.vir", SAXPY)
    (tmp_path / "garbage.npy").write_bytes(b"this is not numpy")
    np.save(tmp_path / "f64.npy", np.ones(8))
    np.save(tmp_path / "matrix.npy", np.ones((4, 4), np.float32))
    result = vyre_main("run", "saxpy.vir", "--backend", "cpu_ref", *args)
    assert result.returncode == status, result.stderr
    no_traceback(result)
    assert f"error[{code}]" in result.stderr
    assert words in result.stderr
    assert "Fix:" in result.stderr
    assert result.stdout == ""  # nothing ran


def test_static_size_mismatch(vyre_main, write, tmp_path):
    write("fill.vir", FILL)
    np.save(tmp_path / "ring.npy", np.ones(5, np.uint32))
    result = vyre_main("run", "fill.vir", "--backend", "cpu_ref", "--in", "ring=ring.npy")
    assert result.returncode == 1
    assert "error[V722]" in result.stderr
    assert "static size of 16" in result.stderr


def test_out_of_range_param(vyre_main, write):
    write("fill.vir", FILL)
    result = vyre_main("run", "fill.vir", "--backend", "cpu_ref", "--in", "n=-1")
    assert result.returncode == 1
    assert "out of range" in result.stderr
    no_traceback(result)


def test_missing_and_invalid_files(vyre_cli, write):
    missing = vyre_cli("run", "nope.vir")
    assert missing.returncode == 1
    assert "error[V710]" in missing.stderr
    directory = vyre_cli("run", str(REPO / "examples"))
    assert directory.returncode == 1
    assert "is a directory, not a VIR0 source file" in directory.stderr
    write("bad.vir", ILL_TYPED)
    invalid = vyre_cli("run", "bad.vir", "--backend", "cpu_ref")
    assert invalid.returncode == 1
    assert "bad.vir:7:" in invalid.stderr
    no_traceback(invalid)


def test_bad_size_and_backend_are_usage_errors(vyre_cli, write):
    write("saxpy.vir", SAXPY)
    assert vyre_cli("run", "saxpy.vir", "--size", "0").returncode == 2
    assert vyre_cli("run", "saxpy.vir", "--backend", "metal").returncode == 2


def test_unwritable_out_dir(vyre_cli, write, tmp_path):
    write("saxpy.vir", SAXPY)
    (tmp_path / "taken").write_text("a file, not a directory")
    result = vyre_cli("run", "saxpy.vir", "--backend", "cpu_ref", "--size", "8", "--out", "taken")
    assert result.returncode == 1
    assert "error[V711]: cannot write" in result.stderr
    no_traceback(result)


REVERSE = """\
vir0
kernel reverse workgroup(8) {
  buffer x: u32[8] read_write
  shared t: u32[8]
  let i = lid.x
  t[i] = x[i]
  barrier()
  x[i] = t[7 - i]
}
"""


def test_auto_moves_on_when_a_backend_cannot_compile_the_kernel(vyre_cli, write):
    write("reverse.vir", REVERSE)
    result = vyre_cli("run", "reverse.vir")
    assert result.returncode == 0, result.stderr
    assert "x: u32[8]  [1, 7, 6, 5, 4, 3, 2, 1]" in result.stdout
    if "on backend cpu_ref" in result.stdout:  # no GPU: host_jit has no barriers
        assert "backend host_jit cannot run this kernel" in result.stderr


def test_a_named_backend_does_not_fall_back(vyre_cli, write):
    write("reverse.vir", REVERSE)
    result = vyre_cli("run", "reverse.vir", "--backend", "host_jit")
    no_traceback(result)
    assert "cpu_ref" not in result.stdout
    if result.returncode == 0:  # a host_jit that runs barriers
        assert "on backend host_jit" in result.stdout
        assert "x: u32[8]  [1, 7, 6, 5, 4, 3, 2, 1]" in result.stdout
    else:
        assert result.returncode == 1
        assert "barrier" in result.stderr
        assert "Fix:" in result.stderr


@pytest.mark.gpu
def test_ptx_agrees_with_cpu_ref(vyre_cli, write, tmp_path):
    write("fill.vir", FILL)
    write("reverse.vir", REVERSE)
    for program in ("fill.vir", "reverse.vir"):
        ref = vyre_cli("run", program, "--backend", "cpu_ref", "--size", "1000", "--out", "ref")
        gpu = vyre_cli("run", program, "--backend", "ptx", "--size", "1000", "--out", "gpu")
        assert ref.returncode == 0, ref.stderr
        assert gpu.returncode == 0, gpu.stderr
        assert "on backend ptx" in gpu.stdout
        for result in (tmp_path / "ref").glob("*.npy"):
            np.testing.assert_array_equal(np.load(result), np.load(tmp_path / "gpu" / result.name))


@pytest.mark.gpu
def test_auto_picks_ptx_on_a_gpu_machine(vyre_cli):
    result = vyre_cli("run", str(REPO / "examples" / "saxpy.vir"))
    assert result.returncode == 0, result.stderr
    assert "kernel saxpy on backend ptx" in result.stdout
    assert "y: f32[1024]  [3.0, 6.0, 9.0," in result.stdout


def test_program_from_stdin(vyre_cli):
    result = vyre_cli("run", "-", "--backend", "cpu_ref", "--size", "4", stdin=SAXPY)
    assert result.returncode == 0, result.stderr
    assert "y: f32[4]  [3.0, 6.0, 9.0, 12.0]" in result.stdout
    broken = vyre_cli("run", "-", "--backend", "cpu_ref", stdin=ILL_TYPED)
    assert broken.returncode == 1
    assert "<stdin>:7:" in broken.stderr


def _ptx_available() -> bool:
    from vyre.backends import registry
    from vyre.errors import BackendUnavailableError

    try:
        registry.get("ptx")
    except BackendUnavailableError:
        return False
    return True


@pytest.mark.skipif(_ptx_available(), reason="this machine has a GPU: ptx can run")
def test_ptx_without_a_gpu_says_why(vyre_cli, write):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("run", "saxpy.vir", "--backend", "ptx")
    assert result.returncode == 1
    assert "backend 'ptx' cannot run here" in result.stderr
    assert "Fix:" in result.stderr
    assert result.stdout == ""
    no_traceback(result)
