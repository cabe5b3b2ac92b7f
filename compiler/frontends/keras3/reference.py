"""The Keras model as a reference for ``trigc verify``: evaluated in float64 as well as float32.

Keras computes in float32, whose 24 significant bits cannot hold every exact sum of a
fixed-point network (16-bit inputs times 8-bit weights over 32 terms need 29).  The model's
own fixed-point semantics is what its quantizers compute on exact sums, so verify evaluates a
float64 copy of the model (the same layers and weights under a float64 dtype policy): exact
while every intermediate value fits in 53 significant bits, which
:func:`~trigc.compiler.verify.float_risks` checks for every layer.  The float32 model runs
too, and verify says on how many vectors the model as Keras runs it rounds away from the
exact result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrigcError


@contextmanager
def _floatx(name: str) -> Iterator[None]:
    """Keras' default float type set to ``name`` (QKeras quantizers cast to it)."""
    import keras  # noqa: PLC0415

    saved = keras.config.floatx()
    keras.config.set_floatx(name)
    try:
        yield
    finally:
        keras.config.set_floatx(saved)


_WEIGHT_QUANTIZERS = ("kernel_quantizer", "bias_quantizer")


class Float64QuantizedRelu:
    """QKeras' ``quantized_relu(bits, integer)`` evaluated in float64.

    qkeras-v3 casts the quantizer's input to float32, which rounds a pre-activation wider than
    24 significant bits before the quantizer sees it; the model's fixed-point meaning is the
    quantizer on the exact value: ``clip(round(x * 2**(bits - integer)), 0, 2**bits - 1)``
    (round half to even, as QKeras' ``round``) times ``2**(integer - bits)``.
    """

    def __init__(self, q: Any) -> None:
        self.scale = 2.0 ** (int(q.bits) - int(q.integer))
        self.top = 2.0 ** int(q.bits) - 1

    def __call__(self, x: Any) -> Any:
        import keras  # noqa: PLC0415

        x = keras.ops.cast(x, "float64")
        return keras.ops.clip(keras.ops.round(x * self.scale), 0.0, self.top) / self.scale


def _plain_quantized_relu(q: Any) -> bool:
    """A quantized_relu as trigc compiles it (no sigmoid, slope, bound or stochastic rounding)."""
    return (
        type(q).__name__ == "quantized_relu"
        and not getattr(q, "use_sigmoid", 0)
        and not getattr(q, "negative_slope", 0.0)
        and getattr(q, "relu_upper_bound", None) is None
        and not getattr(q, "use_stochastic_rounding", False)
    )


def _with_float64(layer: Any) -> Any:
    """A float64 copy of ``layer``; weight quantizers are dropped, the copy gets the quantized
    weights themselves (QKeras computes some weight scales with float32 constants), and a
    quantized_relu activation is evaluated in float64 (:class:`Float64QuantizedRelu`)."""
    config = layer.get_config()
    config["dtype"] = "float64"
    for key in _WEIGHT_QUANTIZERS:
        if config.get(key) is not None:
            config[key] = None
    copy = type(layer).from_config(config)
    if _plain_quantized_relu(getattr(copy, "activation", None)):
        copy.activation = Float64QuantizedRelu(copy.activation)
    return copy


def _quantized_weights(layer: Any) -> list[np.ndarray]:
    """The weights ``layer`` computes with: each passed through its QKeras quantizer."""
    weights = [np.asarray(w, np.float64) for w in layer.get_weights()]
    quantizers = [getattr(layer, f"{key}_internal", None) for key in _WEIGHT_QUANTIZERS]
    for k, q in enumerate(quantizers[: len(weights)]):
        if q is not None:
            weights[k] = np.asarray(q(weights[k].astype(np.float32)), np.float64)
    return weights


def _clone_float64(model: Any, clone_function: Any) -> Any:
    """``model`` cloned layer by layer through ``clone_function``, on float64 inputs: a cloned
    input keeps its float32 dtype, which rounds an input wider than 24 significant bits
    before the first layer sees it."""
    import keras  # noqa: PLC0415

    inputs = [keras.Input(shape=tuple(t.shape[1:]), dtype="float64") for t in model.inputs]
    return keras.models.clone_model(
        model, input_tensors=inputs if len(inputs) > 1 else inputs[0], clone_function=clone_function
    )


def float64_copy(model: Any) -> Any:
    """The same model with every layer (and its inputs) computing in float64, with the same
    (quantized) weights."""
    try:
        weights = {layer.name: _quantized_weights(layer) for layer in model.layers}
        with _floatx("float64"):
            copy = _clone_float64(model, _with_float64)
            for name, values in weights.items():
                if values:
                    copy.get_layer(name).set_weights(values)
    except Exception as exc:  # a custom layer Keras cannot rebuild from its config
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise TrigcError(
            f"model {model.name!r}: could not be evaluated in float64 for an exact reference "
            f"({reason[:300]})"
        ) from None
    return copy


