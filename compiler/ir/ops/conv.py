"""Sliding-window ops on channels-last tensors: convolution and max/average pooling.

A tensor of rank ``d + 1`` has ``d`` spatial axes (1 or 2) and channels last, as Keras lays
them out.  ``attrs`` hold ``in_shape`` (the input's shape, which lowerings that see only the flat
elements need), ``kernel`` (window size per spatial axis), ``strides`` and ``pads``
(``[before, after]`` per spatial axis: the zeros Keras' ``'same'`` padding adds).  The output
spatial size is ``(size + before + after - kernel) // stride + 1``.

* ``conv``: ``y[p, o] = sum(window(x, p)[i] * weight[i, o]) + bias[o]`` with the Keras kernel
  ``weight`` of shape ``(*kernel, c_in, c_out)``; padded positions contribute zero.
* ``max_pool``: the largest element of each window, per channel (no padding).
* ``avg_pool``: the mean of each window, per channel (no padding), for windows of a power-of-two
  number of elements, so that the mean is exact: the sum with ``log2(n)`` more fractional bits.

Windows are gathered with :func:`window_index`, which the backends use too.
"""

from __future__ import annotations

import numpy as np

from ...errors import IRError
from .base import Exact, Interval, Op, align, as_object, exact_matmul, int_dtype

__all__ = ["CONV_OPS", "ConvOp", "PoolOp", "out_size", "window_index"]


def out_size(size: int, kernel: int, stride: int, pads: tuple[int, int]) -> int:
    """Output length of one spatial axis."""
    return (size + pads[0] + pads[1] - kernel) // stride + 1


def window_index(node_attrs, in_shape: tuple[int, ...]) -> np.ndarray:
    """Flat spatial input positions read by each window, ``-1`` where the window is padding.

    The result has shape ``(*out_spatial, *kernel)``; position ``q`` of a tensor of shape
    ``in_shape`` (channels last) holds elements ``q * channels .. q * channels + channels - 1``.
    """
    spatial = in_shape[:-1]
    kernel, strides, pads = node_attrs["kernel"], node_attrs["strides"], node_attrs["pads"]
    axes = []
    for size, k, s, (before, after) in zip(spatial, kernel, strides, pads, strict=True):
        n = out_size(size, k, s, (before, after))
        pos = np.arange(n)[:, None] * s + np.arange(k)[None, :] - before  # (n, k)
        axes.append(np.where((pos >= 0) & (pos < size), pos, -1))
    if len(axes) == 1:
        return axes[0]
    rows, cols = axes  # (oh, kh), (ow, kw)
    r = rows[:, None, :, None]
    c = cols[None, :, None, :]
    return np.where((r >= 0) & (c >= 0), r * spatial[1] + c, -1)


