"""`vyre fmt`: canonical layout keeping comments; stdout, -i (atomic) and --check."""

from __future__ import annotations

import os

from cli_support import MALFORMED, no_traceback

MESSY = """\
vir0
# a comment that must survive
kernel   scale   workgroup( 64 ) {
    buffer   x : f32[]   read_write    # trailing comment
  let i=gid.x
  if i<len(x){
        x[i]=x[i]*2.0
  }
}
"""


def test_prints_formatted_text_keeping_comments(vyre_cli, write):
    path = write("messy.vir", MESSY)
    result = vyre_cli("fmt", "messy.vir")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out != MESSY
    assert "# a comment that must survive" in out
    assert "# trailing comment" in out
    assert "kernel scale workgroup(64) {" in out
    assert path.read_text() == MESSY  # without -i nothing is written


def test_output_is_a_fixed_point(vyre_cli, write):
    write("messy.vir", MESSY)
    once = vyre_cli("fmt", "messy.vir").stdout
    write("once.vir", once)
    assert vyre_cli("fmt", "once.vir").stdout == once
    assert vyre_cli("fmt", "--check", "once.vir").returncode == 0


def test_in_place_rewrites_only_changed_files(vyre_cli, write, tmp_path):
    messy = write("messy.vir", MESSY)
    expected = vyre_cli("fmt", "messy.vir").stdout
    tidy = write("tidy.vir", expected)
    os.utime(tidy, (1_000_000, 1_000_000))

    result = vyre_cli("fmt", "-i", "messy.vir", "tidy.vir")
    assert result.returncode == 0, result.stderr
    assert messy.read_text() == expected
    assert tidy.stat().st_mtime == 1_000_000  # unchanged files are not rewritten
    assert "reformatted 1 of 2 files" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["messy.vir", "tidy.vir"]


def test_in_place_keeps_file_permissions(vyre_cli, write):
    messy = write("messy.vir", MESSY)
    messy.chmod(0o640)
    assert vyre_cli("fmt", "-i", "messy.vir").returncode == 0
    assert messy.stat().st_mode & 0o777 == 0o640


def test_check_lists_files_that_would_change(vyre_cli, write):
    messy = write("messy.vir", MESSY)
    write("tidy.vir", vyre_cli("fmt", "messy.vir").stdout)
    result = vyre_cli("fmt", "--check", "messy.vir", "tidy.vir")
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["messy.vir"]
    assert "1 of 2 files would be reformatted" in result.stderr
    assert messy.read_text() == MESSY


def test_invalid_input_is_reported_and_left_untouched(vyre_cli, write):
    broken = write("broken.vir", MALFORMED)
    result = vyre_cli("fmt", "-i", "broken.vir")
    assert result.returncode == 1
    no_traceback(result)
    assert "broken.vir:" in result.stderr
    assert "error[V1" in result.stderr
    assert broken.read_text() == MALFORMED


def test_in_place_and_check_are_exclusive(vyre_cli, write):
    write("messy.vir", MESSY)
    result = vyre_cli("fmt", "-i", "--check", "messy.vir")
    assert result.returncode == 2
    assert "not allowed with" in result.stderr


def test_stdin_to_stdout(vyre_cli, write):
    write("messy.vir", MESSY)
    result = vyre_cli("fmt", "-", stdin=MESSY)
    assert result.returncode == 0
    assert result.stdout == vyre_cli("fmt", "messy.vir").stdout
    refused = vyre_cli("fmt", "-i", "-", stdin=MESSY)
    assert refused.returncode == 2
    assert "error[V705]" in refused.stderr


def test_in_place_through_a_symlink_keeps_the_link(vyre_cli, write, tmp_path):
    real = write("real.vir", MESSY)
    link = tmp_path / "link.vir"
    link.symlink_to(real)
    assert vyre_cli("fmt", "-i", "link.vir").returncode == 0
    assert link.is_symlink()
    assert real.read_text() != MESSY
    assert "# a comment that must survive" in real.read_text()


def test_a_directory_means_its_vir_files(vyre_cli, write, tmp_path):
    (tmp_path / "src").mkdir()
    messy = write("src/messy.vir", MESSY)
    result = vyre_cli("fmt", "--check", "src")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [str(messy.relative_to(tmp_path))]
