"""The core ops: the graph input, dense layers, ReLU, requantization (a cast) and per-channel
scale and shift (batch normalization)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...errors import IRError
from .base import Exact, Interval, Op, align, as_object, exact_matmul, int_dtype

if TYPE_CHECKING:
    from ..graph import Node

__all__ = ["CORE_OPS", "DenseOp", "InputOp", "ReluOp", "RequantizeOp", "ScaleShiftOp"]


class InputOp(Op):
    name = "input"
    arity = 0

    def exact(self, node, xs, types):
        raise AssertionError("inputs are not executed")

    def exact_range(self, node, ranges):
        # A narrow (SAT_SYM) input never holds -2**(W-1): verify's vectors exclude it and
        # every quantizer that produces such a type never gives it.
        t = node.output.type
        full = Interval.of_type(t, node.output.shape)
        return Interval(np.full(full.lo.shape, t.lowest_int, dtype=object), full.hi, full.frac)


class DenseOp(Op):
    """``y[o] = sum_i x[i] * weight[i, o] + bias[o]`` over the last axis."""

    name = "dense"
    const_names = ("weight", "bias")

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        w, b = node.consts["weight"].values, node.consts["bias"].values
        n_in = in_shapes[0][-1]
        if w.shape != (n_in, node.output.shape[-1]) or b.shape != (node.output.shape[-1],):
            raise IRError(
                f"node {node.name!r}: weight {w.shape} / bias {b.shape} do not fit input "
                f"{in_shapes[0]} and output {node.output.shape}"
            )

    @staticmethod
    def _fracs(node: Node, x_frac: int) -> tuple[int, int, int]:
        w, b = node.consts["weight"], node.consts["bias"]
        prod_frac = x_frac + w.type.frac
        return prod_frac, b.type.frac, max(prod_frac, b.type.frac)

    def exact(self, node, xs, types):
        (x,), (xt,) = xs, types
        w, b = node.consts["weight"], node.consts["bias"]
        prod_frac, bias_frac, frac = self._fracs(node, xt.frac)
        x_abs = max(abs(xt.min_int), abs(xt.max_int))
        w_abs = int(np.max(np.sum(np.abs(as_object(w.values)), axis=0), initial=0))
        b_abs = int(np.max(np.abs(as_object(b.values)), initial=0))
        bound = (x_abs * w_abs << (frac - prod_frac)) + (b_abs << (frac - bias_frac))
        dtype = int_dtype(bound)
        acc = exact_matmul(x, w.values, x_abs * w_abs).astype(dtype)
        acc = align(acc, prod_frac, frac) + align(b.values.astype(dtype), bias_frac, frac)
        return Exact(acc, frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        w = as_object(node.consts["weight"].values)
        b = as_object(node.consts["bias"].values)
        prod_frac, bias_frac, frac = self._fracs(node, r.frac)
        lo_terms = np.minimum(r.lo[..., :, None] * w, r.hi[..., :, None] * w)
        hi_terms = np.maximum(r.lo[..., :, None] * w, r.hi[..., :, None] * w)
        lo = align(lo_terms.sum(axis=-2), prod_frac, frac) + align(b, bias_frac, frac)
        hi = align(hi_terms.sum(axis=-2), prod_frac, frac) + align(b, bias_frac, frac)
        return Interval(lo, hi, frac)


class ReluOp(Op):
    """``y = max(x, 0)``."""

    name = "relu"

    def exact(self, node, xs, types):
        return Exact(np.maximum(xs[0], 0), types[0].frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        return Interval(np.maximum(r.lo, 0), np.maximum(r.hi, 0), r.frac)


class RequantizeOp(Op):
    """``y = x``; the cast to the output type is the whole effect."""

    name = "requantize"

    def exact(self, node, xs, types):
        return Exact(xs[0], types[0].frac)

    def exact_range(self, node, ranges):
        return ranges[0]


class ScaleShiftOp(Op):
    """Per-channel ``y = x * scale + shift`` over the last axis (an unfolded batch norm)."""

    name = "scale_shift"
    const_names = ("scale", "shift")

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        n = in_shapes[0][-1]
        for c in self.const_names:
            if node.consts[c].values.shape != (n,):
                raise IRError(f"node {node.name!r}: {c} must have shape ({n},)")

    @staticmethod
    def _fracs(node: Node, x_frac: int) -> tuple[int, int, int]:
        prod_frac = x_frac + node.consts["scale"].type.frac
        shift_frac = node.consts["shift"].type.frac
        return prod_frac, shift_frac, max(prod_frac, shift_frac)

    def exact(self, node, xs, types):
        (x,), (xt,) = xs, types
        s, t = node.consts["scale"], node.consts["shift"]
        prod_frac, shift_frac, frac = self._fracs(node, xt.frac)
        bound = (
            max(abs(xt.min_int), xt.max_int) * max(abs(s.type.min_int), s.type.max_int)
            + max(abs(t.type.min_int), t.type.max_int)
        ) << (frac - min(prod_frac, shift_frac))
        dtype = int_dtype(bound)
        y = align(np.asarray(x).astype(dtype) * s.values.astype(dtype), prod_frac, frac)
        return Exact(y + align(t.values.astype(dtype), shift_frac, frac), frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        s = as_object(node.consts["scale"].values)
        t = as_object(node.consts["shift"].values)
        prod_frac, shift_frac, frac = self._fracs(node, r.frac)
        a, b = r.lo * s, r.hi * s
        lo = align(np.minimum(a, b), prod_frac, frac) + align(t, shift_frac, frac)
        hi = align(np.maximum(a, b), prod_frac, frac) + align(t, shift_frac, frac)
        return Interval(lo, hi, frac)


CORE_OPS = (InputOp(), DenseOp(), ReluOp(), RequantizeOp(), ScaleShiftOp())
