"""Bad files of every format the CLI reads, written the way a user ends up with them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from tests.compiler.frontends import legacy_keras_files as lk


def text(path: Path, content: str) -> Path:
    path.write_text(content)
    return path


def truncated(source: Path, path: Path) -> Path:
    """The first half of ``source``: an interrupted download or copy."""
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def keras_model(path: Path, layers: list, *, inputs: tuple[int, ...] = (4,), edit=None) -> Path:
    """A Sequential Keras 3 model of ``layers`` saved to ``path``; ``edit(model)`` may change
    its weights first."""
    import keras

    keras.utils.set_random_seed(0)
    if layers:
        model = keras.Sequential([keras.Input(inputs), *layers], name="bad")
    else:  # a model that computes nothing
        x = keras.Input(inputs)
        model = keras.Model(x, x, name="bad")
    if edit is not None:
        edit(model)
    model.save(path)
    return path


def qdense(units: int, kernel, bias=None, name: str = "fc"):
    from qkeras import QDense, quantized_bits

    return QDense(
        units,
        kernel_quantizer=kernel,
        bias_quantizer=bias or quantized_bits(6, 0, alpha=1),
        name=name,
    )


def q(bits: int, integer: int, **kw):
    from qkeras import quantized_bits

    return quantized_bits(bits, integer, alpha=1, **kw)


def keras_layer_archive(path: Path) -> Path:
    """A ``.keras`` archive holding one layer, not a model (``saving_lib`` writes what it is
    given)."""
    import keras

    config = keras.saving.serialize_keras_object(keras.layers.Dense(3, name="lonely"))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", json.dumps({"keras_version": keras.__version__}))
    return path


def attention_model(path: Path) -> Path:
    import keras

    x = keras.Input((5, 4))
    y = keras.layers.MultiHeadAttention(num_heads=1, key_dim=4, name="att")(x, x)
    keras.Model(x, y, name="attn").save(path)
    return path


def set_weight(layer: str, index: int, value: float):
    """An ``edit`` for :func:`keras_model`: one element of one weight set to ``value``."""

    def edit(model) -> None:
        target = model.get_layer(layer)
        weights = target.get_weights()
        weights[index].flat[0] = value
        target.set_weights(weights)

    return edit


def zero_variance_bn(model) -> None:
    bn = model.get_layer("bn")
    gamma, beta, mean, _ = bn.get_weights()
    bn.set_weights([gamma, beta, mean, np.zeros_like(gamma)])


# -- legacy Keras 2 files --------------------------------------------------------------------


def _legacy_layers(seed: int = 0, units: int = 3) -> list[lk.LegacyLayer]:
    rng = np.random.default_rng(seed)
    q6 = lk.quantized_bits(6, 0, alpha=1)
    w = rng.integers(-32, 32, (4, units)) / 32
    b = rng.integers(-32, 32, units) / 32
    return [lk.qdense("fc", w, b, q6, q6)]


def legacy_h5(path: Path) -> Path:
    layers = _legacy_layers()
    return lk.write_h5(path, lk.sequential_config("legacy", 4, layers), layers)


def legacy_json(directory: Path, *, weights_units: int = 3) -> tuple[Path, Path]:
    """A ``.json`` architecture (4 → 3) and a weights ``.h5`` of a model with
    ``weights_units`` outputs (another model's weights unless 3)."""
    layers = _legacy_layers()
    arch, _ = lk.write_json_and_weights(
        directory / "arch.json",
        directory / "own.h5",
        lk.sequential_config("legacy", 4, layers),
        layers,
    )
    other = _legacy_layers(seed=1, units=weights_units)
    _, weights = lk.write_json_and_weights(
        directory / "other.json",
        directory / "weights.h5",
        lk.sequential_config("other", 4, other),
        other,
    )
    return arch, weights


def weights_only_h5(directory: Path) -> Path:
    """An ``.h5`` of weights alone, as ``model.save_weights`` writes it."""
    layers = _legacy_layers()
    config = lk.sequential_config("legacy", 4, layers)
    return lk.write_json_and_weights(directory / "a.json", directory / "w.h5", config, layers)[1]


# -- ONNX ------------------------------------------------------------------------------------


def onnx_model(path: Path, op: str = "Relu", weight: float | None = None) -> Path:
    """x[1,4] → MatMul(W) → ``op``; ``weight`` replaces W[0, 0]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = np.full((4, 3), 0.25, np.float32)
    if weight is not None:
        w[0, 0] = weight
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="mm")]
    if op == "LSTM":
        nodes.append(helper.make_node("LSTM", ["h", "w", "w"], ["y"], name="rnn", hidden_size=3))
    else:
        nodes.append(helper.make_node(op, ["h"], ["y"], name="act"))
    graph = helper.make_graph(
        nodes,
        "bad",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w, "w")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


# -- configuration and budget files ----------------------------------------------------------


def yaml_file(path: Path, content: str) -> Path:
    return text(path, content)


def hgq_proxy_h5(path: Path, overflow: str = "WRAP_SM") -> Path:
    """An HGQ proxy model whose quantizer uses a mode ``ap_fixed`` does not have."""
    config = {
        **lk.layer_of("FixedPointQuantizer", "in_q").config,
        "RND": "TRN",
        "SAT": overflow,
        "shape": [1, 4],
        "overrides": {"layers": {}},
        "fusible": False,
    }
    k, b, i = np.ones((1, 4)), np.full((1, 4), 4), np.full((1, 4), 2)
    weights = [("keep_negative", k), ("bits", b), ("integers", i)]
    quantizer = lk.LegacyLayer("HGQ>FixedPointQuantizer", config, weights)
    layers = [quantizer, *_legacy_layers()]
    return lk.write_h5(path, lk.sequential_config("proxy", 4, layers), layers)


def hgq2_keras(path: Path, layer_class: str = "QEinsumDenseBatchnorm") -> Path:
    """An HGQ2 ``.keras`` archive holding a layer trigc does not read."""
    config = {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": "hgq2",
            "layers": [
                {"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [None, 4]}},
                {
                    "module": "hgq.layers",
                    "class_name": layer_class,
                    "config": {"name": "mix"},
                    "inbound_nodes": [],
                },
            ],
        },
    }
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.writestr("metadata.json", "{}")
        z.writestr("model.weights.h5", b"")
    return path
