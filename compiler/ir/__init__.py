"""The typed fixed-point IR: what every frontend produces and every backend reads.

``fixed``      fixed-point types (``ap_fixed`` semantics: width, integer bits, signedness,
               rounding and overflow) and the exact cast between them;
``graph``      :class:`Graph` of :class:`Node` s, each with a typed output :class:`Tensor` and
               named :class:`Const` s;
``ops``        the semantics of every op (exact integer result, exact value range), one module
               per family, and the registry;
``executor``   bit-exact execution of a graph on integer mantissas;
``ranges``     exact value ranges of every tensor (interval arithmetic);
``legality``   what a legal graph looks like after each phase, and the precision tags it checks;
``serialize``  ``ir.json`` and the text form.

Nothing here imports from the rest of :mod:`trigc.compiler` but :mod:`trigc.compiler.errors`.
"""

from .fixed import FixedType
from .graph import Const, Graph, Node, Tensor

__all__ = ["Const", "FixedType", "Graph", "Node", "Tensor"]
