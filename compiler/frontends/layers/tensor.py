"""Frontend-neutral records for shape, merge, convolution and pooling layers, and their IR.

Like :mod:`.records`, frontends read their layers into these records and
:func:`.lower.lower_layers` lowers them; each function here appends the layer's IR nodes to
the :class:`.builder.GraphBuilder`, reading the builder's current node (or, for merges, the
nodes given).  Tensors are channels last, as in Keras.  A convolution's ``'same'`` padding is
Keras': ``ceil(size / stride)`` outputs, the odd padding element after.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import UnsupportedModelError
from ...ir.graph import Node
from .builder import GraphBuilder
from .quantizers import ActivationSpec

MERGE_OPS = {"Add": "add", "Subtract": "subtract", "Multiply": "multiply"}


@dataclass(frozen=True)
class ReshapeLayer:
    """Flatten or Reshape: ``shape`` without the batch axis (one entry may be -1)."""

    name: str
    cls: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class MergeLayer:
    """Add / Subtract / Multiply / Concatenate of two or more tensors (``axis`` for the last,
    counted without the batch axis, negative from the end)."""

    name: str
    cls: str
    axis: int | None = None


@dataclass(frozen=True)
class RearrangeLayer:
    """Data movement only (:mod:`trigc.compiler.ir.ops.rearrange`): ``kind`` transpose (with
    ``perm``), pad (``pads``), crop (``crops``) or upsample (``factors``)."""

    name: str
    cls: str
    kind: str
    params: tuple[tuple[str, object], ...]


def lower_rearrange(b: GraphBuilder, layer: RearrangeLayer) -> None:
    """A ``rearrange`` node, its shape checked against the input's."""
    from ...ir.ops.rearrange import rearranged_shape  # noqa: PLC0415

    in_shape = b.last.output.shape
    attrs = {"kind": layer.kind, **dict(layer.params), "in_shape": list(in_shape)}
    try:
        shape = rearranged_shape(attrs, in_shape)
    except Exception as exc:  # IRError, a wrong number of axes
        raise UnsupportedModelError(
            f"layer {layer.name!r} ({layer.cls}) on a tensor of shape {in_shape}: {exc}"
        ) from None
    node = b.add(layer.name, "rearrange", shape, None, layer.name)
    b.set_attrs(node, **attrs)


@dataclass(frozen=True)
class PadLayer:
    """Zero padding ``(before, after)`` per spatial axis; folded into the convolution that
    reads it (its only reader)."""

    name: str
    cls: str
    pads: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class PoolLayer:
    """Max or average pooling; ``pool=None`` pools globally (``keepdims`` keeps the axes)."""

    name: str
    cls: str
    op: str  # "max_pool" | "avg_pool"
    pool: tuple[int, ...] | None
    strides: tuple[int, ...] | None
    padding: str = "valid"
    keepdims: bool = False


