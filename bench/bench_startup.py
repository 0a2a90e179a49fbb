"""Where the first compile in a fresh process spends its time (run it in a new process).

    python bench/bench_startup.py

Times, in order: importing vyre and the ptx backend, opening the CUDA context, the first
driver link of a trivial PTX (which loads the driver's JIT compiler), the first parse, the
first validate + infer, the first lowering to PTX, and then a whole cold compile of a new
kernel once all of that is warm.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EMPTY = b".version 7.8\n.target sm_80\n.address_size 64\n.visible .entry e()\n{\n    ret;\n}\n"


def main() -> None:
    marks = [("start", time.perf_counter())]
    import vyre
    from vyre.backends.ptx import context, module

    marks.append(("import", time.perf_counter()))
    context.current()
    marks.append(("cuda_context", time.perf_counter()))
    module.link_ptx(EMPTY)
    marks.append(("first_driver_link", time.perf_counter()))
    m = vyre.parse((ROOT / "examples" / "saxpy.vir").read_text())
    marks.append(("first_parse", time.perf_counter()))
    from vyre.ir.infer import resolve
    from vyre.ir.validate import validate

    validate(m)
    k = resolve(m.kernel())
    marks.append(("first_validate_infer", time.perf_counter()))
    from vyre import lower

    lower.ptx(k, context.current().arch)
    marks.append(("first_lower", time.perf_counter()))
    text = (ROOT / "examples" / "saxpy.vir").read_text().replace("saxpy", "saxpy_warm")
    vyre.compile(text, backend="ptx", cache=None)
    marks.append(("warm_cold_compile", time.perf_counter()))
    out = {name: round((t - marks[i][1]) * 1e3, 2) for i, (name, t) in enumerate(marks[1:])}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
