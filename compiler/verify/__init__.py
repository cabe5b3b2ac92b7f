"""``trigc verify``: the model, the IR executor and the firmware simulations, bit for bit.

:mod:`.run` orchestrates; :mod:`.references` runs the model's own framework (one module per
source kind), :mod:`.firmware` the firmware simulations and :mod:`.protocol` the cocotb
protocol tests; :mod:`.compare` compares as integers and :mod:`.decide` says which comparisons
decide PASS/FAIL; :mod:`.result` holds what was found, as text and JSON; :mod:`.diagnosis`
locates the first layer that differs and :mod:`.float_risks` names the layers float arithmetic
may round."""

from .compare import onehot_argmax
from .protocol import default_protocol_simulators
from .result import Comparison, VerifyResult, format_result
from .run import verify_project

__all__ = [
    "Comparison",
    "VerifyResult",
    "default_protocol_simulators",
    "format_result",
    "onehot_argmax",
    "verify_project",
]