def same_pads(size: int, kernel: int, stride: int) -> list[int]:
    """Keras' ``'same'`` padding of one axis: ``[before, after]``."""
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return [total // 2, total - total // 2]


Padding = str | tuple[tuple[int, int], ...]
"""``'valid'``, Keras' ``'same'``, or explicit zeros ``(before, after)`` per spatial axis."""


def padded(
    padding: Padding, extra: tuple[tuple[int, int], ...], in_shape, kernel, strides
) -> Padding:
    """A convolution's padding after zero padding ``extra`` in front of it (Keras' ``'same'``
    is then computed on the padded size)."""
    if isinstance(padding, tuple):
        base = padding
    elif padding == "valid":
        base = tuple((0, 0) for _ in extra)
    else:
        sizes = [n + a + b for n, (a, b) in zip(in_shape[:-1], extra, strict=True)]
        base = tuple(
            tuple(same_pads(n, k, s)) for n, k, s in zip(sizes, kernel, strides, strict=True)
        )
    return tuple((a + x, b + y) for (a, b), (x, y) in zip(base, extra, strict=True))


def window_attrs(
    where: str, in_shape: tuple[int, ...], kernel, strides, padding: Padding
) -> dict[str, list]:
    """The IR attributes of a window op, checked against the input."""
    spatial = in_shape[:-1]
    if len(spatial) not in (1, 2) or len(kernel) != len(spatial):
        raise UnsupportedModelError(
            f"{where}: input shape {in_shape} is not a 1-D or 2-D channels-last tensor"
        )
    if isinstance(padding, tuple) and len(padding) == len(spatial):
        pads = [[int(a), int(b)] for a, b in padding]
    elif padding == "valid":
        pads = [[0, 0] for _ in spatial]
    elif padding == "same":
        pads = [same_pads(n, k, s) for n, k, s in zip(spatial, kernel, strides, strict=True)]
    else:
        raise UnsupportedModelError(f"{where}: padding {padding!r} is not supported")
    return {
        "in_shape": list(in_shape),
        "kernel": [int(k) for k in kernel],
        "strides": [int(s) for s in strides],
        "pads": pads,
    }


def out_shape(attrs: dict[str, list], channels: int) -> tuple[int, ...]:
    """The output shape of a window op with ``attrs``."""
    spatial = attrs["in_shape"][:-1]
    return (
        *(
            (n + p[0] + p[1] - k) // s + 1
            for n, k, s, p in zip(
                spatial, attrs["kernel"], attrs["strides"], attrs["pads"], strict=True
            )
        ),
        channels,
    )


def lower_reshape(b: GraphBuilder, layer: ReshapeLayer) -> None:
    """A ``reshape`` node (nothing for a shape that does not change)."""
    src = b.last.output
    shape = tuple(int(d) for d in layer.shape)
    if -1 in shape:
        known = int(np.prod([d for d in shape if d != -1]))
        shape = tuple(src.size // known if d == -1 else d for d in shape)
    if int(np.prod(shape)) != src.size:
        raise UnsupportedModelError(
            f"layer {layer.name!r} ({layer.cls}): cannot reshape {src.shape} into {shape}"
        )
    if shape != src.shape:
        b.add(layer.name, "reshape", shape, None, layer.name)


def lower_merge(b: GraphBuilder, layer: MergeLayer, srcs: list[Node]) -> None:
    """A chain of two-input merge nodes: ``((a op b) op c) ...``, exact at every step."""
    where = f"layer {layer.name!r} ({layer.cls})"
    if len(srcs) < 2:
        raise UnsupportedModelError(f"{where} needs at least two inputs, got {len(srcs)}")
    acc = srcs[0]
    for k, other in enumerate(srcs[1:]):
        name = layer.name if k == len(srcs) - 2 else f"{layer.name}_{k}"
        a, c = acc.output.shape, other.output.shape
        if layer.cls == "Concatenate":
            axis = (layer.axis if layer.axis is not None else -1) % len(a)
            shape = (*a[:axis], a[axis] + c[axis], *a[axis + 1 :])
            if len(a) != len(c) or a[:axis] + a[axis + 1 :] != c[:axis] + c[axis + 1 :]:
                raise UnsupportedModelError(f"{where}: cannot concatenate {a} and {c}")
            acc = b.add(name, "concatenate", shape, None, layer.name, inputs=(acc, other))
            acc = b.set_attrs(acc, axis=axis)
        else:
            if a != c:
                raise UnsupportedModelError(
                    f"{where}: inputs of shapes {a} and {c}; trigc merges equal shapes only "
                    "(no broadcasting)"
                )
            op = MERGE_OPS[layer.cls]
            acc = b.add(name, op, a, None, layer.name, inputs=(acc, other))


def lower_pool(b: GraphBuilder, layer: PoolLayer) -> None:
    """A ``max_pool``/``avg_pool`` node (and a reshape dropping the axes of global pooling)."""
    where = f"layer {layer.name!r} ({layer.cls})"
    in_shape = b.last.output.shape
    if layer.padding != "valid":
        raise UnsupportedModelError(
            f"{where}: padding {layer.padding!r} is not supported for pooling; use 'valid'"
        )
    pool = layer.pool if layer.pool is not None else in_shape[:-1]
    strides = layer.strides or pool
    attrs = window_attrs(where, in_shape, pool, strides, "valid")
    n = int(np.prod(pool))
    if layer.op == "avg_pool" and n & (n - 1):
        raise UnsupportedModelError(
            f"{where}: the average of {n} elements is not exact in fixed point (hls4ml divides "
            "and truncates); trigc supports average pooling over a power-of-two number of "
            "elements (e.g. 2, 2x2, 4x2), or use max pooling"
        )
    shape = out_shape(attrs, in_shape[-1])
    node = b.add(layer.name, layer.op, shape, None, layer.name)
    b.set_attrs(node, **attrs)
    if layer.pool is None and not layer.keepdims:
        b.add(f"{layer.name}_flat", "reshape", (in_shape[-1],), None, layer.name)


def conv_node(
    b: GraphBuilder,
    name: str,
    kernel_shape: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    out_type,
    consts: dict,
    activation: ActivationSpec | None,
    where: str,
) -> None:
    """A ``conv`` node with its attributes, then the layer's activation."""
    in_shape = b.last.output.shape
    kernel = kernel_shape[:-2]
    if kernel_shape[-2] != in_shape[-1]:
        raise UnsupportedModelError(
            f"{where}: kernel {kernel_shape} does not fit input channels {in_shape[-1]}"
        )
    attrs = window_attrs(where, in_shape, kernel, strides, padding)
    node = b.add(name, "conv", out_shape(attrs, kernel_shape[-1]), out_type, name, consts)
    b.set_attrs(node, **attrs)
    if activation is not None:
        b.activation(activation, f"{name}_act", name)
