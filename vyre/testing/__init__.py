"""Property-based differential conformance testing for vyre backends.

Backend authors use three pieces (docs/conformance.md is the guide):

* ``cases`` / ``kernels`` (``vyre.testing.programs``): Hypothesis strategies generating random
  valid, terminating, race-free kernels with edge-case inputs;
* ``check_case`` / ``run_conformance`` (``vyre.testing.conformance``): run them on a reference
  and a candidate backend and compare outputs by the rule of ``vyre.testing.ulp``;
* ``CAPABILITIES`` (``vyre.testing.features``): which features each backend supports.

``python -m vyre.testing --candidate host_jit --programs 500`` runs the suite from a shell.
"""

from vyre.testing.conformance import (
    ConformanceReport,
    Outcome,
    assert_backends_agree,
    assert_conforms,
    check_case,
    run_conformance,
)
from vyre.testing.features import ALL_FEATURES, CAPABILITIES, FEATURES, features_of, supported
from vyre.testing.programs import Case, GenConfig, cases, kernels
from vyre.testing.ulp import compare_outputs, tolerances, ulp_distance

__all__ = [
    "ALL_FEATURES", "CAPABILITIES", "FEATURES", "Case", "ConformanceReport", "GenConfig", "Outcome",
    "assert_backends_agree", "assert_conforms", "cases", "check_case", "compare_outputs", "features_of", "kernels",
    "run_conformance", "supported", "tolerances", "ulp_distance",
]
