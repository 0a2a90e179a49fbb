"""vyre: a compiler toolchain for GPU compute.

Programs are written in VIR0 text (``.vir``) or built with ``vyre.ir.builder``; ``compile``
turns a kernel into something callable on the best backend present::

    import numpy as np, vyre
    k = vyre.compile(vyre.load("examples/saxpy.vir"))
    out = k(a=2.0, x=np.ones(1024, np.float32), y=np.zeros(1024, np.float32))
"""

from vyre.api import compile, fingerprint, load, parse
from vyre.errors import VyreError
from vyre.version import __version__

__all__ = ["VyreError", "__version__", "compile", "fingerprint", "load", "parse"]
