"""``python -m vyre.testing``: differential conformance of two backends on generated programs.

    python -m vyre.testing --reference cpu_ref --candidate host_jit --programs 500 --seed 0

prints one summary line (and the smallest failing program, if any); ``--json`` prints a JSON
record instead.  The exit status is 0 when every program conforms, 1 otherwise, 2 on misuse.
"""

from __future__ import annotations

import argparse
import json
import sys

from vyre.testing.conformance import run_conformance
from vyre.testing.features import ALL_FEATURES, FEATURES
from vyre.testing.programs import GenConfig


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m vyre.testing", description=__doc__.split("\n\n")[0])
    p.add_argument("--reference", default="cpu_ref", help="the backend taken as correct (default cpu_ref)")
    p.add_argument("--candidate", default="host_jit", help="the backend under test (default host_jit)")
    p.add_argument("--programs", type=int, default=100, help="how many programs to generate (default 100)")
    p.add_argument("--seed", type=int, default=0, help="the generation seed; equal seeds, equal programs")
    p.add_argument("--json", action="store_true", help="print a JSON record instead of text")
    p.add_argument("--no-shrink", action="store_true", help="report failures as found, without shrinking")
    p.add_argument("--assemble", action="store_true", help="also assemble each program's PTX with ptxas")
    p.add_argument("--arch", default=None, help="the PTX architecture for --assemble (e.g. sm_90)")
    p.add_argument("--without", action="append", default=[], metavar="FEATURE",
                   help=f"leave a feature out of the programs; one of: {', '.join(sorted(FEATURES))}")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds allowed per backend call")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    unknown = sorted(set(args.without) - ALL_FEATURES)
    if unknown or args.programs < 1:
        what = f"unknown feature {', '.join(unknown)}" if unknown else "--programs must be at least 1"
        print(f"error: {what}\n  Fix: use --programs N with N >= 1 and --without with one of: "
              f"{', '.join(sorted(FEATURES))}", file=sys.stderr)
        return 2
    config = GenConfig(features=ALL_FEATURES - set(args.without))
    report = run_conformance(args.reference, args.candidate, args.programs, args.seed, config=config,
                             shrink=not args.no_shrink, ptx_arch=args.arch, assemble=args.assemble,
                             timeout=args.timeout)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.render() if not report.ok else report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
