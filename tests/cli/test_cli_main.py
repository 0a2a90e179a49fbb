"""The `vyre` entry point: version, help, exit codes, internal errors, the installed script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cli_support import SAXPY, no_traceback, vyre_env

import vyre
from vyre import cli
from vyre.cli import check as check_command
from vyre.errors import ValidationError

REPO = Path(__file__).resolve().parents[2]


def test_version_prints_package_version(vyre_cli):
    result = vyre_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"vyre {vyre.__version__}"


def test_help_lists_commands_and_exit_codes(vyre_cli):
    result = vyre_cli("--help")
    assert result.returncode == 0
    for command in ("check", "fmt", "compile", "run", "cache"):
        assert command in result.stdout
    assert "exit codes" in result.stdout
    assert "internal error" in result.stdout


@pytest.mark.parametrize("command", ["check", "fmt", "compile", "run", "cache"])
def test_each_command_has_help(vyre_main, command):
    result = vyre_main(command, "--help")
    assert result.returncode == 0
    assert f"usage: vyre {command}" in result.stdout


def test_no_command_is_a_usage_error(vyre_cli):
    result = vyre_cli()
    assert result.returncode == 2
    assert "usage: vyre" in result.stderr


def test_unknown_option_is_a_usage_error(vyre_cli):
    result = vyre_cli("check", "--frobnicate", "x.vir")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr
    no_traceback(result)


def test_main_returns_exit_code_instead_of_exiting(capsys):
    assert cli.main(["--version"]) == 0
    assert vyre.__version__ in capsys.readouterr().out
    assert cli.main(["run"]) == 2


def _broken_check(exc: BaseException):
    def run(args):
        raise exc

    return run


def test_internal_error_is_one_paragraph_without_traceback(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("VYRE_DEBUG", raising=False)
    monkeypatch.setattr(check_command, "run", _broken_check(RuntimeError("boom in the validator")))
    assert cli.main(["check", str(tmp_path / "x.vir")]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom in the validator" in err
    assert "Fix:" in err
    assert "Traceback" not in err


def test_internal_error_shows_traceback_with_vyre_debug(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("VYRE_DEBUG", "1")
    monkeypatch.setattr(check_command, "run", _broken_check(RuntimeError("boom")))
    assert cli.main(["check", str(tmp_path / "x.vir")]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_vyre_error_exits_1_and_renders_fix(monkeypatch, capsys, tmp_path):
    err = ValidationError("the kernel is sad", code="V299", fix="cheer it up")
    monkeypatch.setattr(check_command, "run", _broken_check(err))
    assert cli.main(["check", str(tmp_path / "x.vir")]) == 1
    out = capsys.readouterr().err
    assert "error[V299]: the kernel is sad" in out
    assert "Fix: cheer it up" in out


def test_keyboard_interrupt_exits_130_quietly(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(check_command, "run", _broken_check(KeyboardInterrupt()))
    assert cli.main(["check", str(tmp_path / "x.vir")]) == 130
    assert capsys.readouterr().err == ""


def test_out_of_memory_is_a_plain_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(check_command, "run", _broken_check(MemoryError()))
    assert cli.main(["check", str(tmp_path / "x.vir")]) == 1
    err = capsys.readouterr().err
    assert "out of memory" in err
    assert "Fix:" in err


def test_python_dash_m_vyre_runs_the_cli(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "vyre", "--version"],
        cwd=tmp_path, env=vyre_env(), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("vyre ")


def _installed_script() -> Path | None:
    # The console script lives beside the interpreter of the environment vyre is installed in.
    script = Path(sys.executable).parent / "vyre"
    return script if script.exists() else None


@pytest.mark.skipif(_installed_script() is None, reason="vyre is not pip-installed here")
def test_installed_console_script(tmp_path):
    result = subprocess.run(
        [str(_installed_script()), "--version"],
        cwd=tmp_path, env=vyre_env(), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"vyre {vyre.__version__}"


def test_wheel_ships_the_grammar_and_works_on_its_own(tmp_path):
    """A non-editable install must carry vir0.lark (pyproject's force-include) and use it."""
    wheel = _build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "vyre/_grammar/vir0.lark" in names
        assert archive.read("vyre/_grammar/vir0.lark") == (REPO / "grammar" / "vir0.lark").read_bytes()
        assert "vyre/cli/__init__.py" in names
        site = tmp_path / "site"
        archive.extractall(site)  # a pure-Python wheel installs by unpacking
    probe = (
        "import sys, vyre\n"
        f"assert vyre.__file__.startswith({str(site)!r}), vyre.__file__\n"
        "module = vyre.parse(sys.stdin.read())\n"
        "print(module.kernels[0].name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-P", "-c", probe], input=SAXPY, cwd=tmp_path,
        env={**vyre_env(), "PYTHONPATH": str(site)}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "saxpy"


def _build_wheel(out: Path) -> Path:
    """Build vyre's wheel: in-process with hatchling when present, else through pip."""
    try:
        from hatchling.builders.wheel import WheelBuilder
    except ImportError:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
            check=True, capture_output=True, timeout=300,
        )
        (wheel,) = out.glob("vyre-*.whl")
        return wheel
    return Path(next(iter(WheelBuilder(str(REPO)).build(directory=str(out), versions=["standard"]))))
