"""Where a layer or node is, for messages: written once for every frontend."""

from __future__ import annotations

from typing import Any


def layer_where(name: object, cls: str) -> str:
    """``layer 'fc1' (Dense)``."""
    return f"layer {name!r} ({cls})"


def keras_object_where(layer: Any) -> str:
    """Where a live Keras layer object is."""
    return layer_where(layer.name, type(layer).__name__)


def keras_config_where(layer: dict[str, Any]) -> str:
    """Where a layer of a saved Keras model configuration (Keras 2, Keras 3, HGQ) is."""
    return layer_where(layer["config"].get("name"), layer["class_name"])


def onnx_node_where(node: Any) -> str:
    """Where an ONNX node is (its name, else its first output)."""
    return f"node {node.name or node.output[0]!r} ({node.op_type})"
