"""``vyre run FILE``: compile a kernel, call it once, summarise or save its output buffers."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

import numpy as np

from vyre.cli import inputs
from vyre.cli.files import save_npy
from vyre.cli.program import load_module, pick_kernel
from vyre.cli.report import EXIT_OK
from vyre.errors import BackendError, BackendUnavailableError

if TYPE_CHECKING:
    from vyre.backends.base import Executable
    from vyre.ir.nodes import Module

HELP = "compile a kernel and run it once on the best (or a chosen) backend"
DESCRIPTION = f"""\
Compile a kernel of FILE and run it once, then print each writable buffer: its type,
length, first values, min, max and sum. The backend that ran is printed first.

Arguments come from --in NAME=VALUE (a param's value, or a value to fill a buffer with)
and --in NAME=PATH.npy (a 1-D array of the buffer's exact dtype). Anything not given gets
a default, and each default used is printed:
  runtime-sized buffers have --size elements (default {inputs.DEFAULT_SIZE});
  read and read_write buffers hold (i % 7) + 1 at index i, write buffers start zeroed;
  integer params named n, count, size, len or length are --size, other numeric params
  are 2 (2.0 for floats), bool params are true.
The grid defaults to enough workgroups to cover the largest buffer: ceil(L / workgroup.x).

backend auto picks ptx when a CUDA GPU is present, else host_jit, else cpu_ref."""


MAX_SIZE = 2**32 - 1  # buffers hold at most 2^32 - 1 elements (docs/semantics.md, section 7)


def _positive(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_SIZE:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {MAX_SIZE}, but got '{text}'")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run", help=HELP, description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help=".vir file to run (- for stdin)")
    parser.add_argument("--kernel", metavar="K", help="the kernel to run when the file has several")
    parser.add_argument(
        "--backend", default="auto", choices=("auto", "cpu_ref", "host_jit", "ptx"),
        help="where to run it (default: auto)",
    )
    parser.add_argument("--grid", metavar="X[,Y,Z]", help="workgroups per axis (default: cover the largest buffer)")
    parser.add_argument(
        "--in", dest="inputs", action="append", default=[], metavar="NAME=VALUE|NAME=PATH.npy",
        help="an argument; repeat for each (default values otherwise)",
    )
    parser.add_argument("--out", metavar="DIR", help="write each output buffer to DIR/NAME.npy")
    parser.add_argument(
        "--size", type=_positive, default=inputs.DEFAULT_SIZE, metavar="N",
        help=f"elements of runtime-sized buffers not given with --in (default {inputs.DEFAULT_SIZE})",
    )
    parser.add_argument("--no-cache", action="store_true", help="compile without the compile cache")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from vyre.backends.args import bind

    grid = inputs.parse_grid(args.grid) if args.grid is not None else None
    module = load_module(args.file)
    kernel = pick_kernel(module, args.kernel)
    arguments = inputs.build(kernel, args.inputs, args.size)
    # The binder every backend uses checks the whole call (and works out the default grid)
    # before anything is compiled or printed.
    bound = bind(kernel, grid, arguments.values)

    backend, executable = compile_on(
        module, kernel.name, args.backend, cache=None if args.no_cache else "default"
    )
    origin = "" if grid is not None else " (default)"
    print(
        f"kernel {kernel.name} on backend {backend}: grid {_dims(bound.grid)}{origin} "
        f"x workgroup {_dims(kernel.workgroup)}"
    )
    if arguments.defaults:
        print("defaults used (set with --in NAME=VALUE or NAME=PATH.npy):")
        for line in arguments.defaults:
            print(f"  {line}")

    outputs = executable(grid=grid, **arguments.values)
    if not outputs:
        print("(the kernel has no writable buffers: nothing to show)")
    for name, array in outputs.items():
        print(summary(name, np.asarray(array)))
    if args.out is not None:
        for name, array in outputs.items():
            path = os.path.join(args.out, f"{name}.npy")
            save_npy(path, np.asarray(array))
            print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def compile_on(module: Module, kernel: str, backend: str, cache: str | None) -> tuple[str, Executable]:
    """Compile for ``backend``; for ``auto``, the first backend present that can take the kernel.

    ``auto`` moves on to the next backend (saying so on stderr) when one cannot compile this
    kernel (one that rejects a feature the kernel uses), so `vyre run` works out of the box.
    """
    import vyre
    from vyre.backends import registry

    if backend != "auto":
        name = registry.get(backend).name
        return name, vyre.compile(module, backend=name, kernel=kernel, cache=cache)
    refused: BackendError | None = None
    for name in registry.AUTO_ORDER:
        try:
            registry.get(name)
        except BackendUnavailableError:
            continue
        try:
            return name, vyre.compile(module, backend=name, kernel=kernel, cache=cache)
        except BackendError as err:
            print(f"vyre run: backend {name} cannot run this kernel: {err.message}", file=sys.stderr)
            refused = refused or err
    if refused is not None:
        raise refused
    registry.get("auto")  # raises: no backend can run on this machine
    raise AssertionError("unreachable: registry.get('auto') found no backend but returned")


SHOWN_VALUES = 8


def summary(name: str, array: np.ndarray) -> str:
    """``name: f32[1024]  [3.0, 6.0, ...]  min 3.0  max 21.0  sum 12273.0``."""
    elem = _vir_type(array.dtype)
    # numpy scalars print their shortest round-trip form in their own precision.
    head = ", ".join(str(v) for v in array[:SHOWN_VALUES])
    more = ", ..." if len(array) > SHOWN_VALUES else ""
    line = f"{name}: {elem}[{len(array)}]  [{head}{more}]"
    if len(array):
        with np.errstate(all="ignore"):
            total = array.sum()
        line += f"  min {array.min()}  max {array.max()}  sum {total}"
    return line


def _vir_type(dtype: np.dtype) -> str:
    from vyre.ir.ops import ScalarType

    for t in ScalarType:
        if t.dtype == dtype:
            return t.value
    return str(dtype)


def _dims(dims: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ")"
