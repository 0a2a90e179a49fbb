"""``vyre compile FILE --emit KIND``: the wire format, the fingerprint, typed IR, PTX or LLVM IR."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from vyre.cli.files import write_atomic
from vyre.cli.program import load_module, pick_kernel, resolved
from vyre.cli.report import EXIT_OK
from vyre.errors import UsageError
from vyre.ir.nodes import Module

HELP = "compile a .vir file to wire bytes, a fingerprint, typed IR, PTX or LLVM IR"
DESCRIPTION = """\
Validate FILE and emit one form of it (none of them needs a GPU):

  wire         the binary wire encoding of the module (or of --kernel's kernel alone);
               binary, so it needs -o or a redirected stdout
  fingerprint  hex blake3 of the canonical bytes of the module (or of --kernel's kernel);
               equal for programs of equal meaning
  ir           VIR0 text of the typed program the backends compile: every literal carries
               its type suffix and every let/var its type, in canonical layout, comments
               dropped; all kernels, or --kernel's; it parses and validates again
  ptx          PTX assembly for --arch (default: the present GPU's, else sm_90)
  llvm         the LLVM IR (NVPTX target) that the PTX is generated from

Output goes to stdout, or to -o OUT, which is written atomically."""

EMITS = ("wire", "fingerprint", "ir", "ptx", "llvm")


def _arch_name(text: str) -> str:
    from vyre.errors import VyreError
    from vyre.lower import normalize_arch

    try:
        return normalize_arch(text)
    except VyreError as err:
        raise argparse.ArgumentTypeError(f"{err.message}; {err.fix}") from None


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compile", help=HELP, description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help=".vir file to compile (- for stdin)")
    parser.add_argument("--emit", required=True, choices=EMITS, help="what to produce")
    parser.add_argument("--kernel", metavar="K", help="the kernel to compile when the file has several")
    parser.add_argument("--arch", metavar="sm_XX", type=_arch_name, help="GPU architecture for ptx/llvm, e.g. sm_90")
    parser.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout (- is stdout)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.output == "-":
        args.output = None  # the usual spelling of stdout
    if args.emit == "wire" and args.output is None and _stdout_is_terminal():
        raise UsageError(
            "--emit wire produces binary data, which would garble this terminal",
            code="V704",
            fix="write it to a file with -o FILE.vwire, or redirect stdout: > FILE.vwire",
        )
    module = load_module(args.file)
    output = EMITTERS[args.emit](module, args)
    if args.output is not None:
        write_atomic(args.output, output)
    elif isinstance(output, bytes):
        sys.stdout.buffer.write(output)
        sys.stdout.flush()
    else:
        sys.stdout.write(output)
    return EXIT_OK


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _selected(module: Module, args: argparse.Namespace) -> Module:
    """The whole module, or a module of the one kernel ``--kernel`` names."""
    if args.kernel is None:
        return module
    return Module((pick_kernel(module, args.kernel),))


def _wire(module: Module, args: argparse.Namespace) -> bytes:
    from vyre.ir.wire import encode

    return encode(_selected(module, args))


def _fingerprint(module: Module, args: argparse.Namespace) -> str:
    from vyre.ir.canon import fingerprint

    target = module if args.kernel is None else pick_kernel(module, args.kernel)
    return fingerprint(target) + "\n"


def _ir(module: Module, args: argparse.Namespace) -> str:
    from vyre.ir.printer import to_text

    kernels = _selected(module, args).kernels
    return to_text(Module(tuple(resolved(k) for k in kernels)))


def _ptx(module: Module, args: argparse.Namespace) -> str:
    from vyre.lower import ptx

    return _with_newline(ptx(resolved(pick_kernel(module, args.kernel)), _arch(args)))


def _llvm(module: Module, args: argparse.Namespace) -> str:
    from vyre.lower import llvm_ir

    return _with_newline(llvm_ir(resolved(pick_kernel(module, args.kernel)), _arch(args)))


def _arch(args: argparse.Namespace) -> str | None:
    return args.arch  # None: the lowering's default, the present GPU's or sm_90


def _with_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


EMITTERS: dict[str, Callable[[Module, argparse.Namespace], bytes | str]] = {
    "wire": _wire,
    "fingerprint": _fingerprint,
    "ir": _ir,
    "ptx": _ptx,
    "llvm": _llvm,
}
