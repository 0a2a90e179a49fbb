"""`vyre compile --emit wire|fingerprint|ir|ptx|llvm`."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest
from cli_support import ILL_TYPED, SAXPY, TWO_KERNELS, no_traceback, vyre_env

import vyre
from vyre.ir.infer import resolve
from vyre.ir.parse import parse
from vyre.ir.validate import validate
from vyre.ir.wire import decode


def test_wire_to_file_decodes_to_the_program(vyre_cli, write, tmp_path):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("compile", "saxpy.vir", "--emit", "wire", "-o", "out/saxpy.vwire")
    assert result.returncode == 0, result.stderr
    data = (tmp_path / "out" / "saxpy.vwire").read_bytes()
    assert decode(data) == parse(SAXPY)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["saxpy.vwire"]  # no temp files


def test_wire_to_a_pipe_is_the_same_bytes(vyre_cli, write, tmp_path):
    write("saxpy.vir", SAXPY)
    vyre_cli("compile", "saxpy.vir", "--emit", "wire", "-o", "saxpy.vwire")
    piped = vyre_cli("compile", "saxpy.vir", "--emit", "wire", text=False)
    assert piped.returncode == 0
    assert piped.stdout == (tmp_path / "saxpy.vwire").read_bytes()


def test_wire_refuses_a_terminal(write, tmp_path):
    write("saxpy.vir", SAXPY)
    try:
        leader, follower = pty.openpty()
    except OSError as exc:  # a sandbox without pseudo-terminals
        pytest.skip(f"no pseudo-terminal here: {exc}")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "vyre", "compile", "saxpy.vir", "--emit", "wire"],
            cwd=tmp_path, env=vyre_env(), stdout=follower, stderr=subprocess.PIPE,
            text=True, timeout=60,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert result.returncode == 2
    assert "error[V704]" in result.stderr
    assert "-o" in result.stderr


def test_wire_of_one_kernel(vyre_cli, write, tmp_path):
    write("two.vir", TWO_KERNELS)
    result = vyre_cli("compile", "two.vir", "--emit", "wire", "--kernel", "negate", "-o", "n.vw")
    assert result.returncode == 0, result.stderr
    module = decode((tmp_path / "n.vw").read_bytes())
    assert [k.name for k in module.kernels] == ["negate"]


def test_fingerprint_ignores_layout_and_comments(vyre_cli, write):
    write("saxpy.vir", SAXPY)
    write("spaced.vir", SAXPY.replace("# updated in place", "").replace("  let", "      let"))
    write("other.vir", SAXPY.replace("a * x[i]", "a * a * x[i]"))
    first = vyre_cli("compile", "saxpy.vir", "--emit", "fingerprint")
    assert first.returncode == 0, first.stderr
    assert re.fullmatch(r"[0-9a-f]{64}\n", first.stdout)
    assert first.stdout.strip() == vyre.fingerprint(parse(SAXPY))
    assert vyre_cli("compile", "spaced.vir", "--emit", "fingerprint").stdout == first.stdout
    assert vyre_cli("compile", "other.vir", "--emit", "fingerprint").stdout != first.stdout


def test_fingerprint_per_kernel_differs(vyre_cli, write):
    write("two.vir", TWO_KERNELS)
    double = vyre_cli("compile", "two.vir", "--emit", "fingerprint", "--kernel", "double").stdout
    negate = vyre_cli("compile", "two.vir", "--emit", "fingerprint", "--kernel", "negate").stdout
    assert double and negate and double != negate
    assert negate.strip() == vyre.fingerprint(parse(TWO_KERNELS).kernel("negate"))


def test_ir_is_the_typed_program_and_parses_again(vyre_cli, write):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("compile", "saxpy.vir", "--emit", "ir")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("vir0")
    assert "#" not in result.stdout  # comments are not part of the program
    module = parse(result.stdout)
    validate(module)
    kernel = module.kernel()
    assert resolve(kernel) == kernel  # already fully typed
    assert kernel == resolve(parse(SAXPY).kernel())


def test_ir_of_all_kernels(vyre_cli, write):
    write("two.vir", TWO_KERNELS)
    out = vyre_cli("compile", "two.vir", "--emit", "ir").stdout
    assert [k.name for k in parse(out).kernels] == ["double", "negate"]


def test_ptx(vyre_cli, write):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("compile", "saxpy.vir", "--emit", "ptx")
    assert result.returncode == 0, result.stderr
    assert ".version" in result.stdout
    assert re.search(r"\.target sm_\d+", result.stdout)
    assert re.search(r"\.entry\s+saxpy", result.stdout)


def test_ptx_for_another_arch_to_file(vyre_cli, write, tmp_path):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("compile", "saxpy.vir", "--emit", "ptx", "--arch", "sm_90", "-o", "s.ptx")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert ".target sm_90" in (tmp_path / "s.ptx").read_text()


def test_llvm(vyre_cli, write):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("compile", "saxpy.vir", "--emit", "llvm")
    assert result.returncode == 0, result.stderr
    assert "nvptx" in result.stdout
    assert re.search(r"define .*saxpy", result.stdout)


@pytest.mark.parametrize("emit", ["ptx", "llvm"])
def test_several_kernels_need_kernel(vyre_cli, write, emit):
    write("two.vir", TWO_KERNELS)
    result = vyre_cli("compile", "two.vir", "--emit", emit)
    assert result.returncode == 1
    assert "error[V290]" in result.stderr
    assert "--kernel" in result.stderr
    chosen = vyre_cli("compile", "two.vir", "--emit", emit, "--kernel", "negate")
    assert chosen.returncode == 0, chosen.stderr
    assert "negate" in chosen.stdout


def test_invalid_program_is_not_compiled(vyre_cli, write, tmp_path):
    write("bad.vir", ILL_TYPED)
    result = vyre_cli("compile", "bad.vir", "--emit", "ptx", "-o", "bad.ptx")
    assert result.returncode == 1
    no_traceback(result)
    assert "bad.vir:7:" in result.stderr
    assert not (tmp_path / "bad.ptx").exists()


def test_bad_arch_is_a_usage_error(vyre_cli, write):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("compile", "saxpy.vir", "--emit", "ptx", "--arch", "volta")
    assert result.returncode == 2
    assert "sm_" in result.stderr
    no_traceback(result)


def test_unknown_emit_is_a_usage_error(vyre_cli, write):
    write("saxpy.vir", SAXPY)
    result = vyre_cli("compile", "saxpy.vir", "--emit", "sass")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_ir_of_one_kernel_from_stdin(vyre_cli):
    result = vyre_cli("compile", "-", "--emit", "ir", "--kernel", "negate", stdin=TWO_KERNELS)
    assert result.returncode == 0, result.stderr
    assert [k.name for k in parse(result.stdout).kernels] == ["negate"]
