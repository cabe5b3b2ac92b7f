"""Write Keras 2.x / QKeras 0.9 model files from NumPy arrays, in the layout Keras 2 writes.

``model.save("m.h5")`` (keras/saving/hdf5_format.py, ``save_model_to_hdf5``): root attributes
``backend``, ``keras_version`` and ``model_config`` (the JSON of ``model.get_config()`` wrapped
in ``{"class_name", "config"}``); group ``model_weights`` with attributes ``backend``,
``keras_version`` and ``layer_names`` (every layer of ``model.layers``, which for a Sequential
model excludes the InputLayer); per layer a group with the attribute ``weight_names``
(``b"fc1/kernel:0"``, ...) and one dataset per weight at that (nested) path.
``model.save_weights("w.h5")`` writes the same layer groups at the root of the file, and
``model.to_json()`` the same config as ``model_config``.  Quantizer objects are saved as
``{"class_name": "quantized_bits", "config": {...}}``; QActivation layers built from a string
keep it (``"quantized_relu(6,0)"``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

KERAS_VERSION = "2.9.0"


@dataclass
class LegacyLayer:
    class_name: str
    config: dict[str, Any]
    weights: list[tuple[str, np.ndarray]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.config["name"]


def quantized_bits(bits: int, integer: int, symmetric: int = 0, alpha: Any = 1, **kw) -> dict:
    return {
        "class_name": "quantized_bits",
        "config": {
            "bits": bits,
            "integer": integer,
            "symmetric": symmetric,
            "alpha": alpha,
            "keep_negative": kw.get("keep_negative", True),
            "use_stochastic_rounding": False,
            "qnoise_factor": 1.0,
        },
    }


def quantized_relu(bits: int, integer: int) -> dict:
    return {
        "class_name": "quantized_relu",
        "config": {
            "bits": bits,
            "integer": integer,
            "use_sigmoid": 0,
            "negative_slope": 0.0,
            "use_stochastic_rounding": False,
            "relu_upper_bound": None,
            "qnoise_factor": 1.0,
        },
    }


def _base(name: str) -> dict[str, Any]:
    return {"name": name, "trainable": True, "dtype": "float32"}


def _dense_config(name: str, units: int, activation: Any, use_bias: bool) -> dict[str, Any]:
    return {
        **_base(name),
        "units": units,
        "activation": activation,
        "use_bias": use_bias,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }


def _f32(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def dense(name: str, kernel: np.ndarray, bias: np.ndarray, activation: Any = "linear"):
    cfg = _dense_config(name, kernel.shape[1], activation, True)
    return LegacyLayer("Dense", cfg, [("kernel", _f32(kernel)), ("bias", _f32(bias))])


def qdense(
    name: str,
    kernel: np.ndarray,
    bias: np.ndarray,
    kernel_quantizer: dict,
    bias_quantizer: dict,
    activation: Any = "linear",
) -> LegacyLayer:
    cfg = {
        **_dense_config(name, kernel.shape[1], activation, True),
        "kernel_quantizer": kernel_quantizer,
        "bias_quantizer": bias_quantizer,
        "kernel_range": None,
        "bias_range": None,
    }
    return LegacyLayer("QDense", cfg, [("kernel", _f32(kernel)), ("bias", _f32(bias))])


def qactivation(name: str, activation: Any) -> LegacyLayer:
    return LegacyLayer("QActivation", {**_base(name), "activation": activation})


def activation(name: str, fn: str) -> LegacyLayer:
    return LegacyLayer("Activation", {**_base(name), "activation": fn})


def dropout(name: str, rate: float = 0.2) -> LegacyLayer:
    return LegacyLayer("Dropout", {**_base(name), "rate": rate, "noise_shape": None, "seed": None})


def batchnorm(name: str, gamma, beta, mean, var, epsilon: float = 1e-3) -> LegacyLayer:
    cfg = {
        **_base(name),
        "axis": -1,
        "momentum": 0.99,
        "epsilon": epsilon,
        "center": True,
        "scale": True,
        "beta_initializer": {"class_name": "Zeros", "config": {}},
        "gamma_initializer": {"class_name": "Ones", "config": {}},
        "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
        "moving_variance_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None,
        "gamma_regularizer": None,
        "beta_constraint": None,
        "gamma_constraint": None,
    }
    weights = [("gamma", gamma), ("beta", beta), ("moving_mean", mean), ("moving_variance", var)]
    return LegacyLayer("BatchNormalization", cfg, [(n, _f32(v)) for n, v in weights])


def layer_of(class_name: str, name: str, **config: Any) -> LegacyLayer:
    """Any other layer (e.g. one trigc must refuse)."""
    return LegacyLayer(class_name, {**_base(name), **config})


def sequential_config(name: str, n_inputs: int, layers: list[LegacyLayer]) -> dict[str, Any]:
    """``model.get_config()`` of a Keras 2.x Sequential model, as ``model_config`` holds it."""
    input_layer = {
        "class_name": "InputLayer",
        "config": {
            "batch_input_shape": [None, n_inputs],
            "dtype": "float32",
            "sparse": False,
            "ragged": False,
            "name": f"{layers[0].name}_input",
        },
    }
    entries = [input_layer] + [{"class_name": x.class_name, "config": x.config} for x in layers]
    return {
        "class_name": "Sequential",
        "config": {"name": name, "layers": entries},
        "keras_version": KERAS_VERSION,
        "backend": "tensorflow",
    }


def functional_config(name: str, n_inputs: int, layers: list[LegacyLayer]) -> dict[str, Any]:
    """``model.get_config()`` of a Keras 2.x Functional model that is a chain of layers."""
    entries = [
        {
            "class_name": "InputLayer",
            "config": {"batch_input_shape": [None, n_inputs], "dtype": "float32", "name": "in"},
            "name": "in",
            "inbound_nodes": [],
        }
    ]
    prev = "in"
    for x in layers:
        entries.append(
            {
                "class_name": x.class_name,
                "config": x.config,
                "name": x.name,
                "inbound_nodes": [[[prev, 0, 0, {}]]],
            }
        )
        prev = x.name
    return {
        "class_name": "Functional",
        "config": {
            "name": name,
            "layers": entries,
            "input_layers": [["in", 0, 0]],
            "output_layers": [[prev, 0, 0]],
        },
        "keras_version": KERAS_VERSION,
        "backend": "tensorflow",
    }


def _write_layer_groups(group: h5py.Group, layers: list[LegacyLayer]) -> None:
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = KERAS_VERSION.encode()
    group.attrs["layer_names"] = np.array([x.name.encode("utf8") for x in layers])
    for x in layers:
        g = group.create_group(x.name)
        names = [f"{x.name}/{w}:0".encode() for w, _ in x.weights]
        g.attrs["weight_names"] = np.array(names) if names else np.array([], dtype="S1")
        for name, (_, value) in zip(names, x.weights, strict=True):
            dset = g.create_dataset(name.decode(), value.shape, dtype=value.dtype)
            dset[...] = value


def write_h5(path: Path, config: dict[str, Any], layers: list[LegacyLayer]) -> Path:
    """A single-file model as ``model.save("m.h5")`` writes it."""
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = KERAS_VERSION.encode()
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        _write_layer_groups(f.create_group("model_weights"), layers)
    return path


def write_json_and_weights(
    json_path: Path, weights_path: Path, config: dict[str, Any], layers: list[LegacyLayer]
) -> tuple[Path, Path]:
    """``model.to_json()`` and ``model.save_weights("w.h5")``."""
    json_path.write_text(json.dumps(config))
    with h5py.File(weights_path, "w") as f:
        _write_layer_groups(f, layers)
    return json_path, weights_path
