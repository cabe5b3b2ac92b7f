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

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ...ir.fixed import FixedType
from ...ir.graph import Graph
from ...names import identifier
from ..hgq import proxy as hgq_proxy
from ..layers.builder import FrontendOptions
from ..layers.handler import Handler, Read
from ..layers.keras_values import ints
from ..layers.lower import lower_layers
from ..layers.quantizers import ActivationSpec, activation_spec, check_bits, nominal_type
from ..layers.records import ActivationLayer, BatchNormLayer, ConvLayer, DenseLayer, Layer, Weights
from ..layers.tensor import PoolLayer, ReshapeLayer
from ..layers.where import keras_config_where
from . import windows
from .qkeras_config import SavedQuantizer, quantize_weights, saved_quantizer

SUPPORTED_LAYERS = (
    "InputLayer, Dense, QDense, BinaryDense, TernaryDense (hls4ml's legacy binary/ternary "
    "layers), Activation, QActivation, BatchNormalization, "
    "QBatchNormalization (without quantizers), Dropout, Conv1D, Conv2D, QConv1D, QConv2D, "
    "DepthwiseConv1D/2D, QDepthwiseConv2D, SeparableConv1D/2D, QSeparableConv1D/2D, "
    "ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D (nearest), Permute, "
    "MaxPooling1D/2D, AveragePooling1D/2D, GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D, "
    "Flatten, Reshape, ReLU, and HGQ proxy models' FixedPointQuantizer"
)
_BN_QUANTIZERS = ("beta_quantizer", "gamma_quantizer", "mean_quantizer", "variance_quantizer")


class LegacyWeights:
    """The weights of a Keras 2 HDF5 file: ``layer name → {weight base name: array}``."""

    def __init__(self, path: Path, layers: dict[str, dict[str, np.ndarray]]) -> None:
        self.path = path
        self.layers = layers

    def of(self, layer: dict[str, Any], names: tuple[str, ...]) -> list[np.ndarray | None]:
        """The arrays called ``names`` (None where absent) of ``layer``."""
        name = layer["config"]["name"]
        if name not in self.layers:
            raise TrigcError(
                f"{self.path}: no weights for layer {name!r} ({layer['class_name']}); the file "
                f"holds weights for {sorted(self.layers)}. Was it saved from this model?"
            )
        found = self.layers[name]
        return [np.asarray(found[n], dtype=np.float64) if n in found else None for n in names]


def _attr_list(group: Any, name: str) -> list[str]:
    """A string-list attribute, also when Keras split it into ``name0``, ``name1``, ..."""
    if name in group.attrs:
        chunks = [group.attrs[name]]
    else:
        chunks, k = [], 0
        while f"{name}{k}" in group.attrs:
            chunks.append(group.attrs[f"{name}{k}"])
            k += 1
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for c in chunks for n in c]


def _read_weights(group: Any, path: Path) -> LegacyWeights:
    layers = {}
    for layer_name in _attr_list(group, "layer_names"):
        g = group[layer_name]
        arrays = {}
        for weight_name in _attr_list(g, "weight_names"):
            base = weight_name.split("/")[-1].split(":")[0]
            arrays[base] = np.asarray(g[weight_name])
        layers[layer_name] = arrays
    return LegacyWeights(path, layers)


def _h5py() -> Any:
    import h5py  # noqa: PLC0415

    return h5py


def read_legacy_files(
    path: Path, weights: Path | None = None
) -> tuple[dict[str, Any], LegacyWeights]:
    """The model config (parsed JSON) and weights of a ``.h5`` or ``.json`` + weights pair."""
    path = Path(path)
    h5py = _h5py()
    if path.suffix.lower() == ".json":
        if weights is None:
            raise TrigcError(
                f"{path}: an architecture JSON holds no weights; pass the weights file too: "
                f"trigc compile {path.name} --weights model_weights.h5"
            )
        try:
            config = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TrigcError(f"{path}: not valid JSON ({exc}); expected model.to_json()") from None
        weights = Path(weights)
        if not weights.is_file():
            raise TrigcError(f"{weights}: no such weights file")
        try:
            with h5py.File(weights, "r") as f:
                group = f["model_weights"] if "model_weights" in f else f
                if not _attr_list(group, "layer_names"):
                    raise TrigcError(
                        f"{weights}: not a Keras weights file (no layer_names attribute); "
                        "expected the file written by model.save_weights('name.h5')"
                    )
                return config, _read_weights(group, weights)
        except OSError as exc:
            raise TrigcError(f"{weights}: not an HDF5 file ({exc})") from None
    try:
        with h5py.File(path, "r") as f:
            if "model_config" not in f.attrs:
                if _attr_list(f, "layer_names"):
                    raise TrigcError(
                        f"{path}: holds weights only (model.save_weights); pass the "
                        f"architecture too: trigc compile model.json --weights {path.name}"
                    )
                raise TrigcError(
                    f"{path}: not a Keras model file: no model_config attribute, which "
                    "model.save('name.h5') writes with the architecture and the weights"
                )
            raw = f.attrs["model_config"]
            config = json.loads(raw.decode("utf8") if isinstance(raw, bytes) else raw)
            if "model_weights" not in f:
                raise TrigcError(f"{path}: the model was saved without weights")
            return config, _read_weights(f["model_weights"], path)
    except OSError as exc:
        raise TrigcError(f"{path}: not an HDF5 file ({exc})") from None


