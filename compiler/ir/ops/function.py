"""``function``: a real-valued activation (sigmoid, tanh, softmax) as the model defines it.

Frontends write what the model computes; the hardware computes a table.  A ``function`` node
(``attrs["function"]``: ``sigmoid``, ``tanh`` or ``softmax``) holds the former and has no
fixed-point semantics: it is legal in a structural graph only, and the ``tabulate_functions``
pass replaces it by the lookup tables hls4ml uses (``lut``, ``softmax``) before types are
inferred.  The executor refuses it with that advice.
"""

from __future__ import annotations

from ...errors import IRError
from .base import Op

FUNCTIONS = ("sigmoid", "tanh", "softmax")


class FunctionOp(Op):
    """A real-valued activation, replaced by a table before typing (module docstring)."""

    name = "function"
    same_shape = True
    real_valued = True

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        if node.attrs.get("function") not in FUNCTIONS:
            raise IRError(
                f"node {node.name!r} (function): attribute function must be one of "
                f"{', '.join(FUNCTIONS)}"
            )

    def _untabulated(self, node):
        return IRError(
            f"node {node.name!r} ({node.attrs.get('function')}) is a real-valued function: "
            "run the tabulate_functions pass to replace it by its lookup table"
        )

    def exact(self, node, xs, types):
        raise self._untabulated(node)

    def exact_range(self, node, ranges):
        raise self._untabulated(node)


FUNCTION_OPS: tuple[Op, ...] = (FunctionOp(),)
