"""Helpers for the host-JIT tests: compile VIR0 text for host_jit without the cache."""

from __future__ import annotations

from vyre.backends.base import CompileOptions, Executable
from vyre.backends.host_jit import HostJitBackend
from vyre.ir.infer import resolve
from vyre.ir.nodes import Kernel
from vyre.ir.parse import parse
from vyre.ir.validate import validate

BACKEND = HostJitBackend()


def resolved(src: str, name: str | None = None) -> Kernel:
    module = parse(src)
    validate(module)
    return resolve(module.kernel(name))


def jit(src: str, name: str | None = None, opt_level: int = 3) -> Executable:
    """Build and load ``src`` on host_jit (artifact round trip included)."""
    k = resolved(src, name)
    options = CompileOptions(opt_level=opt_level)
    return BACKEND.load(BACKEND.build(k, options), k, options)


def elementwise(expr: str, t: str, r: str | None = None, args: str = "a, b") -> Executable:
    """``out[i] = expr`` over buffers a and b of type ``t`` (out of type ``r``)."""
    del args
    return jit(f"""vir0
kernel k workgroup(32) {{
  buffer a: {t}[] read
  buffer b: {t}[] read
  buffer out: {r or t}[] write
  let i = gid.x
  if i < len(out) {{
    out[i] = {expr}
  }}
}}
""")
