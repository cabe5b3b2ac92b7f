"""Legacy Keras 2 / QKeras 0.9 files, read with JSON and h5py (no Keras 2 needed).

Two layouts, as Keras 2.x writes them:

* a single ``model.h5`` (``model.save``): the architecture as JSON in the root attribute
  ``model_config`` and the weights under the group ``model_weights``;
* ``model.json`` (``model.to_json()``) plus a weights file (``model.save_weights``) whose root
  holds the attribute ``layer_names`` and one group per layer.

Either way a layer's group has the attribute ``weight_names`` naming its datasets (e.g.
``fc1/kernel:0``).  Supported: sequential chains (Sequential or Functional) of InputLayer,
Dense, QDense, Activation, QActivation, BatchNormalization, QBatchNormalization (without
quantizers), Dropout, (Q)Conv1D/2D, max/average/global pooling 1D/2D, Flatten and Reshape
(channels last); anything else is refused with the layer's name and class.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ...errors import UnsupportedModelError
from ...ir.graph import Graph
from ...names import identifier
from ..layers.builder import FrontendOptions
from ..layers.lower import lower_layers
from ..layers.records import Layer
from ..layers.where import keras_config_where
from .files import chain_input, layer_chain, read_legacy_files
from .layers import HANDLERS, SUPPORTED_LAYERS

_SKIPPED = ("InputLayer", "Dropout")


def read_legacy_layers(
    path: Path, weights: Path | None = None
) -> tuple[str, tuple[int, ...], str, list[Layer]]:
    """The model's name, input shape, input name and layer records (a chain), as read."""
    config, stored = read_legacy_files(path, weights)
    name, raw_layers = layer_chain(config, Path(path))
    input_name, in_shape = chain_input(raw_layers, Path(path))
    for layer in raw_layers:  # refuse unsupported layers before converting anything
        cls = layer.get("class_name")
        if cls not in HANDLERS and cls not in _SKIPPED:
            raise UnsupportedModelError(
                f"{Path(path).name}: {keras_config_where(layer)} is not supported. "
                f"Supported layers: {SUPPORTED_LAYERS}."
            )
    layers: list[Layer] = []
    for layer in raw_layers:
        if layer["class_name"] in _SKIPPED:
            continue
        layers.extend(HANDLERS[layer["class_name"]](layer, stored).records)  # a chain
    if not layers:
        raise UnsupportedModelError(f"{path}: the model has no layer trigc can compile")
    return name, in_shape, input_name, layers


def from_legacy_keras(
    path: Path, weights: Path | None = None, options: FrontendOptions | None = None
) -> tuple[Graph, list[str]]:
    """Read a Keras 2 ``.h5`` (or ``.json`` + weights) into an untyped IR graph.

    Returns the graph and the layers the precision configuration approximated.
    """
    options = options or FrontendOptions()
    name, in_shape, input_name, layers = read_legacy_layers(path, weights)
    return lower_layers(identifier(name), in_shape, input_name, layers, options)


def legacy_numpy_runner(
    path: Path, weights: Path | None = None
) -> Callable[[np.ndarray], np.ndarray]:
    """The file as read, evaluated in float64 NumPy (:mod:`..layers.numpy_reference`): a
    function from flat float inputs ``[batch, n]`` to flat outputs."""
    from ..layers.numpy_reference import evaluate  # noqa: PLC0415

    _, in_shape, input_name, layers = read_legacy_layers(path, weights)
    sources = [(input_name,)] + [(layer.name,) for layer in layers[:-1]]

    def run(x: np.ndarray) -> np.ndarray:
        shaped = np.asarray(x, dtype=np.float64).reshape(len(x), *in_shape)
        return evaluate(layers, sources, input_name, layers[-1].name, shaped)

    return run
