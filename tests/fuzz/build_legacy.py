"""A dense :class:`~tests.fuzz.specs.ModelSpec` → a Keras 2 / QKeras 0.9 file, as Keras 2
wrote them (``model.save("m.h5")``, or ``model.to_json()`` + ``model.save_weights()``).

What the legacy frontend reads is narrower than Keras 3's (``quantized_bits`` and
``quantized_relu`` only, plain activations as strings), so :func:`legacy_variant` maps a drawn
spec onto that subset first; the weights are those of the Keras 3 model of the same variant.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.compiler.frontends import legacy_keras_files as lk

from .build_keras import build_keras
from .specs import L, ModelSpec, Q, layer

_PLAIN = Q("quantized_bits", 4, 0, True, 1, False)


def _legacy_quantizer(q: object, weights: bool) -> object:
    if not isinstance(q, Q):
        return q
    if q.kind in ("binary", "ternary"):
        return _PLAIN if weights else Q("quantized_relu", 4, 2, False)
    return q


def _legacy_layer(lay: L) -> L:
    args = dict(lay.args)
    for key in ("kq", "bq"):
        if key in args:
            args[key] = _legacy_quantizer(args[key], True)
    if "activation" in args:
        args["activation"] = _legacy_quantizer(args["activation"], False)
    if lay.kind in ("relu", "leaky"):
        return layer("act", activation="relu")
    if lay.kind == "softmax":
        return layer("act", activation="softmax")
    return L(lay.kind, tuple(sorted(args.items())))


def legacy_variant(spec: ModelSpec) -> ModelSpec:
    """``spec`` within what Keras 2 files may hold (a chain of dense-network layers)."""
    return replace(spec, layers=tuple(_legacy_layer(x) for x in spec.layers))


def _quantizer_config(q: object) -> Any:
    if not isinstance(q, Q):
        return q
    if q.kind == "quantized_relu":
        return lk.quantized_relu(q.bits, q.integer)
    return lk.quantized_bits(
        q.bits, q.integer, int(q.symmetric), q.alpha, keep_negative=q.keep_negative
    )


def _legacy_layers(spec: ModelSpec, model: Any) -> list[lk.LegacyLayer]:
    out = []
    if spec.input_quant is not None:
        out.append(lk.qactivation("in_quant", _quantizer_config(spec.input_quant)))
    for i, lay in enumerate(spec.layers):
        name = f"l{i}_{lay.kind}"
        weights = model.get_layer(name).get_weights()
        act = _quantizer_config(lay.get("activation")) or "linear"
        if lay.kind == "dense":
            kernel = weights[0]
            bias = weights[1] if len(weights) > 1 else kernel[0] * 0
            if lay.get("kq") is None and not isinstance(lay.get("activation"), Q):
                out.append(lk.dense(name, kernel, bias, act))
            else:
                out.append(
                    lk.qdense(
                        name,
                        kernel,
                        bias,
                        _quantizer_config(lay.get("kq")),
                        _quantizer_config(lay.get("bq")),
                        act,
                    )
                )
        elif lay.kind == "bn":
            gamma, beta, mean, var = weights
            out.append(lk.batchnorm(name, gamma, beta, mean, var, epsilon=0.0))
        elif lay.kind == "qact":
            out.append(lk.qactivation(name, act))
        elif lay.kind == "act":
            out.append(lk.activation(name, act))
        elif lay.kind == "dropout":
            out.append(lk.dropout(name))
        else:
            raise AssertionError(f"no legacy form for {lay.kind!r}")
    return out


def write_legacy(spec: ModelSpec, tmp: Path) -> tuple[Path, Path | None]:
    """The legacy file(s) of ``spec`` (already a :func:`legacy_variant`)."""
    model = build_keras(replace(spec, sequential=False))
    layers = _legacy_layers(spec, model)
    n_in = spec.input_shape[0]
    make = lk.sequential_config if spec.sequential else lk.functional_config
    config = make("fuzz", n_in, layers)
    if spec.seed % 2:
        return lk.write_h5(tmp / "model.h5", config, layers), None
    return lk.write_json_and_weights(tmp / "model.json", tmp / "weights.h5", config, layers)