def _inbound_names(layer: dict[str, Any]) -> list[str]:
    """Names of the layers feeding ``layer`` in a Functional config (Keras 2 or 3 form)."""
    names: list[str] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            history = obj.get("config", {}).get("keras_history") if "config" in obj else None
            if history:
                names.append(str(history[0]))
                return
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            if obj and isinstance(obj[0], str) and len(obj) >= 3 and isinstance(obj[1], int):
                names.append(obj[0])
                return
            for v in obj:
                walk(v)

    walk(layer.get("inbound_nodes", []))
    return names


def _chain(config: dict[str, Any], path: Path) -> tuple[str, list[dict[str, Any]]]:
    cls = config.get("class_name")
    body = config.get("config")
    if cls not in ("Sequential", "Functional", "Model") or body is None:
        raise UnsupportedModelError(
            f"{path}: model class {cls!r} is not supported; trigc reads Sequential and "
            "Functional models saved by Keras 2"
        )
    layers = body if isinstance(body, list) else body.get("layers", [])
    # Keras 3 writes registered names such as "qkeras>QDense".
    layers = [{**x, "class_name": str(x.get("class_name", "")).split(">")[-1]} for x in layers]
    name = "model" if isinstance(body, list) else str(body.get("name", "model"))
    if cls != "Sequential":
        for prev, layer in zip(layers[:-1], layers[1:], strict=True):
            inbound = _inbound_names(layer)
            if len(inbound) > 1:
                raise UnsupportedModelError(
                    f"{keras_config_where(layer)} has several inputs; merges are not yet supported "
                    "(trigc reads sequential chains of layers)"
                )
            if inbound != [prev["config"]["name"]]:
                raise UnsupportedModelError(
                    f"{keras_config_where(layer)}: the model is not a single chain of layers in "
                    "file order; trigc reads sequential chains for now"
                )
    return name, layers


def _input_shape(layers: list[dict[str, Any]], path: Path) -> tuple[str, tuple[int, ...]]:
    first = layers[0]["config"] if layers else {}
    shape = first.get("batch_input_shape") or first.get("batch_shape")
    if shape is None:
        raise UnsupportedModelError(f"{path}: the model config gives no input shape")
    dims = tuple(shape[1:])
    if not dims or any(d is None for d in dims):
        raise UnsupportedModelError(
            f"{path}: input shape {dims} has unknown sizes; trigc needs every size but the batch"
        )
    name = first.get("name", "input") if layers[0]["class_name"] == "InputLayer" else "input"
    return str(name), tuple(int(d) for d in dims)


def _activation(saved: Any, where: str) -> tuple[ActivationSpec, bool]:
    q = saved_quantizer(saved, where)
    if q is None:
        return ActivationSpec("identity"), False
    spec = activation_spec(q, where)
    return spec, isinstance(q, SavedQuantizer)


def _weights(values: np.ndarray, saved_q: Any, where: str, kernel: bool = False) -> Weights:
    q = saved_quantizer(saved_q, where)
    if q is None:
        return Weights(values)
    if not isinstance(q, SavedQuantizer):
        raise UnsupportedModelError(f"{where}: {q!r} is not a weight quantizer")
    check_bits(q, where)
    quantized = quantize_weights(q, values, where, kernel)
    # QKeras turns alpha=None into auto_po2 on kernels: no nominal type then.
    nominal = nominal_type(q) if not (kernel and q.alpha is None) else None
    return Weights(quantized, True, nominal)