class KerasReference:
    """A Keras model and its float64 copy, run on the same inputs."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.model64 = float64_copy(model)

    def _inputs(self, x: np.ndarray) -> Any:
        """The model's input(s) from event rows (several inputs: flattened side by side, in
        the model's order, see trigc.compiler.vectors.events)."""
        if len(self.model.inputs) == 1:
            return x
        rows = np.asarray(x).reshape(len(x), -1)
        out, start = [], 0
        for t in self.model.inputs:
            shape = tuple(int(d) for d in t.shape[1:])
            size = int(np.prod(shape))
            out.append(rows[:, start : start + size].reshape(len(rows), *shape))
            start += size
        return out

    @staticmethod
    def _rows(y: Any, n: int) -> np.ndarray:
        """The model's output(s) as event rows."""
        if isinstance(y, list | tuple):
            return np.concatenate([np.asarray(o, np.float64).reshape(n, -1) for o in y], axis=1)
        return np.asarray(y, dtype=np.float64)

    def run64(self, x: np.ndarray) -> np.ndarray:
        """The model evaluated in float64 (exact while sums fit in 53 bits)."""
        out = []
        with _floatx("float64"):
            for i in range(0, len(x), 4096):
                chunk = x[i : i + 4096]
                out.append(self._rows(self.model64(self._inputs(chunk)), len(chunk)))
        return np.concatenate(out).astype(np.float64) if out else np.zeros((0,))

    def run32(self, x: np.ndarray) -> np.ndarray:
        """The model as Keras runs it: float32."""
        inputs = self._inputs(np.asarray(x, dtype=np.float32))
        y = self.model.predict(inputs, batch_size=4096, verbose=0)
        return self._rows(y, len(x))

    def preactivations(
        self, x: np.ndarray, layers: tuple[str, ...], before_activation: frozenset[str]
    ) -> np.ndarray:
        """The float64 outputs of ``layers`` as event rows, side by side; those named in
        ``before_activation`` taken before their own activation (a float function trigc
        tabulates), from a copy of the float64 model in which that activation is linear."""
        import keras  # noqa: PLC0415

        def linear(layer: Any) -> Any:
            config = layer.get_config()
            if layer.name in before_activation:
                config["activation"] = "linear"
            return type(layer).from_config(config)

        with _floatx("float64"):
            source = self.model64
            if before_activation:
                source = _clone_float64(source, linear)
                for layer in self.model64.layers:
                    if layer.get_weights():
                        source.get_layer(layer.name).set_weights(layer.get_weights())
            outputs = [source.get_layer(name).output for name in layers]
            probe = keras.Model(source.inputs, outputs)
            y = probe(self._inputs(x))
        return self._rows(y if len(layers) > 1 else [y], len(x))

    def layer_outputs(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output of the float64 model, by layer name (for diagnosis)."""
        import keras  # noqa: PLC0415

        layers = [layer for layer in self.model64.layers if type(layer).__name__ != "InputLayer"]
        with _floatx("float64"):
            probe = keras.Model(self.model64.inputs, [layer.output for layer in layers])
            outputs = probe(self._inputs(x))
        if not isinstance(outputs, list | tuple):
            outputs = [outputs]
        return {
            layer.name: np.asarray(o, np.float64) for layer, o in zip(layers, outputs, strict=True)
        }


def load_with_keras3(path: Path, weights: Path | None = None) -> Any:
    """The same file loaded by Keras 3 + qkeras-v3 (through Keras 3's legacy HDF5 support):
    an independent reference for ``trigc verify``.  Imports TensorFlow (slow)."""
    from ..layers.keras_import import import_keras  # noqa: PLC0415
    from .reader import load_keras_model  # noqa: PLC0415

    if weights is None:
        return load_keras_model(path)
    import_keras()
    from keras.src.legacy.saving import saving_utils  # noqa: PLC0415
    from qkeras.utils import _add_supported_quantized_objects  # noqa: PLC0415

    custom_objects: dict[str, Any] = {}
    _add_supported_quantized_objects(custom_objects)
    try:
        model = saving_utils.model_from_config(json.loads(Path(path).read_text()), custom_objects)
        model.load_weights(weights)
    except Exception as exc:  # Keras raises many kinds for configs it cannot rebuild
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise TrigcError(f"{path}: Keras 3 could not rebuild the model ({reason[:300]})") from None
    return model
