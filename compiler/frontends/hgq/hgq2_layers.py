"""The handlers of the HGQ2 layers: one saved layer and the file's stored variables in, the
records it is out (:class:`~..layers.handler.Read`), each with the records it reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ...ir.element_types import ElementTypes
from ..layers.handler import Handler, Read
from ..layers.quantizers import ActivationSpec, per_element_spec
from ..layers.records import ActivationLayer, ConvLayer, DenseLayer, Layer, Weights
from ..layers.tensor import MergeLayer, ReshapeLayer
from ..layers.where import keras_config_where
from .hgq2_store import Hgq2File, quantize_values, quantizer_conf, quantizer_elements


def _activation(name: Any, where: str) -> ActivationSpec:
    if name in (None, "linear"):
        return ActivationSpec("identity")
    if name == "relu":
        return ActivationSpec("relu")
    raise UnsupportedModelError(
        f"{where}: activation {name!r} is not supported in HGQ2 layers; use relu or linear"
    )


def _drop_batch_axis(elements: ElementTypes) -> ElementTypes:
    """HGQ2 keeps activation bit widths with a leading batch axis of 1."""
    if not elements.shape or elements.shape[0] != 1:
        return elements
    e = elements
    return ElementTypes(e.width[0], e.integer[0], e.signed[0], e.rounding, e.overflow)


@dataclass(frozen=True)
class Hgq2Layer:
    """One saved layer of an HGQ2 model and the names of what it reads."""

    layer: dict[str, Any]
    srcs: tuple[str, ...]

    @property
    def name(self) -> str:
        return str(self.layer["config"]["name"])

    @property
    def config(self) -> dict[str, Any]:
        return self.layer["config"]


@dataclass(frozen=True)
class Hgq2Weights:
    """What the handlers read besides the layer: the file's stored variables by layer."""

    store: Hgq2File
    paths: dict[str, str]

    def weights(self, layer: dict[str, Any]) -> list[np.ndarray]:
        path = self.paths[layer["config"]["name"]]
        stored = self.store.vars(path)
        if not stored:
            raise TrigcError(
                f"{self.store.path}: no weights for {keras_config_where(layer)} (at {path!r})"
            )
        return [np.asarray(v) for v in stored]

    def quantized(self, layer: dict[str, Any], key: str, values: np.ndarray) -> Weights:
        cfg, where = layer["config"], f"{keras_config_where(layer)} {key}"
        conf = quantizer_conf(cfg.get(f"{key}_conf"), where)
        path = f"{self.paths[cfg['name']]}/{key}"
        return Weights(
            quantize_values(values.astype(np.float64), self.store, path, conf, where), True
        )

    def quantizer(self, layer: dict[str, Any], conf: Any, prefix: str, name: str) -> Layer:
        """An activation quantizer as a requantize record with a type per element."""
        where = f"{keras_config_where(layer)} {prefix.rsplit('/', 1)[-1]}"
        c = quantizer_conf(conf, where)
        elements = _drop_batch_axis(quantizer_elements(self.store, prefix, c, where))
        return ActivationLayer(name, "HGQ2 quantizer", per_element_spec(elements), True)


class _Records:
    """The records one handler reads, each with its sources (a handler's own list)."""

    def __init__(self) -> None:
        self.records: list[Layer] = []
        self.sources: list[tuple[str, ...]] = []

    def add(self, record: Layer, sources: tuple[str, ...]) -> str:
        self.records.append(record)
        self.sources.append(sources)
        return record.name

    def layer_quantizer(self, at: Hgq2Layer, ctx: Hgq2Weights, key: str, source: str) -> str:
        """The layer's input (``iq``, on by default) or output (``oq``) quantizer on
        ``source``, where enabled; returns what the layer's next step reads."""
        cfg = at.config
        if not cfg.get(f"enable_{key}", key == "iq"):
            return source
        prefix = f"{ctx.paths[cfg['name']]}/{key}"
        record = ctx.quantizer(at.layer, cfg.get(f"{key}_conf"), prefix, f"{cfg['name']}_{key}")
        return self.add(record, (source,))

    def read(self, output: str) -> Read:
        return Read(tuple(self.records), tuple(self.sources), output)