def _dense(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    cfg, where = layer["config"], keras_config_where(layer)
    kernel, bias = weights.of(layer, ("kernel", "bias"))
    if kernel is None:
        raise TrigcError(f"{weights.path}: no kernel for {where}")
    if kernel.ndim != 2 or kernel.shape[1] != int(cfg["units"]):
        raise TrigcError(f"{weights.path}: kernel of {where} has shape {kernel.shape}")
    if bias is None:
        bias = np.zeros(kernel.shape[1])
    spec, quantized = _activation(cfg.get("activation", "linear"), where)
    return Read.chain(
        DenseLayer(
            cfg["name"],
            layer["class_name"],
            _weights(kernel, cfg.get("kernel_quantizer"), f"{where} kernel_quantizer", True),
            _weights(bias, cfg.get("bias_quantizer"), f"{where} bias_quantizer"),
            spec,
            quantized,
        )
    )


def binarize(values: np.ndarray) -> np.ndarray:
    """hls4ml's ``BinaryQuantizer(bits=2)`` of its legacy ``BinaryDense``: ``x >= 0 ? 1 : -1``."""
    return np.where(np.asarray(values) >= 0, 1.0, -1.0)


def ternarize(values: np.ndarray) -> np.ndarray:
    """hls4ml's ``TernaryQuantizer`` of its legacy ``TernaryDense``: 1 above 0.5, -1 at or
    below -0.5, else 0."""
    v = np.asarray(values)
    return np.where(v > 0.5, 1.0, np.where(v <= -0.5, -1.0, 0.0))


def _binary_dense(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    """hls4ml's legacy ``BinaryDense``/``TernaryDense`` (custom Keras 2 layers of its binary
    and ternary examples): a dense layer whose kernel and bias hls4ml quantizes to ±1
    (ternary: -1, 0, 1) as it reads the file; trigc reads them the same way."""
    (d,) = _dense(layer, weights).records
    assert isinstance(d, DenseLayer)
    quantize = binarize if layer["class_name"] == "BinaryDense" else ternarize
    two = FixedType(2, 2)  # -2..1: holds -1, 0 and 1
    kernel = Weights(quantize(d.kernel.values), True, two)
    bias = Weights(quantize(d.bias.values), True, two)
    return Read.chain(replace(d, kernel=kernel, bias=bias))


def _batchnorm(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    cfg, where = layer["config"], keras_config_where(layer)
    used = [q for q in _BN_QUANTIZERS if cfg.get(q)]
    if used:
        raise UnsupportedModelError(f"{where}: batch normalization with {used} is not supported")
    axis = cfg.get("axis", -1)
    if axis not in (-1, 1, [-1], [1]):
        raise UnsupportedModelError(f"{where}: normalization over axis {axis} is not supported")
    gamma, beta, mean, var = weights.of(layer, ("gamma", "beta", "moving_mean", "moving_variance"))
    if mean is None or var is None:
        raise TrigcError(f"{weights.path}: no moving mean/variance for {where}")
    gamma = np.ones_like(mean) if gamma is None else gamma
    beta = np.zeros_like(mean) if beta is None else beta
    epsilon = float(cfg.get("epsilon", 1e-3))
    return Read.chain(
        BatchNormLayer.from_statistics(
            cfg["name"], layer["class_name"], gamma, beta, mean, var, epsilon, where
        )
    )


def _activation_layer(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    spec, quantized = _activation(layer["config"].get("activation"), keras_config_where(layer))
    return Read.chain(
        ActivationLayer(layer["config"]["name"], layer["class_name"], spec, quantized)
    )


def _channels_last(layer: dict[str, Any]) -> dict[str, Any]:
    cfg = layer["config"]
    if cfg.get("data_format") not in (None, "channels_last"):
        raise UnsupportedModelError(
            f"{keras_config_where(layer)}: only data_format='channels_last' is supported"
        )
    return cfg


def _conv(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    cfg, where = _channels_last(layer), keras_config_where(layer)
    if any(d != 1 for d in ints(cfg.get("dilation_rate", 1))) or cfg.get("groups", 1) != 1:
        raise UnsupportedModelError(f"{where}: dilated or grouped convolutions are not supported")
    kernel, bias = weights.of(layer, ("kernel", "bias"))
    dims = 2 if "2D" in layer["class_name"] else 1
    if kernel is None or kernel.ndim != dims + 2:
        shape = None if kernel is None else kernel.shape
        raise TrigcError(f"{weights.path}: kernel of {where} has shape {shape}")
    spec, quantized = _activation(cfg.get("activation", "linear"), where)
    if bias is None:
        bias_w = Weights(np.zeros(kernel.shape[-1]), True)
    else:
        bias_w = _weights(bias, cfg.get("bias_quantizer"), f"{where} bias_quantizer")
    return Read.chain(
        ConvLayer(
            cfg["name"],
            layer["class_name"],
            _weights(kernel, cfg.get("kernel_quantizer"), f"{where} kernel_quantizer", True),
            bias_w,
            ints(cfg.get("strides", 1)),
            str(cfg.get("padding", "valid")),
            spec,
            quantized,
        )
    )


def _pool(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    cfg, cls = _channels_last(layer), layer["class_name"]
    op = "max_pool" if "Max" in cls else "avg_pool"
    if cls.startswith("Global"):
        return Read.chain(
            PoolLayer(cfg["name"], cls, op, None, None, keepdims=bool(cfg.get("keepdims")))
        )
    pool = ints(cfg["pool_size"])
    strides = ints(cfg["strides"]) if cfg.get("strides") else pool
    return Read.chain(
        PoolLayer(cfg["name"], cls, op, pool, strides, str(cfg.get("padding", "valid")))
    )


def _reshape(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    cfg = _channels_last(layer)
    if layer["class_name"] == "Flatten":
        return Read.chain(ReshapeLayer(cfg["name"], "Flatten", (-1,)))
    return Read.chain(ReshapeLayer(cfg["name"], "Reshape", ints(cfg["target_shape"])))


def _arrays(layer: dict[str, Any], weights: LegacyWeights, names: tuple[str, ...]) -> dict:
    return dict(zip(names, weights.of(layer, names), strict=True))


def _depthwise(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    arrays = _arrays(layer, weights, ("depthwise_kernel", "bias"))
    return Read.chain(windows.depthwise(layer, arrays, _weights, _activation))


def _separable(layer: dict[str, Any], weights: LegacyWeights) -> Read:
    arrays = _arrays(layer, weights, ("depthwise_kernel", "pointwise_kernel", "bias"))
    return Read.chain(*windows.separable(layer, arrays, _weights, _activation))


HANDLERS: dict[str, Handler] = {
    "Dense": _dense,
    "QDense": _dense,
    "BinaryDense": _binary_dense,
    "TernaryDense": _binary_dense,
    "BatchNormalization": _batchnorm,
    "QBatchNormalization": _batchnorm,
    "Activation": _activation_layer,
    "QActivation": _activation_layer,
    **{c: _conv for c in ("Conv1D", "Conv2D", "QConv1D", "QConv2D")},
    **{
        f"{kind}Pooling{d}D": _pool
        for kind in ("Max", "Average", "GlobalMax", "GlobalAverage")
        for d in (1, 2)
    },
    "Flatten": _reshape,
    "Reshape": _reshape,
    **dict.fromkeys(("DepthwiseConv1D", "DepthwiseConv2D", "QDepthwiseConv2D"), _depthwise),
    **dict.fromkeys(
        ("SeparableConv1D", "SeparableConv2D", "QSeparableConv1D", "QSeparableConv2D"), _separable
    ),
    **dict.fromkeys(("ZeroPadding1D", "ZeroPadding2D"), windows.zero_padding),
    **dict.fromkeys(("Cropping1D", "Cropping2D"), windows.cropping),
    **dict.fromkeys(("UpSampling1D", "UpSampling2D"), windows.upsampling),
    "Permute": windows.permute,
    **hgq_proxy.HANDLERS,  # HGQ proxy models: FixedPointQuantizer, ReLU
}
_SKIPPED = ("InputLayer", "Dropout")


def read_legacy_layers(
    path: Path, weights: Path | None = None
) -> tuple[str, tuple[int, ...], str, list[Layer]]:
    """The model's name, input shape, input name and layer records (a chain), as read."""
    config, stored = read_legacy_files(path, weights)
    name, raw_layers = _chain(config, Path(path))
    input_name, in_shape = _input_shape(raw_layers, Path(path))
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
    """The file as read, evaluated in float64 NumPy (:mod:`.numpy_reference`): a function from
    flat float inputs ``[batch, n]`` to flat outputs."""
    from ..layers.numpy_reference import evaluate  # noqa: PLC0415

    _, in_shape, input_name, layers = read_legacy_layers(path, weights)
    sources = [(input_name,)] + [(layer.name,) for layer in layers[:-1]]

    def run(x: np.ndarray) -> np.ndarray:
        shaped = np.asarray(x, dtype=np.float64).reshape(len(x), *in_shape)
        return evaluate(layers, sources, input_name, layers[-1].name, shaped)

    return run
