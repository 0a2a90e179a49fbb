"""Compile and run kernels in a worker process, so a backend that hangs or crashes costs one case.

A generated program can send a buggy backend into an endless loop (a ``for`` range that wraps
around) or make JIT-compiled code touch memory it should not.  The conformance runner
therefore runs every backend call in a worker process; when a call overruns its time limit or
the worker dies, the worker is replaced and the call is reported as a timeout or a crash.

Workers are forked from the caller by default (cheap, and they see backends registered at run
time). A CUDA context does not survive ``fork()``, so for GPU backends use
``start_method="forkserver"``: workers then start from a clean server process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from vyre.errors import VyreError
from vyre.ir.nodes import Kernel


@dataclass
class RunResult:
    """What one backend did with one case: ``kind`` is ok, error, timeout or crash."""

    kind: str
    outputs: dict[str, np.ndarray] | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def execute(kernel: Kernel, backend: str, args: dict[str, Any], grid: tuple[int, ...] | None) -> RunResult:
    """Compile ``kernel`` for ``backend`` (no cache) and run it once, in this process."""
    import vyre

    try:
        exe = vyre.compile(kernel, backend=backend, cache=None)
        out = exe(grid=grid, **args)
        return RunResult("ok", {k: np.array(v, copy=True) for k, v in out.items()})
    except VyreError as exc:
        return RunResult("error", error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a raw exception escaping a backend is itself a bug worth reporting
        tb = traceback.format_exception(exc)
        return RunResult("error", error=f"unexpected {type(exc).__name__} (a bug: only VyreErrors may escape): "
                                        f"{exc}\n{''.join(tb[-6:])}")


def assemble_ptx(kernel: Kernel, arch: str | None) -> RunResult:
    """Lower ``kernel`` to PTX and assemble it with ptxas, in this process."""
    from vyre.ir.infer import resolve
    from vyre.ir.nodes import Module
    from vyre.ir.validate import validate
    from vyre.lower import default_arch, ptx
    from vyre.lower.ptxas import assemble

    try:
        validate(Module((kernel,)))
        resolved = resolve(kernel)
        target = arch or default_arch()  # lower and assemble for the same architecture
        text = ptx(resolved, target)
        assemble(text, target)
        return RunResult("ok", {})
    except VyreError as exc:
        return RunResult("error", error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        tb = traceback.format_exception(exc)
        return RunResult("error", error=f"unexpected {type(exc).__name__}: {exc}\n{''.join(tb[-6:])}")


_TASKS = {"run": execute, "ptxas": assemble_ptx}


def _serve(conn: multiprocessing.connection.Connection) -> None:
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        task, payload = message
        conn.send(_TASKS[task](*payload))


class Sandbox:
    """A reusable worker process; ``isolate=False`` runs everything in this process instead."""

    def __init__(self, timeout: float = 30.0, *, isolate: bool = True,
                 start_method: str = "fork") -> None:
        self.timeout = timeout
        self.start_method = start_method
        self.isolate = isolate and start_method in multiprocessing.get_all_start_methods()
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: multiprocessing.connection.Connection | None = None

    def _start(self) -> multiprocessing.connection.Connection:
        if self._proc is None or not self._proc.is_alive() or self._conn is None:
            ctx = multiprocessing.get_context(self.start_method)
            if self.start_method == "forkserver":
                ctx.set_forkserver_preload([__name__, "vyre"])
            parent, child = ctx.Pipe()
            self._proc = ctx.Process(target=_serve, args=(child,), daemon=True)
            self._proc.start()
            child.close()
            self._conn = parent
        return self._conn

    def _call(self, task: str, payload: tuple) -> RunResult:
        if not self.isolate:
            return _TASKS[task](*payload)
        conn = self._start()
        try:
            conn.send((task, payload))
            if not conn.poll(self.timeout):
                self._kill()
                return RunResult("timeout", error=f"no result within {self.timeout:g} s (an endless loop?)")
            return conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            code = None
            if self._proc is not None:
                self._proc.join(5)
                code = self._proc.exitcode
            self._kill()
            return RunResult("crash", error=f"the worker process died (exit code {code})")

    def run(self, kernel: Kernel, backend: str, args: dict[str, Any],
            grid: tuple[int, ...] | None) -> RunResult:
        """Compile and run ``kernel`` on ``backend`` with ``args`` over ``grid``."""
        return self._call("run", (kernel, backend, args, grid))

    def ptxas(self, kernel: Kernel, arch: str | None) -> RunResult:
        """Lower ``kernel`` to PTX and assemble it with ptxas."""
        return self._call("ptxas", (kernel, arch))

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self) -> None:
        """Stop the worker."""
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
                self._proc.join(2)
            except (BrokenPipeError, OSError):
                pass
        self._kill()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Backends that hold a GPU context, which a forked child cannot use.
GPU_BACKENDS = frozenset({"ptx"})


def start_method_for(*backends: str) -> str:
    """The worker start method that suits every backend in ``backends``."""
    return "forkserver" if GPU_BACKENDS.intersection(backends) else "fork"
