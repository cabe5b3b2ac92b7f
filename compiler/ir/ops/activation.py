"""Element-wise activations beyond ReLU: leaky ReLU with a power-of-two slope, binary sign.

* ``leaky_relu``: ``y = x`` for ``x > 0``, else ``x * 2**-attrs["shift"]`` (``shift >= 1``),
  exact with ``shift`` more fractional bits;
* ``binary``: ``y = 1`` for ``x >= 0``, else ``-1`` (QKeras ``binary()`` on activations, and
  hls4ml's ``binary_tanh``), an integer;
* ``relu_max``: ``y = min(max(x, 0), attrs["max_value"])`` for a positive integer maximum
  (Keras ``ReLU(max_value=6)``), exact with at least zero fractional bits;
* ``argmax``: the one-hot vector of the largest element along the last axis, the first one
  when several are equal (hls4ml's ``Softmax`` with ``implementation='argmax'``).
"""

from __future__ import annotations

import numpy as np

from ...errors import IRError
from .base import Exact, Interval, Op

__all__ = ["ACTIVATION_OPS", "ArgmaxOp", "BinaryOp", "LeakyReluOp", "ReluMaxOp"]


class LeakyReluOp(Op):
    """``x if x > 0 else x * 2**-shift``."""

    name = "leaky_relu"
    same_shape = True

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        shift = node.attrs.shift  # an int when set (typed attributes)
        if shift is None or shift < 1:
            raise IRError(
                f"node {node.name!r} (leaky_relu): attribute shift must be an int >= 1 (the "
                f"slope is 2**-shift), got {shift!r}"
            )

    def exact(self, node, xs, types):
        x, k = np.asarray(xs[0]), node.attrs["shift"]
        return Exact(np.where(x > 0, x << k, x), types[0].frac + k)

    def exact_range(self, node, ranges):
        (r,), k = ranges, node.attrs["shift"]
        lo = np.where(r.lo > 0, r.lo * (1 << k), r.lo)
        hi = np.where(r.hi > 0, r.hi * (1 << k), r.hi)
        return Interval(lo, hi, r.frac + k)


class BinaryOp(Op):
    """``1 if x >= 0 else -1``."""

    name = "binary"
    same_shape = True

    def exact(self, node, xs, types):
        x = np.asarray(xs[0])
        return Exact(np.where(x >= 0, 1, -1).astype(np.int64), 0)

    def exact_range(self, node, ranges):
        (r,) = ranges
        lo = np.where(r.lo >= 0, 1, -1).astype(object)
        hi = np.where(r.hi >= 0, 1, -1).astype(object)
        return Interval(lo, hi, 0)


class ReluMaxOp(Op):
    """``min(max(x, 0), max_value)``."""

    name = "relu_max"
    same_shape = True

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        m = node.attrs.max_value
        if m is None or m < 1:
            raise IRError(
                f"node {node.name!r} (relu_max): attribute max_value must be a positive int, "
                f"got {m!r}"
            )

    @staticmethod
    def _frac_and_top(node, frac: int) -> tuple[int, int]:
        out = max(frac, 0)
        return out, node.attrs["max_value"] << out

    def exact(self, node, xs, types):
        frac, top = self._frac_and_top(node, types[0].frac)
        x = np.asarray(xs[0])
        x = x << (frac - types[0].frac) if frac > types[0].frac else x
        return Exact(np.clip(x, 0, top), frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        frac, top = self._frac_and_top(node, r.frac)
        r = r.aligned(frac)
        return Interval(np.clip(r.lo, 0, top), np.clip(r.hi, 0, top), frac)


class ArgmaxOp(Op):
    """One-hot of the first maximum along the last axis."""

    name = "argmax"
    same_shape = True

    def exact(self, node, xs, types):
        x = np.asarray(xs[0])
        first = np.argmax(x, axis=-1)[..., None]  # numpy returns the first maximum
        return Exact((np.arange(x.shape[-1]) == first).astype(np.int64), 0)

    def exact_range(self, node, ranges):
        (r,) = ranges
        shape = r.lo.shape
        return Interval(np.zeros(shape, dtype=object), np.ones(shape, dtype=object), 0)


ACTIVATION_OPS: tuple[Op, ...] = (LeakyReluOp(), BinaryOp(), ReluMaxOp(), ArgmaxOp())