# -- handlers: (layer, stored weights) -> records --------------------------------------------
def _dense(at: Hgq2Layer, ctx: Hgq2Weights) -> Read:
    layer, cfg, where = at.layer, at.config, keras_config_where(at.layer)
    out = _Records()
    x = out.layer_quantizer(at, ctx, "iq", at.srcs[0])
    stored = ctx.weights(layer)
    kernel = np.asarray(stored[0], np.float32)
    if layer["class_name"] == "QEinsumDense":
        use_bias = _dense_equation(cfg, where)
    else:
        use_bias = bool(cfg.get("use_bias", True))
    bias = np.asarray(stored[1], np.float32) if use_bias else None
    if layer["class_name"] == "QBatchNormDense":
        kernel, bias = _fused_batchnorm(cfg, stored, kernel, bias)
    if kernel.ndim != 2:
        raise UnsupportedModelError(f"{where}: kernel of shape {kernel.shape}")
    qkernel = ctx.quantized(layer, "kq", kernel)
    qbias = (
        ctx.quantized(layer, "bq", bias)
        if bias is not None
        else Weights(np.zeros(kernel.shape[-1]), True)
    )
    spec = _activation(cfg.get("activation"), where)
    dense = out.add(DenseLayer(cfg["name"], layer["class_name"], qkernel, qbias, spec), (x,))
    return out.read(out.layer_quantizer(at, ctx, "oq", dense))


def _conv(at: Hgq2Layer, ctx: Hgq2Weights) -> Read:
    layer, cfg, where = at.layer, at.config, keras_config_where(at.layer)
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise UnsupportedModelError(f"{where}: only data_format='channels_last' is supported")
    if any(int(d) != 1 for d in cfg.get("dilation_rate", [1])) or cfg.get("groups", 1) != 1:
        raise UnsupportedModelError(f"{where}: dilated or grouped convolutions")
    out = _Records()
    x = out.layer_quantizer(at, ctx, "iq", at.srcs[0])
    stored = ctx.weights(layer)
    kernel = np.asarray(stored[0], np.float32)
    use_bias = bool(cfg.get("use_bias", True))
    qbias = (
        ctx.quantized(layer, "bq", np.asarray(stored[1], np.float32))
        if use_bias
        else Weights(np.zeros(kernel.shape[-1]), True)
    )
    record = ConvLayer(
        cfg["name"],
        layer["class_name"],
        ctx.quantized(layer, "kq", kernel),
        qbias,
        tuple(int(s) for s in cfg.get("strides", [1])),
        str(cfg.get("padding", "valid")),
        _activation(cfg.get("activation"), where),
    )
    conv = out.add(record, (x,))
    return out.read(out.layer_quantizer(at, ctx, "oq", conv))


def _add(at: Hgq2Layer, ctx: Hgq2Weights) -> Read:
    layer, cfg, srcs = at.layer, at.config, at.srcs
    name = cfg["name"]
    out = _Records()
    if layer["class_name"] == "QAdd" and cfg.get("enable_iq", True):
        confs = cfg.get("iq_confs")
        confs = confs if isinstance(confs, list) else [confs] * len(srcs)
        base = f"{ctx.paths[name]}/iq/quantizers/quantizer"
        srcs = tuple(
            out.add(
                ctx.quantizer(layer, conf, base + (f"_{k}" if k else ""), f"{name}_iq{k}"), (s,)
            )
            for k, (conf, s) in enumerate(zip(confs, srcs, strict=True))
        )
    added = out.add(MergeLayer(name, "Add"), srcs)
    if layer["class_name"] == "QAdd":
        added = out.layer_quantizer(at, ctx, "oq", added)
    return out.read(added)


