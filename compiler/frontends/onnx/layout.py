"""Where an ONNX tensor's axes are in the IR: layouts, and the moves that cost nothing.

The IR holds tensors channels last (``(L, C)``, ``(H, W, C)``), as Keras does.  ONNX tensors
come in any order: PyTorch exports are channels first (``[batch, C, H, W]``), tf2onnx and
Keras 3's exporter keep a Keras model's ``[batch, H, W, C]`` and put ``Transpose`` nodes around
each convolution, and exporters add or drop axes of size one (``Unsqueeze``/``Squeeze``).

A :data:`Layout` says, for every ONNX axis but the batch, which IR axis holds it, or ``None``
for an ONNX axis of size one that the IR does not have.  Transposes, squeezes and unsqueezes
then change only the layout: no IR node, no hardware.  The data moves only where ONNX and the
IR disagree on the order of the elements of a flat vector (a ``Flatten`` of a channels-first
tensor): :func:`flatten_permutation` gives that order, which the next dense layer's rows absorb.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Layout = tuple[int | None, ...]
"""Per ONNX axis after the batch: the IR axis holding it, or None (an ONNX axis of size 1)."""


def identity(rank: int) -> Layout:
    """ONNX and IR axes in the same order."""
    return tuple(range(rank))


def channels_first(rank: int) -> Layout:
    """ONNX ``[C, *spatial]`` held by the IR as ``(*spatial, C)``."""
    return (rank - 1, *range(rank - 1))


def onnx_shape(shape: tuple[int, ...], layout: Layout) -> tuple[int, ...]:
    """The ONNX shape (without the batch) of an IR tensor of ``shape`` in ``layout``."""
    return tuple(1 if a is None else int(shape[a]) for a in layout)


def ir_axes(layout: Layout) -> list[int]:
    """The IR axes in ONNX order (the layout without its ``None`` entries)."""
    return [a for a in layout if a is not None]


def to_onnx(values: np.ndarray, shape: tuple[int, ...], layout: Layout) -> np.ndarray:
    """An IR tensor (leading batch axes allowed) in ONNX order and shape."""
    lead = values.ndim - len(shape)
    moved = np.transpose(values, (*range(lead), *(lead + a for a in ir_axes(layout))))
    return moved.reshape(*values.shape[:lead], *onnx_shape(shape, layout))


def to_ir(values: np.ndarray, shape: tuple[int, ...], layout: Layout) -> np.ndarray:
    """A constant that broadcasts against the ONNX tensor, broadcast and laid out as the IR
    tensor of ``shape`` (the inverse of :func:`to_onnx`)."""
    full = np.broadcast_to(np.asarray(values), onnx_shape(shape, layout))
    kept = full.reshape([int(shape[a]) for a in ir_axes(layout)])
    order = np.argsort(ir_axes(layout))  # IR axis k is ONNX-kept axis order[k]
    return np.transpose(kept, order) if kept.ndim else kept


def flatten_permutation(shape: tuple[int, ...], layout: Layout) -> np.ndarray:
    """For each element of the IR's flattening, its index in ONNX's flattening."""
    n = int(np.prod(shape))
    onnx_index = np.arange(n).reshape(onnx_shape(shape, layout))
    return to_ir(onnx_index, shape, layout).reshape(-1)


def is_identity_order(shape: tuple[int, ...], layout: Layout) -> bool:
    """Whether flattening the IR tensor and the ONNX tensor orders the elements alike."""
    perm = flatten_permutation(shape, layout)
    return bool(np.array_equal(perm, np.arange(perm.size)))


def transposed(layout: Layout, perm: Sequence[int]) -> Layout:
    """The layout after an ONNX ``Transpose`` with ``perm`` (batch axis 0 kept in place)."""
    return tuple(layout[p - 1] for p in perm[1:])


def unsqueezed(layout: Layout, axes: Sequence[int]) -> Layout:
    """The layout after ONNX ``Unsqueeze`` inserts size-1 axes at ``axes`` (output axes)."""
    rank = len(layout) + 1 + len(axes)
    new = sorted(a % rank for a in axes)
    out: list[int | None] = list(layout)
    for a in new:
        out.insert(a - 1, None)
    return tuple(out)


def squeezed(
    shape: tuple[int, ...], layout: Layout, axes: Sequence[int]
) -> tuple[tuple[int, ...], Layout]:
    """The IR shape and layout after ONNX ``Squeeze`` drops the size-1 ``axes`` (batch
    excluded, counted with it): IR axes of size one that are dropped leave the IR shape."""
    rank = len(layout) + 1
    drop = {a % rank - 1 for a in axes}
    gone = sorted(layout[k] for k in drop if layout[k] is not None)  # IR axes removed
    kept: list[int | None] = [a for k, a in enumerate(layout) if k not in drop]
    new_shape = tuple(int(d) for k, d in enumerate(shape) if k not in gone)

    def renumber(a: int | None) -> int | None:
        return None if a is None else a - sum(g < a for g in gone)

    return new_shape, tuple(renumber(a) for a in kept)
