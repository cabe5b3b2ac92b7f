"""``lut``: an activation read from a table, indexed as hls4ml's ``sigmoid`` and ``tanh`` do.

For a table of ``N`` entries (a power of two) spanning inputs ``[-range/2, range/2)``, element
``x`` reads entry ``clip(trunc(x * N / range) + N / 2, 0, N - 1)``, where ``trunc`` rounds toward
zero (the C++ ``int`` conversion in ``nnet::sigmoid``/``nnet::tanh``).  That index is the cast of
``x * N / range`` to a signed ``log2(N)``-bit integer with ``TRN_ZERO`` rounding and ``SAT``
overflow, plus ``N / 2``.  The ``table`` constant holds the entries; the node's output type casts
them.  ``attrs``: ``function`` (what the table approximates, for messages and the hls backend)
and ``range``.
"""

from __future__ import annotations

import numpy as np

from .errors import IRError
from .fixed import FixedType, cast
from .ops import Exact, Interval, Op

__all__ = ["LUT_OPS", "LutOp", "index_type", "index_shift"]


def _log2(n: object) -> int | None:
    return n.bit_length() - 1 if isinstance(n, int) and n > 0 and n & (n - 1) == 0 else None


def index_type(size: int) -> FixedType:
    """The signed integer type of ``index - N/2`` (rounded toward zero, saturated)."""
    bits = size.bit_length() - 1
    return FixedType(bits, bits, True, "TRN_ZERO", "SAT")


def index_shift(node) -> int:
    """``log2(N / range)``: ``x * N / range`` has ``frac(x) - shift`` fractional bits."""
    size = node.consts["table"].values.shape[0]
    return (size.bit_length() - 1) - (_log2(node.attrs["range"]) or 0)


class LutOp(Op):
    """Table lookup (see the module docstring)."""

    name = "lut"
    const_names = ("table",)

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        table = node.consts["table"].values
        if table.ndim != 1 or _log2(table.shape[0]) is None or table.shape[0] < 2:
            raise IRError(f"node {node.name!r} (lut): the table needs a power-of-two size >= 2")
        if _log2(node.attrs.get("range")) is None:
            raise IRError(f"node {node.name!r} (lut): attribute range must be a power of two")
        if node.output.shape != in_shapes[0]:
            raise IRError(f"node {node.name!r}: output shape must equal the input's")

    def indices(self, node, x: np.ndarray, frac: int) -> np.ndarray:
        """Table indices of input mantissas ``x`` with ``frac`` fractional bits."""
        size = node.consts["table"].values.shape[0]
        src_frac = frac - index_shift(node)
        width = 200
        src = FixedType(width, width - src_frac)
        offset = cast(np.asarray(x).astype(object), src, index_type(size))
        return (np.asarray(offset).astype(np.int64) + size // 2).astype(np.int64)

    def exact(self, node, xs, types):
        table = node.consts["table"]
        idx = self.indices(node, xs[0], types[0].frac)
        return Exact(np.asarray(table.values)[idx], table.type.frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        table = node.consts["table"]
        lo_idx = self.indices(node, r.lo, r.frac)  # the index grows with x
        hi_idx = self.indices(node, r.hi, r.frac)
        values = np.asarray(table.values).astype(object)
        lo = np.empty(lo_idx.shape, dtype=object)
        hi = np.empty(lo_idx.shape, dtype=object)
        for k, (a, b) in enumerate(zip(lo_idx.reshape(-1), hi_idx.reshape(-1), strict=True)):
            part = values[a : b + 1]
            lo.reshape(-1)[k], hi.reshape(-1)[k] = min(part), max(part)
        return Interval(lo, hi, table.type.frac)


LUT_OPS: tuple[Op, ...] = (LutOp(),)