def _gather(x: np.ndarray, index: np.ndarray, channels: int, fill) -> np.ndarray:
    """Windows of ``x`` (leading axes kept): shape ``(..., *index.shape, channels)``."""
    lead = x.shape[: x.ndim - 1 - index.ndim // 2]
    flat = x.reshape(*lead, -1, channels)
    pad = np.full((*lead, 1, channels), fill, dtype=flat.dtype)
    padded = np.concatenate([flat, pad], axis=-2)
    safe = np.where(index >= 0, index, flat.shape[-2])
    return padded[..., safe, :]


class _WindowOp(Op):
    def _check_window(self, node, in_shape: tuple[int, ...]) -> tuple[int, ...]:
        a = node.attrs
        rank = len(in_shape) - 1
        if tuple(a.get("in_shape", ())) != tuple(in_shape):
            raise IRError(
                f"node {node.name!r} ({self.name}): attribute in_shape "
                f"{a.get('in_shape')} is not its input's shape {in_shape}"
            )
        if rank not in (1, 2):
            raise IRError(
                f"node {node.name!r} ({self.name}): input {in_shape} must have 1 or 2 spatial "
                "axes and channels last"
            )
        for key in ("kernel", "strides", "pads"):
            if len(a.get(key, ())) != rank:
                raise IRError(f"node {node.name!r} ({self.name}): {key} needs {rank} entries")
        if any(k < 1 for k in a["kernel"]) or any(s < 1 for s in a["strides"]):
            raise IRError(f"node {node.name!r}: kernel and strides must be positive")
        out = tuple(
            out_size(n, k, s, tuple(p))
            for n, k, s, p in zip(in_shape[:-1], a["kernel"], a["strides"], a["pads"], strict=True)
        )
        if any(n < 1 for n in out):
            raise IRError(f"node {node.name!r}: window larger than its input {in_shape}")
        return out


class ConvOp(_WindowOp):
    """Convolution, channels last (see the module docstring)."""

    name = "conv"
    const_names = ("weight", "bias")

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        out = self._check_window(node, in_shapes[0])
        w, b = node.consts["weight"].values, node.consts["bias"].values
        c_out = w.shape[-1] if w.ndim else 0
        want_w = (*node.attrs["kernel"], in_shapes[0][-1], c_out)
        if w.shape != want_w or b.shape != (c_out,) or node.output.shape != (*out, c_out):
            raise IRError(
                f"node {node.name!r}: weight {w.shape} / bias {b.shape} / output "
                f"{node.output.shape} do not fit input {in_shapes[0]} (want weight {want_w}, "
                f"output {(*out, c_out)})"
            )

    @staticmethod
    def fracs(node, x_frac: int) -> tuple[int, int, int]:
        """Fractional bits of the products, of the bias and of the exact sum."""
        w, b = node.consts["weight"], node.consts["bias"]
        prod_frac = x_frac + w.type.frac
        return prod_frac, b.type.frac, max(prod_frac, b.type.frac)

    def _patches(self, node, x: np.ndarray, in_shape: tuple[int, ...], fill) -> np.ndarray:
        index = window_index(node.attrs, in_shape)
        windows = _gather(x, index, in_shape[-1], fill)
        lead = windows.shape[: windows.ndim - index.ndim - 1]
        out_spatial = index.shape[: index.ndim // 2]
        return windows.reshape(*lead, *out_spatial, -1)

    def exact(self, node, xs, types):
        (x,), (xt,) = xs, types
        w, b = node.consts["weight"], node.consts["bias"]
        prod_frac, bias_frac, frac = self.fracs(node, xt.frac)
        in_shape = tuple(np.asarray(x).shape[1:])
        kernel = w.values.reshape(-1, w.values.shape[-1])
        x_abs = max(abs(xt.min_int), abs(xt.max_int))
        w_abs = int(np.max(np.sum(np.abs(as_object(kernel)), axis=0), initial=0))
        b_abs = int(np.max(np.abs(as_object(b.values)), initial=0))
        dtype = int_dtype((x_abs * w_abs << (frac - prod_frac)) + (b_abs << (frac - bias_frac)))
        patches = self._patches(node, np.asarray(x).astype(dtype), in_shape, 0)
        acc = align(exact_matmul(patches, kernel, x_abs * w_abs).astype(dtype), prod_frac, frac)
        return Exact(acc + align(b.values.astype(dtype), bias_frac, frac), frac)

    def exact_range(self, node, ranges):
        (r,) = ranges
        w = as_object(node.consts["weight"].values)
        kernel = w.reshape(-1, w.shape[-1])
        b = as_object(node.consts["bias"].values)
        prod_frac, bias_frac, frac = self.fracs(node, r.frac)
        lo_p = self._patches(node, r.lo, r.lo.shape, 0)[..., :, None]
        hi_p = self._patches(node, r.hi, r.hi.shape, 0)[..., :, None]
        lo_terms = np.minimum(lo_p * kernel, hi_p * kernel)
        hi_terms = np.maximum(lo_p * kernel, hi_p * kernel)
        lo = align(lo_terms.sum(axis=-2), prod_frac, frac) + align(b, bias_frac, frac)
        hi = align(hi_terms.sum(axis=-2), prod_frac, frac) + align(b, bias_frac, frac)
        return Interval(lo, hi, frac)


class PoolOp(_WindowOp):
    """Max or average pooling over windows without padding (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def check(self, node, in_shapes):
        super().check(node, in_shapes)
        out = self._check_window(node, in_shapes[0])
        if any(tuple(p) != (0, 0) for p in node.attrs["pads"]):
            raise IRError(f"node {node.name!r} ({self.name}): padded pooling is not supported")
        n = int(np.prod(node.attrs["kernel"]))
        if self.name == "avg_pool" and n & (n - 1):
            raise IRError(
                f"node {node.name!r}: average pooling over {n} elements is not exact in fixed "
                "point; only windows of a power-of-two number of elements are"
            )
        if node.output.shape != (*out, in_shapes[0][-1]):
            raise IRError(f"node {node.name!r}: output {node.output.shape} should be {out}")

    def extra_frac(self, node) -> int:
        """Fractional bits the mean adds to the input's (``log2`` of the window size)."""
        n = int(np.prod(node.attrs["kernel"]))
        return n.bit_length() - 1 if self.name == "avg_pool" else 0

    def _windows(self, node, x: np.ndarray, in_shape: tuple[int, ...]) -> np.ndarray:
        index = window_index(node.attrs, in_shape)
        windows = _gather(x, index, in_shape[-1], 0)
        k_axes = tuple(range(windows.ndim - 1 - index.ndim // 2, windows.ndim - 1))
        return windows, k_axes

    def exact(self, node, xs, types):
        (x,), (xt,) = xs, types
        x = np.asarray(x)
        windows, axes = self._windows(node, x, tuple(x.shape[1:]))
        if self.name == "max_pool":
            return Exact(windows.max(axis=axes), xt.frac)
        # the mean of n = 2**k values is their sum with k more fractional bits
        return Exact(windows.sum(axis=axes), xt.frac + self.extra_frac(node))

    def exact_range(self, node, ranges):
        (r,) = ranges
        lo, axes = self._windows(node, r.lo, r.lo.shape)
        hi, _ = self._windows(node, r.hi, r.hi.shape)
        if self.name == "max_pool":
            return Interval(lo.max(axis=axes), hi.max(axis=axes), r.frac)
        return Interval(lo.sum(axis=axes), hi.sum(axis=axes), r.frac + self.extra_frac(node))


CONV_OPS: tuple[Op, ...] = (ConvOp(), PoolOp("max_pool"), PoolOp("avg_pool"))
