"""``rearrange``: every output element is one input element, or zero.

One op for the layers that only move data: ``transpose`` (Keras' ``Permute``: ``perm`` lists,
for each output axis, the input axis it is, without the batch), ``pad`` (zeros around the
spatial axes: ``pads`` is ``[before, after]`` per spatial axis), ``crop`` (``crops`` likewise,
removed) and ``upsample`` (nearest: each spatial position repeated ``factors[i]`` times).
Tensors are channels last, so ``pad``/``crop``/``upsample`` never touch the last axis.
``attrs["in_shape"]`` records the input's shape, for lowerings that see only its elements.
:func:`source_index` gives, for each output element, the flat index of the input element it is
(``-1``: a zero); the executor, the ranges and the backends all read that one table.
"""

from __future__ import annotations

import numpy as np

from ...errors import IRError
from .base import Exact, Interval, Op

__all__ = ["REARRANGE_OPS", "RearrangeOp", "KINDS", "rearranged_shape", "source_index"]

KINDS = ("transpose", "pad", "crop", "upsample")


def _spatial(attrs: dict, key: str, in_shape: tuple[int, ...]) -> list:
    values = attrs[key]
    if len(values) != len(in_shape) - 1:
        raise IRError(f"{key} {values} does not give one entry per spatial axis of {in_shape}")
    return values


def rearranged_shape(attrs: dict, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape of a ``rearrange`` with ``attrs`` on an input of ``in_shape``."""
    kind = attrs.get("kind")
    if kind == "transpose":
        perm = [int(p) for p in attrs["perm"]]
        if sorted(perm) != list(range(len(in_shape))):
            raise IRError(f"perm {perm} is not a permutation of the axes of {in_shape}")
        return tuple(int(in_shape[p]) for p in perm)
    if kind in ("pad", "crop"):
        sign = 1 if kind == "pad" else -1
        sides = _spatial(attrs, f"{kind}s", in_shape)
        shape = [n + sign * (int(a) + int(b)) for n, (a, b) in zip(in_shape, sides, strict=False)]
        if min(shape, default=1) < 1:
            raise IRError(f"cropping {sides} leaves nothing of {in_shape}")
        return (*shape, int(in_shape[-1]))
    if kind == "upsample":
        factors = _spatial(attrs, "factors", in_shape)
        return (*(n * int(f) for n, f in zip(in_shape, factors, strict=False)), int(in_shape[-1]))
    raise IRError(f"rearrange kind {kind!r}; valid: {', '.join(KINDS)}")


def nearest(size: int, factor: int) -> np.ndarray:
    """The input position of each output position of a nearest-neighbour upsampling by
    ``factor``, computed as hls4ml's ``nnet::resize_nearest`` does (16-bit fixed-point ratio);
    for every size trigc accepts this is ``j // factor``, as Keras' UpSampling."""
    out = size * factor
    ratio = ((size << 16) // out) + 1
    positions = (np.arange(out) * ratio) >> 16
    if not np.array_equal(positions, np.arange(out) // factor):
        raise IRError(
            f"upsampling {size} positions by {factor}: hls4ml's nearest-neighbour ratio would "
            "not repeat each position exactly; upsample smaller tensors"
        )
    return positions


def source_index(attrs: dict, in_shape: tuple[int, ...]) -> np.ndarray:
    """For each element of the output (flat, C order), the flat index of the input element
    it is, or ``-1`` where it is a zero."""
    in_shape = tuple(int(d) for d in in_shape)
    out_shape = rearranged_shape(attrs, in_shape)
    index = np.arange(int(np.prod(in_shape))).reshape(in_shape)
    kind = attrs["kind"]
    if kind == "transpose":
        return np.transpose(index, [int(p) for p in attrs["perm"]]).reshape(-1)
    if kind == "upsample":
        for axis, f in enumerate(attrs["factors"]):
            index = np.take(index, nearest(int(in_shape[axis]), int(f)), axis=axis)
        return index.reshape(-1)
    sides = [(int(a), int(b)) for a, b in attrs[f"{kind}s"]]
    if kind == "pad":
        return np.pad(index, [*sides, (0, 0)], constant_values=-1).reshape(-1)
    cut = tuple(slice(a, n - b) for (a, b), n in zip(sides, in_shape, strict=False))
    out = index[cut]
    assert out.shape == out_shape
    return out.reshape(-1)


class RearrangeOp(Op):
    """``y[i] = x[source_index[i]]`` (zero where the index is -1); exact, no arithmetic."""

    name = "rearrange"
    keeps_input_type = True  # every value is an input value or zero, which the type holds

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        try:
            want = rearranged_shape(node.attrs, in_shapes[0])
        except (IRError, KeyError, TypeError, ValueError) as exc:
            raise IRError(f"node {node.name!r} (rearrange): {exc}") from None
        if tuple(node.attrs.get("in_shape", ())) != tuple(in_shapes[0]):
            raise IRError(
                f"node {node.name!r} (rearrange): attrs in_shape {node.attrs.get('in_shape')} "
                f"is not the input's shape {in_shapes[0]}"
            )
        if node.output.shape != want:
            raise IRError(
                f"node {node.name!r} (rearrange {node.attrs.get('kind')}): output shape "
                f"{node.output.shape}, expected {want}"
            )

    def _index(self, node, in_shape):
        return source_index(node.attrs, in_shape)

    def exact(self, node, xs, types):
        x = np.asarray(xs[0])
        n = x.shape[0]
        index = self._index(node, x.shape[1:])
        flat = x.reshape(n, -1)
        padded = np.concatenate([flat, np.zeros((n, 1), dtype=flat.dtype)], axis=1)
        y = padded[:, np.where(index >= 0, index, flat.shape[1])]
        return Exact(y.reshape(n, *node.output.shape), types[0].frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        index = self._index(node, r.lo.shape)
        lo = np.append(r.lo.reshape(-1), 0)[np.where(index >= 0, index, r.lo.size)]
        hi = np.append(r.hi.reshape(-1), 0)[np.where(index >= 0, index, r.hi.size)]
        shape = node.output.shape
        return Interval(lo.reshape(shape), hi.reshape(shape), r.frac)


REARRANGE_OPS = (RearrangeOp(),)
