"""Programs and helpers shared by the command-line tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import vyre

# The directory that holds the `vyre` package this test run imported: the source tree, or
# site-packages after a wheel install. The subprocess must import the same one.
PACKAGE_ROOT = str(Path(vyre.__file__).resolve().parent.parent)

SAXPY = """\
vir0
# y <- a * x + y
kernel saxpy workgroup(64) {
  param a: f32
  buffer x: f32[] read
  buffer y: f32[] read_write   # updated in place

  let i = gid.x
  if i < len(y) {
    y[i] = a * x[i] + y[i]
  }
}
"""

FILL = """\
vir0
kernel fill workgroup(32) {
  param n: u32
  param v: i32
  buffer out: i32[] write
  buffer ring: u32[16] read_write
  let i = gid.x
  if i < n {
    out[i] = v + i32(i)
  }
  if i < len(ring) {
    ring[i] = ring[i] * 10
  }
}
"""

TWO_KERNELS = """\
vir0
kernel double workgroup(64) {
  buffer x: f32[] read_write
  let i = gid.x
  if i < len(x) {
    x[i] = x[i] * 2.0
  }
}

kernel negate workgroup(64) {
  buffer x: i32[] read_write
  let i = gid.x
  if i < len(x) {
    x[i] = -x[i]
  }
}
"""

# `y` is f32 but the stored value is u32: a validation (type) error on line 7.
ILL_TYPED = """\
vir0
kernel bad workgroup(64) {
  buffer x: u32[] read
  buffer y: f32[] write
  let i = gid.x
  if i < len(y) {
    y[i] = x[i] + 1u32
  }
}
"""

# A missing closing brace: a syntax error.
MALFORMED = """\
vir0
kernel broken workgroup(64) {
  buffer y: f32[] write
  let i = gid.x
  y[i] = (1.0 +
"""

Runner = Callable[..., subprocess.CompletedProcess]


def vyre_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_ROOT, env.get("PYTHONPATH")]))
    env.pop("VYRE_DEBUG", None)
    env.update(extra)
    return env


def no_traceback(result: subprocess.CompletedProcess) -> None:
    err = result.stderr if isinstance(result.stderr, str) else result.stderr.decode()
    assert "Traceback" not in err, err
