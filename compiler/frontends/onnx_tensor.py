"""ONNX convolutions, pooling and flattening of N-D tensors, read into the shared layer records.

Layout: ONNX tensors are channels first (``[batch, C, L]``, ``[batch, C, H, W]``), the IR's are
channels last (``(L, C)``, ``(H, W, C)``), as Keras'.  A model whose input is N-D and whose first
node is not a Flatten/Reshape therefore takes its input channels last: the firmware's input
vector is the ONNX input transposed to ``[batch, *spatial, C]`` and flattened (``trigc verify``
transposes it back for onnxruntime).  Convolution kernels ``(C_out, C_in, *k)`` are transposed
to ``(*k, C_in, C_out)``.  A Flatten of a channels-first tensor orders its elements C, H, W,
the IR's reshape H, W, C: the permutation between the two is kept and applied to the rows of
the next Gemm/MatMul (and to per-feature constants before it), so the IR stays a plain reshape.
Merges (Add/Sub/Mul of two tensors, Concat) read tensors in one layout with no permutation
pending; Concat's ONNX axis becomes the IR's (channels: the IR's last axis).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import UnsupportedModelError
from .layers import ConvLayer, Weights
from .layers_tensor import (
    MergeLayer,
    PoolLayer,
    ReshapeLayer,
    out_shape,
    same_pads,
    window_attrs,
)

# ONNX merges of two (Concat: two or more) tensors → the shared merge layers' classes.
MERGES = {"Add": "Add", "Sub": "Subtract", "Mul": "Multiply", "Concat": "Concatenate"}


def node_attrs(node: Any) -> dict[str, Any]:
    """An ONNX node's attributes as Python values."""
    import onnx  # noqa: PLC0415

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


@dataclass(frozen=True)
class TensorState:
    """An ONNX tensor as the IR holds it: the layer (or input) it is the output of, its IR
    shape, whether ONNX holds it channels first, and a pending flatten permutation."""

    source: str
    shape: tuple[int, ...]
    channels_first: bool
    perm: np.ndarray | None


def channels_last_input(model: Any) -> bool:
    """Whether the IR takes this ONNX model's N-D input channels last (see the module doc)."""
    consts = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in consts]
    if len(inputs) != 1 or len(inputs[0].type.tensor_type.shape.dim) < 3:
        return False
    name = inputs[0].name
    first = next((n for n in model.graph.node if name in n.input), None)
    return first is not None and first.op_type not in ("Flatten", "Reshape")


def flatten_permutation(shape: tuple[int, ...]) -> np.ndarray:
    """For an IR tensor of channels-last ``shape``: the index into ONNX's channels-first
    flattening of each element of the IR's flattening."""
    channels_first = (shape[-1], *shape[:-1])
    order = np.arange(int(np.prod(shape))).reshape(channels_first)
    return np.moveaxis(order, 0, -1).reshape(-1)


def _ints(attrs: dict[str, Any], key: str, default: list[int]) -> list[int]:
    return [int(v) for v in attrs.get(key, default)]