def _activation_layer(at: Hgq2Layer, ctx: Hgq2Weights) -> Read:
    layer, cfg, where = at.layer, at.config, keras_config_where(at.layer)
    if layer["class_name"] == "ReLU":
        if cfg.get("max_value") is not None or cfg.get("negative_slope"):
            raise UnsupportedModelError(f"{where}: only a plain ReLU is supported")
        if cfg.get("threshold"):
            raise UnsupportedModelError(f"{where}: only a plain ReLU is supported")
        spec = ActivationSpec("relu")
    else:
        spec = _activation(cfg.get("activation"), where)
    return Read((ActivationLayer(cfg["name"], layer["class_name"], spec),), (at.srcs[:1],))


def _reshape(at: Hgq2Layer, ctx: Hgq2Weights) -> Read:
    cfg = at.config
    if at.layer["class_name"] == "Flatten":
        record = ReshapeLayer(cfg["name"], "Flatten", (-1,))
    else:
        record = ReshapeLayer(cfg["name"], "Reshape", tuple(int(v) for v in cfg["target_shape"]))
    return Read((record,), (at.srcs[:1],))


def _dropout(at: Hgq2Layer, ctx: Hgq2Weights) -> Read:
    return Read(output=at.srcs[0])  # nothing at inference: the output is the input


def _dense_equation(cfg: dict[str, Any], where: str) -> bool:
    """Whether a ``QEinsumDense`` is a dense layer over the last axis (``...c,cd->...d``, as
    ``"bnc,cd->bnd"`` for per-particle weights); returns whether it has a bias."""
    equation = str(cfg.get("equation", "")).replace(" ", "")
    lhs, _, out = equation.partition("->")
    x, _, w = lhs.partition(",")
    bias_axes = cfg.get("bias_axes")
    ok = len(w) == 2 and x.endswith(w[0]) and out == x[:-1] + w[1] and w[1] not in x
    if not ok or bias_axes not in (None, "", w[1:]):
        raise UnsupportedModelError(
            f"{where}: einsum {equation!r} (bias_axes {bias_axes!r}) is not a dense layer over "
            "the last axis; trigc reads QEinsumDense equations of the form '...c,cd->...d' "
            "with bias_axes 'd' or none"
        )
    return bool(bias_axes)


def _fused_batchnorm(
    cfg: dict[str, Any], stored: list[np.ndarray], kernel: np.ndarray, bias: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """``QBatchNormDense.get_fused_qkernel_and_qbias`` at inference, in float32 as HGQ2 computes
    it: ``kernel * (gamma / sqrt(var + eps))[:, None]`` and ``bias - mean @ kernel``.  The
    stored variables are the trainable ones (kernel, bias, gamma when ``scale``), then the
    others, ending with the moving mean and variance."""
    assert bias is not None
    eps = np.float32(cfg.get("epsilon", 1e-3))
    mean, var = (np.asarray(v, np.float32) for v in stored[-2:])
    gamma = np.asarray(stored[2], np.float32) if cfg.get("scale", True) else np.float32(1)
    scaler = gamma / np.sqrt(var + eps)
    fused_kernel = scaler[:, None] * kernel
    fused_bias = bias + (-(mean @ kernel)).astype(np.float32)
    return fused_kernel.astype(np.float32), fused_bias.astype(np.float32)


HANDLERS: dict[str, Handler] = {
    "QDense": _dense,
    "QBatchNormDense": _dense,
    "QEinsumDense": _dense,
    "QConv1D": _conv,
    "QConv2D": _conv,
    "QAdd": _add,
    "Add": _add,
    "Activation": _activation_layer,
    "ReLU": _activation_layer,
    "Flatten": _reshape,
    "Reshape": _reshape,
    "Dropout": _dropout,
}
"""Layer class -> handler."""
