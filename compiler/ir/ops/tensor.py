"""Ops that rearrange or combine whole tensors: reshape, concatenate and element-wise merges.

Like every op (see :mod:`trigc.compiler.ir.ops`), each computes its exact result and leaves the
cast to the node's output type to the executor.  Element-wise merges take two tensors of the
same shape (no broadcasting); the sum of values with different fractional bits is computed at
the larger of the two, the product at their sum, so nothing is ever rounded before the cast.
"""

from __future__ import annotations

import numpy as np

from ...errors import IRError
from .base import Exact, Interval, Op, align, int_dtype

__all__ = ["AddOp", "ConcatenateOp", "MultiplyOp", "ReshapeOp", "SubtractOp", "TENSOR_OPS"]


def _magnitude(lo: int, hi: int) -> int:
    return max(abs(lo), abs(hi))


def _aligned(xs: list, types: list, frac: int, dtype: type) -> list[np.ndarray]:
    """Mantissas of every input expressed with ``frac`` fractional bits."""
    return [
        align(np.asarray(x).astype(dtype), t.frac, frac) for x, t in zip(xs, types, strict=True)
    ]


class ReshapeOp(Op):
    """``y = x`` seen with the output's shape (C order, as Keras' Flatten and Reshape)."""

    name = "reshape"

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        size = int(np.prod(in_shapes[0], dtype=np.int64))
        if size != node.output.size:
            raise IRError(
                f"node {node.name!r}: cannot reshape {in_shapes[0]} ({size} elements) into "
                f"{node.output.shape} ({node.output.size} elements)"
            )

    def exact(self, node, xs, types):
        x = np.asarray(xs[0])
        return Exact(x.reshape(x.shape[0], *node.output.shape), types[0].frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        shape = node.output.shape
        return Interval(r.lo.reshape(shape), r.hi.reshape(shape), r.frac)


class ConcatenateOp(Op):
    """``y = concatenate([a, b], axis)``; ``attrs["axis"]`` counts axes without the batch."""

    name = "concatenate"
    arity = 2

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        axis = node.attrs.axis
        a, b = in_shapes
        if axis is None or not 0 <= axis < len(a) or len(a) != len(b):
            raise IRError(
                f"node {node.name!r}: axis {axis!r} must be a non-negative int below the rank "
                f"of both inputs {a} and {b}"
            )
        want = (*a[:axis], a[axis] + b[axis], *a[axis + 1 :])
        if a[:axis] + a[axis + 1 :] != b[:axis] + b[axis + 1 :] or node.output.shape != want:
            raise IRError(
                f"node {node.name!r}: inputs {a} and {b} concatenated on axis {axis} do not "
                f"give the output shape {node.output.shape}"
            )

    def exact(self, node, xs, types):
        frac = max(t.frac for t in types)
        bound = max(_magnitude(t.min_int, t.max_int) << (frac - t.frac) for t in types)
        dtype = int_dtype(bound)
        parts = [
            align(np.asarray(x).astype(dtype), t.frac, frac) for x, t in zip(xs, types, strict=True)
        ]
        return Exact(np.concatenate(parts, axis=node.attrs["axis"] + 1), frac)

    def exact_range(self, node, ranges):
        frac = max(r.frac for r in ranges)
        aligned = [r.aligned(frac) for r in ranges]
        axis = node.attrs["axis"]
        lo = np.concatenate([r.lo for r in aligned], axis=axis)
        hi = np.concatenate([r.hi for r in aligned], axis=axis)
        return Interval(lo, hi, frac)


class _ElementwiseOp(Op):
    arity = 2

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        if in_shapes[0] != in_shapes[1] or node.output.shape != in_shapes[0]:
            raise IRError(
                f"node {node.name!r} ({self.name}): inputs {in_shapes[0]} and {in_shapes[1]} "
                f"and output {node.output.shape} must have the same shape (no broadcasting)"
            )


class AddOp(_ElementwiseOp):
    """``y = a + b`` element by element."""

    name = "add"
    sign = 1

    def exact(self, node, xs, types):
        frac = max(t.frac for t in types)
        bound = sum(_magnitude(t.min_int, t.max_int) << (frac - t.frac) for t in types)
        dtype = int_dtype(bound)
        a, b = (
            align(np.asarray(x).astype(dtype), t.frac, frac) for x, t in zip(xs, types, strict=True)
        )
        return Exact(a + b if self.sign > 0 else a - b, frac)

    def exact_range(self, node, ranges):
        frac = max(r.frac for r in ranges)
        a, b = (r.aligned(frac) for r in ranges)
        if self.sign > 0:
            return Interval(a.lo + b.lo, a.hi + b.hi, frac)
        return Interval(a.lo - b.hi, a.hi - b.lo, frac)


class SubtractOp(AddOp):
    """``y = a - b`` element by element."""

    name = "subtract"
    sign = -1


class MultiplyOp(_ElementwiseOp):
    """``y = a * b`` element by element (the exact product has ``a.frac + b.frac`` bits)."""

    name = "multiply"

    def exact(self, node, xs, types):
        ta, tb = types
        bound = _magnitude(ta.min_int, ta.max_int) * _magnitude(tb.min_int, tb.max_int)
        dtype = int_dtype(bound)
        a, b = (np.asarray(x).astype(dtype) for x in xs)
        return Exact(a * b, ta.frac + tb.frac)

    def exact_range(self, node, ranges):
        a, b = ranges
        corners = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
        lo = np.minimum(np.minimum(corners[0], corners[1]), np.minimum(corners[2], corners[3]))
        hi = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
        return Interval(lo, hi, a.frac + b.frac)


TENSOR_OPS: tuple[Op, ...] = (
    ReshapeOp(),
    ConcatenateOp(),
    AddOp(),
    SubtractOp(),
    MultiplyOp(),
)
