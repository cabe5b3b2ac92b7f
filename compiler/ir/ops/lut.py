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

from ...errors import IRError
from ..fixed import FixedType, cast
from .base import Exact, Interval, Op

__all__ = ["LUT_OPS", "LutOp", "SoftmaxOp", "index_shift", "index_type", "top_bits"]


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
    same_shape = True
    const_names = ("table",)

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        table = node.consts["table"].values
        if table.ndim != 1 or _log2(table.shape[0]) is None or table.shape[0] < 2:
            raise IRError(f"node {node.name!r} (lut): the table needs a power-of-two size >= 2")
        if _log2(node.attrs.get("range")) is None:
            raise IRError(f"node {node.name!r} (lut): attribute range must be a power of two")

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


def top_bits(x: np.ndarray, width: int, bits: int) -> np.ndarray:
    """The top ``bits`` bits of the ``width``-bit two's-complement mantissas ``x``, unsigned
    (``nnet::softmax_idx_from_real_val``)."""
    raw = np.asarray(x).astype(object) % (1 << width)
    return (raw >> (width - bits)).astype(np.int64)


class SoftmaxOp(Op):
    """``nnet::softmax_latency`` over the last axis, table for table and cast for cast.

    ``e[i] = exp_table[top bits of x[i]]`` (as an ``attrs["input_width"]``-bit word: the
    input type's width in hls4ml); ``s = sum(e)`` (exact), cast to ``attrs["sum_type"]``;
    ``inv = inv_table[top bits of s]``; ``y[i] = e[i] * inv`` exactly (the node's output type
    casts it).  The tables are hls4ml's (:mod:`trigc.compiler.passes.hls4ml_tables`).
    """

    name = "softmax"
    same_shape = True
    const_names = ("exp_table", "inv_table")

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        for c in self.const_names:
            n = node.consts[c].values.shape
            if len(n) != 1 or _log2(n[0]) is None:
                raise IRError(f"node {node.name!r} (softmax): {c} needs a power-of-two size")
        if node.attrs.sum_type is None or node.attrs.input_width is None:
            raise IRError(
                f"node {node.name!r} (softmax): attributes sum_type and input_width are needed"
            )
        sum_t = FixedType.parse(node.attrs["sum_type"])
        if (
            self._bits(node, "exp_table") > node.attrs["input_width"]
            or self._bits(node, "inv_table") > sum_t.width
        ):
            raise IRError(f"node {node.name!r} (softmax): a table has more entries than addresses")

    @staticmethod
    def _bits(node, name: str) -> int:
        return node.consts[name].values.shape[0].bit_length() - 1

    def exact(self, node, xs, types):
        exp_t, inv_t = node.consts["exp_table"], node.consts["inv_table"]
        sum_t = FixedType.parse(node.attrs["sum_type"])
        exp_table = np.asarray(exp_t.values).astype(object)
        width = node.attrs["input_width"]
        e = exp_table[top_bits(xs[0], width, self._bits(node, "exp_table"))]
        total = e.sum(axis=-1, keepdims=True)
        src = FixedType(200, 200 - exp_t.type.frac)
        s = cast(total, src, sum_t)
        inv = np.asarray(inv_t.values).astype(object)[
            top_bits(s, sum_t.width, self._bits(node, "inv_table"))
        ]
        y = e * inv
        return Exact(y.astype(np.int64) if _fits64(y) else y, exp_t.type.frac + inv_t.type.frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        exp_t, inv_t = node.consts["exp_table"], node.consts["inv_table"]
        values = [int(v) for v in exp_t.values] + [0]
        inv = [int(v) for v in inv_t.values]
        corners = [a * b for a in (min(values), max(values)) for b in (min(inv), max(inv))]
        shape = r.lo.shape
        lo = np.full(shape, min(corners), dtype=object)
        hi = np.full(shape, max(corners), dtype=object)
        return Interval(lo, hi, exp_t.type.frac + inv_t.type.frac)


def _fits64(y: np.ndarray) -> bool:
    return y.size == 0 or max(abs(int(np.min(y))), abs(int(np.max(y)))) < 1 << 62


LUT_OPS: tuple[Op, ...] = (LutOp(), SoftmaxOp())
