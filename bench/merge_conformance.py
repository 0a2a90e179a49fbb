"""Merge ``python -m vyre.testing --json`` records of several seeds into one conformance record.

    python bench/merge_conformance.py OUT.json chunk1.json chunk2.json ...

The record holds the summed counts, every failure with its program text, each chunk's seed
and time, and the device, date and git commit (bench/results/conformance-ptx-<date>.json).
"""

from __future__ import annotations

import collections
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import environment  # noqa: E402


def merge(paths: list[str]) -> dict[str, object]:
    counts: collections.Counter = collections.Counter()
    features: collections.Counter = collections.Counter()
    failures: list[object] = []
    chunks = []
    for p in paths:
        text = Path(p).read_text().strip()
        if not text:
            chunks.append({"file": p, "error": "empty (the run did not finish)"})
            continue
        d = json.loads(text)
        counts.update(d["counts"])
        features.update(d.get("features", {}))
        failures.extend(d["failures"])
        chunks.append({"seed": d["seed"], "programs": d["programs"], "seconds": d["seconds"],
                       "ok": d["ok"], "minimal": d.get("minimal")})
    return {"reference": "cpu_ref", "candidate": "ptx", "programs": sum(counts.values()),
            "counts": dict(counts), "mismatches": len(failures), "failures": failures,
            "features": dict(features), "chunks": chunks,
            "ok": not failures and all(c.get("ok") for c in chunks)}


def main() -> None:
    out, *paths = sys.argv[1:]
    record = {"benchmark": "conformance-ptx", **environment(), **merge(paths)}
    tmp = Path(out).with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2, default=str) + "\n")
    os.replace(tmp, out)
    print(f"{record['programs']} programs, counts {record['counts']}, mismatches {record['mismatches']}")


if __name__ == "__main__":
    main()
