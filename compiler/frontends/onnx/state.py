"""An ONNX tensor as the IR holds it (:class:`TensorState`), and the moves between its forms.

A state is immutable: every move (:meth:`TensorState.flatten`, :meth:`~TensorState.relabel`,
:meth:`~TensorState.to_channels_first`, :meth:`~TensorState.to_onnx_order`,
:meth:`~TensorState.dense_rows`) returns the records it needs and the new state, which the
handler passes on in its :class:`OnnxRead`.  Where each ONNX axis is in the IR (channels first
in ONNX, channels last in the IR, transposes that cost nothing) is the tensor's layout
(:mod:`.layout`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ...errors import UnsupportedModelError
from ..layers.handler import Read
from ..layers.records import Layer, Weights
from ..layers.tensor import RearrangeLayer, ReshapeLayer
from . import layout as lay
from .layout import Layout

Moved = tuple[tuple[Layer, ...], "TensorState"]
"""The records a move needs, and the state after it."""


def ints(attrs: dict[str, Any], key: str, default: list[int]) -> list[int]:
    return [int(v) for v in attrs.get(key, default)]


@dataclass(frozen=True, eq=False)
class TensorState:
    """An ONNX tensor as the IR holds it: the layer (or input) it is the output of, its IR
    shape, where its ONNX axes are in the IR (:mod:`.layout`), a pending flatten permutation,
    and zero padding waiting for the next convolution.  ``flat_dims``: the ONNX dims of a
    model input the IR takes flattened (its first node flattens it); ``file`` names the model
    file in messages."""

    source: str
    shape: tuple[int, ...]
    layout: Layout
    perm: np.ndarray | None
    pads: tuple[tuple[int, int], ...] | None = None
    flat_dims: tuple[int, ...] | None = None
    file: str = ""

    # -- what the tensor is ---------------------------------------------------------------
    def reads_flattened_input(self) -> bool:
        """Whether this is an input the IR takes flattened."""
        return self.flat_dims is not None

    @property
    def channels_first(self) -> bool:
        """Whether ONNX holds the tensor ``[C, *spatial]`` and the IR ``(*spatial, C)``."""
        rank = len(self.shape)
        return rank >= 2 and self.layout == lay.channels_first(rank)

    def onnx_shape(self) -> tuple[int, ...]:
        """The tensor's ONNX shape, without the batch."""
        if self.flat_dims is not None:
            return self.flat_dims
        return lay.onnx_shape(self.shape, self.layout)

    def features(self) -> int:
        """Features (channels of an N-D tensor)."""
        return int(self.shape[-1])

    def feature_axis(self, onnx_axis: int, where: str) -> None:
        """Check that ONNX axis ``onnx_axis`` (batch counted) is the IR's channels."""
        k = onnx_axis % (len(self.layout) + 1) - 1
        if k < 0 or self.layout[k] != len(self.shape) - 1:
            raise UnsupportedModelError(
                f"{self.file}: {where} works along ONNX axis {onnx_axis} of a tensor of "
                f"ONNX shape {list(self.onnx_shape())}, which the IR does not hold as its "
                "channels (last axis)"
            )

    def take_perm(self, values: np.ndarray) -> np.ndarray:
        """Rows (or per-feature values) of the next layer in the IR's element order."""
        return values if self.perm is None else np.asarray(values)[self.perm]

    def feature_values(self, values: np.ndarray, where: str) -> np.ndarray:
        """A constant that broadcasts against the tensor as one value per IR channel (per
        element of a flat tensor, in the IR's order)."""
        values = np.asarray(values, dtype=np.float64)
        shape = self.onnx_shape()
        while values.ndim > len(shape) and values.shape[0] == 1:
            values = values[0]  # the batch axis
        try:
            full = lay.to_ir(values, self.shape, self.layout)
        except ValueError:
            raise UnsupportedModelError(
                f"{where}: constant of shape {list(np.shape(values))} does not broadcast "
                f"against the tensor's ONNX shape {list(shape)}"
            ) from None
        per_channel = full.reshape(-1, self.features())
        if not np.all(per_channel == per_channel[:1]):
            raise UnsupportedModelError(
                f"{where}: the constant varies along the spatial axes of a tensor of ONNX "
                f"shape {list(shape)}; trigc supports one value per channel"
            )
        return self.take_perm(per_channel[0].copy())

    def window(self, where: str, attrs: dict[str, Any], kernel: list[int]) -> list[int]:
        """Check the attributes every windowed op shares; return the strides."""
        if not self.channels_first or self.perm is not None:
            raise UnsupportedModelError(
                f"{self.file}: {where} reads a tensor of ONNX shape "
                f"{list(self.onnx_shape())} that the IR does not hold channels last; windowed "
                "ops need the [batch, C, *spatial] tensors of the model's input, of another "
                "windowed op, or of a Transpose to that order"
            )
        if len(kernel) != len(self.shape) - 1:
            raise UnsupportedModelError(
                f"{where}: a {len(kernel)}-D window on a tensor of IR shape {self.shape}"
            )
        auto_pad = attrs.get("auto_pad", b"NOTSET")
        auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else str(auto_pad)
        if auto_pad not in ("NOTSET", "VALID"):
            raise UnsupportedModelError(f"{where}: auto_pad {auto_pad!r} is not supported")
        if any(d != 1 for d in ints(attrs, "dilations", [])):
            raise UnsupportedModelError(f"{where}: dilated windows are not supported")
        return ints(attrs, "strides", [1] * len(kernel))

    # -- moves ----------------------------------------------------------------------------
    def with_pads(self, pads: tuple[tuple[int, int], ...] | None) -> TensorState:
        """The same tensor with zero padding waiting for the next convolution (or none)."""
        return replace(self, pads=pads)

    def with_shape(self, shape: tuple[int, ...], layout: Layout | None = None) -> TensorState:
        """The same tensor under another IR shape (and layout)."""
        return replace(self, shape=shape, layout=self.layout if layout is None else layout)

    def dense_rows(self, kernel: Weights, where: str) -> tuple[Weights, TensorState]:
        """A dense kernel with its rows in the IR's order of the flat input, and the state of
        its output: a flat vector in the same order in ONNX and in the IR.  On an N-D tensor
        (a MatMul with leading axes) the kernel multiplies the IR's last axis."""
        n_out = int(kernel.values.shape[1])
        if kernel.values.shape[0] != self.features() or (
            len(self.shape) == 1 and int(np.prod(self.onnx_shape())) != self.features()
        ):
            raise UnsupportedModelError(
                f"{self.file}: {where} multiplies a tensor of ONNX shape "
                f"{list(self.onnx_shape())} by a {list(kernel.values.shape)} weight; trigc "
                "multiplies over the last axis (Flatten an N-D tensor first)"
            )
        if len(self.shape) > 1:
            self.feature_axis(-1, where)
            return kernel, self.with_shape((*self.shape[:-1], n_out))
        rows = self.take_perm(kernel.values)
        layout = tuple(0 if a is not None else None for a in self.layout)
        after = replace(self, perm=None, shape=(n_out,), layout=layout)
        return Weights(rows, kernel.quantized, kernel.nominal), after

    def flatten(self, name: str, cls: str) -> Moved:
        """Flatten to ``[batch, n]``: a reshape in the IR, the ONNX order kept in ``perm``."""
        if self.reads_flattened_input():
            return (), self  # the IR's input is this flat vector
        if len(self.shape) > 1:
            perm = lay.flatten_permutation(self.shape, self.layout)
            kept = None if np.array_equal(perm, np.arange(perm.size)) else perm
            shape = (int(np.prod(self.shape)),)
            return (ReshapeLayer(name, cls, (-1,)),), replace(
                self, perm=kept, shape=shape, layout=(0,)
            )
        return (), replace(self, layout=(0,))

    def relabel(self, name: str, cls: str, shape: tuple[int, ...], layout: Layout) -> Moved:
        """Hold the same elements, in the same IR order, under a new shape and layout."""
        records = (ReshapeLayer(name, cls, shape),) if shape != self.shape else ()
        return records, self.with_shape(shape, layout)

    def to_channels_first(self, name: str, cls: str) -> Moved:
        """Hold an ONNX ``[C, *spatial]`` tensor as the IR's ``(*spatial, C)`` where only a
        reshape is needed (an Unsqueeze'd channel axis of one, say)."""
        shape = self.onnx_shape()
        if self.channels_first or self.perm is not None or len(shape) < 2:
            return (), self
        target, layout = (*shape[1:], shape[0]), lay.channels_first(len(shape))
        before = lay.flatten_permutation(self.shape, self.layout)
        if np.array_equal(before, lay.flatten_permutation(target, layout)):
            return self.relabel(name, cls, target, layout)
        if None in self.layout or len(shape) > 3:
            return (), self  # the windowed op explains what it needs
        # Move the data: the IR axes holding ONNX's spatial axes, then its channels.
        order = [self.layout[k] for k in range(1, len(shape))] + [self.layout[0]]
        move = RearrangeLayer(name, cls, "transpose", (("perm", [int(a) for a in order]),))
        return (move,), self.with_shape(target, layout)

    def to_onnx_order(self, name: str, cls: str) -> Moved:
        """Make the IR hold the tensor in ONNX's own element order (a transpose of the data
        where a relabelling cannot do it)."""
        if lay.is_identity_order(self.shape, self.layout) or self.perm is not None:
            return (), self
        if None in self.layout or len(self.shape) > 3:
            return (), self
        order = [int(a) for a in lay.ir_axes(self.layout)]
        move = RearrangeLayer(name, cls, "transpose", (("perm", order),))
        shape = tuple(int(self.shape[a]) for a in order)
        return (move,), self.with_shape(shape, lay.identity(len(shape)))


@dataclass(frozen=True)
class OnnxRead(Read):
    """What an ONNX op handler read: its records (a chain from the tensor it reads), the state
    of its output tensor (None: the input's, unchanged), and whether its one record replaces
    the record before it (an ``Add`` of a bias completing a ``MatMul``)."""

    state: TensorState | None = None
    replaces_previous: bool = False


def moved(moves: list[Moved], last: Layer | None = None) -> OnnxRead:
    """The records of several moves, in order, then ``last``, with the final state."""
    records = tuple(r for rs, _ in moves for r in rs) + ((last,) if last is not None else ())
    return OnnxRead(records, state=moves[-1][1])