class TensorOps:
    """ONNX handlers for N-D tensors, mixed into the ONNX reader (which provides ``path``,
    ``layers``, ``consts``, ``weights``, ``shape``, ``channels_first`` and ``perm``)."""

    path: Any
    layers: list
    sources: list[tuple[str, ...]]
    state: dict[str, TensorState]
    consts: dict[str, np.ndarray]
    shape: tuple[int, ...]
    channels_first: bool
    perm: np.ndarray | None

    def weights(self, name: str) -> Weights: ...  # provided by the reader

    def _const_input(self, node: Any, index: int, where: str) -> str: ...

    def _window(self, where: str, attrs: dict[str, Any], kernel: list[int]) -> list[int]:
        """Check the attributes every windowed op shares; return the strides."""
        if not self.channels_first:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads a flat tensor; windowed ops need the "
                "[batch, C, *spatial] tensors of the model's input or of another windowed op"
            )
        if len(kernel) != len(self.shape) - 1:
            raise UnsupportedModelError(
                f"{where}: a {len(kernel)}-D window on a tensor of IR shape {self.shape}"
            )
        auto_pad = attrs.get("auto_pad", b"NOTSET")
        auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else str(auto_pad)
        if auto_pad not in ("NOTSET", "VALID"):
            raise UnsupportedModelError(f"{where}: auto_pad {auto_pad!r} is not supported")
        if any(d != 1 for d in _ints(attrs, "dilations", [])):
            raise UnsupportedModelError(f"{where}: dilated windows are not supported")
        return _ints(attrs, "strides", [1] * len(kernel))

    def _op_Conv(self, node: Any, name: str, where: str) -> None:
        attrs = node_attrs(node)
        w = self.weights(self._const_input(node, 1, where))
        kernel_size = list(w.values.shape[2:])
        strides = self._window(where, attrs, kernel_size)
        if attrs.get("group", 1) != 1:
            raise UnsupportedModelError(f"{where}: grouped convolutions are not supported")
        pads = _ints(attrs, "pads", [0] * 2 * len(kernel_size))
        per_axis = [[pads[i], pads[i + len(kernel_size)]] for i in range(len(kernel_size))]
        spatial = self.shape[:-1]
        same = [same_pads(n, k, s) for n, k, s in zip(spatial, kernel_size, strides, strict=True)]
        if all(p == [0, 0] for p in per_axis):
            padding = "valid"
        elif per_axis == same:
            padding = "same"
        else:
            raise UnsupportedModelError(
                f"{where}: pads {pads} are neither none nor Keras' 'same' padding {same}; "
                "trigc supports those two"
            )
        kernel = np.moveaxis(w.values, (0, 1), (-1, -2))  # (C_out, C_in, *k) → (*k, C_in, C_out)
        c_out = kernel.shape[-1]
        if len(node.input) > 2 and node.input[2]:
            b = self.weights(self._const_input(node, 2, where))
            bias = Weights(b.values.reshape(-1), b.quantized, b.nominal)
        else:
            bias = Weights(np.zeros(c_out), True)
        layer = ConvLayer(
            name, "Conv", Weights(kernel, w.quantized, w.nominal), bias, tuple(strides), padding
        )
        attrs_ir = window_attrs(where, self.shape, kernel_size, strides, padding)
        self.layers.append(layer)
        self.shape = out_shape(attrs_ir, c_out)

    def _pool(self, node: Any, name: str, where: str, op: str) -> None:
        attrs = node_attrs(node)
        kernel = _ints(attrs, "kernel_shape", [])
        strides = self._window(where, attrs, kernel)
        if any(_ints(attrs, "pads", [])) or attrs.get("ceil_mode", 0):
            raise UnsupportedModelError(
                f"{where}: padded pooling (pads or ceil_mode) is not supported; pool without "
                "padding"
            )
        self.layers.append(PoolLayer(name, node.op_type, op, tuple(kernel), tuple(strides)))
        self.shape = out_shape(
            window_attrs(where, self.shape, kernel, strides, "valid"), self.shape[-1]
        )

    def _op_MaxPool(self, node: Any, name: str, where: str) -> None:
        if len(node.output) > 1 and node.output[1]:
            raise UnsupportedModelError(f"{where}: the Indices output is not supported")
        self._pool(node, name, where, "max_pool")

    def _op_AveragePool(self, node: Any, name: str, where: str) -> None:
        self._pool(node, name, where, "avg_pool")

    def _global_pool(self, node: Any, name: str, where: str, op: str) -> None:
        self._window(where, {}, [1] * (len(self.shape) - 1))
        # ONNX keeps the pooled axes as ones: [batch, C, 1, 1]
        self.layers.append(PoolLayer(name, node.op_type, op, None, None, keepdims=True))
        self.shape = (*(1 for _ in self.shape[:-1]), self.shape[-1])

    def _op_GlobalAveragePool(self, node: Any, name: str, where: str) -> None:
        self._global_pool(node, name, where, "avg_pool")

    def _op_GlobalMaxPool(self, node: Any, name: str, where: str) -> None:
        self._global_pool(node, name, where, "max_pool")

    def flatten_channels_first(self, name: str, cls: str) -> None:
        """Flatten a channels-first tensor: a reshape in the IR, the order kept in ``perm``."""
        perm = flatten_permutation(self.shape)
        self.perm = None if np.array_equal(perm, np.arange(perm.size)) else perm
        self.layers.append(ReshapeLayer(name, cls, (-1,)))
        self.shape = (int(np.prod(self.shape)),)
        self.channels_first = False

    def take_perm(self, values: np.ndarray) -> np.ndarray:
        """Rows (or per-feature values) of the next layer in the IR's element order."""
        return values if self.perm is None else np.asarray(values)[self.perm]

    def merge(self, node: Any, name: str, where: str, states: list[TensorState]) -> None:
        """Add/Sub/Mul of two tensors of one shape, or Concat along one axis."""
        first = states[0]
        if any(s.channels_first != first.channels_first or s.perm is not None for s in states):
            raise UnsupportedModelError(
                f"{self.path.name}: {where} merges tensors in different layouts (channels "
                "first and flat, or flattened from channels-first tensors); merge before the "
                "Flatten"
            )
        shapes = [s.shape for s in states]
        shape = first.shape
        axis = None
        if node.op_type == "Concat":
            rank = len(shape) + 1  # with the batch axis
            onnx_axis = int(node_attrs(node).get("axis", 1)) % rank
            if onnx_axis == 0:
                raise UnsupportedModelError(f"{where}: concatenation along the batch axis")
            if first.channels_first:  # ONNX [batch, C, *spatial] → IR (*spatial, C)
                axis = len(shape) - 1 if onnx_axis == 1 else onnx_axis - 2
            else:
                axis = onnx_axis - 1
            shape = (*shape[:axis], sum(s[axis] for s in shapes), *shape[axis + 1 :])
        elif len(states) != 2 or shapes[0] != shapes[1]:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads tensors of IR shapes {shapes}; trigc merges "
                "two tensors of one shape (no broadcasting)"
            )
        self.layers.append(MergeLayer(name, MERGES[node.op_type], axis))
        self.sources.append(tuple(s.source for s in states))
        self.state[node.output[0]] = TensorState(name, shape, first.channels_first, None)
