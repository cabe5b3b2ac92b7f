"""A :class:`~tests.fuzz.specs.ModelSpec` → a Keras 3 + qkeras-v3 model with its weights.

Weights come from the spec's seed and style: ``normal`` values around the quantizer's range,
``sparse`` with most weights exactly zero (pruning), ``large`` values that saturate,
``tiny`` values that quantize to zero, ``mixed`` all of these.  Unquantized (float) weights are
drawn on a short fixed-point grid, as the README requires of float weights without
``--config``; batch norms have ``epsilon=0`` and variances that are powers of four, so their
scale and shift are exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .specs import L, ModelSpec, Q


def quantizer(q: Q | None) -> Any:
    """The live QKeras quantizer of ``q``."""
    if q is None:
        return None
    import qkeras  # noqa: PLC0415

    if q.kind == "quantized_bits":
        return qkeras.quantized_bits(
            q.bits,
            q.integer,
            symmetric=int(q.symmetric),
            keep_negative=q.keep_negative,
            alpha=q.alpha,
        )
    if q.kind == "quantized_relu":
        return qkeras.quantized_relu(q.bits, q.integer)
    if q.kind == "binary":
        return qkeras.binary(alpha=q.alpha)
    return qkeras.ternary(alpha=q.alpha)


def _activation(act: object) -> Any:
    return quantizer(act) if isinstance(act, Q) else act


def _keras_layer(lay: L, name: str) -> Any:
    import keras  # noqa: PLC0415
    import qkeras  # noqa: PLC0415

    k = lay.kind
    act = _activation(lay.get("activation"))
    if k == "dense":
        if lay.get("kq") is None and not isinstance(lay.get("activation"), Q):
            return keras.layers.Dense(
                lay.get("units"), activation=act, use_bias=lay.get("use_bias"), name=name
            )
        return qkeras.QDense(
            lay.get("units"),
            kernel_quantizer=quantizer(lay.get("kq")),
            bias_quantizer=quantizer(lay.get("bq")),
            use_bias=lay.get("use_bias"),
            activation=act,
            name=name,
        )
    if k == "conv":
        rank = lay.get("rank")
        common = dict(
            filters=lay.get("filters"),
            kernel_size=lay.get("kernel"),
            strides=lay.get("strides"),
            padding=lay.get("padding"),
            activation=act,
            name=name,
        )
        if lay.get("kq") is None and not isinstance(lay.get("activation"), Q):
            return (keras.layers.Conv1D if rank == 1 else keras.layers.Conv2D)(**common)
        cls = qkeras.QConv1D if rank == 1 else qkeras.QConv2D
        return cls(
            kernel_quantizer=quantizer(lay.get("kq")),
            bias_quantizer=quantizer(lay.get("bq")),
            **common,
        )
    if k == "bn":
        return keras.layers.BatchNormalization(epsilon=0.0, name=name)
    if k == "qact":
        return qkeras.QActivation(act, name=name)
    if k == "act":
        return keras.layers.Activation(act, name=name)
    if k == "relu":
        return keras.layers.ReLU(max_value=lay.get("max_value"), name=name)
    if k == "leaky":
        return keras.layers.LeakyReLU(negative_slope=lay.get("slope"), name=name)
    if k == "softmax":
        return keras.layers.Softmax(name=name)
    if k == "dropout":
        return keras.layers.Dropout(0.25, name=name)
    if k == "pool":
        op, rank = lay.get("op"), lay.get("rank")
        cls = getattr(keras.layers, f"{'Max' if op == 'max' else 'Average'}Pooling{rank}D")
        return cls(pool_size=lay.get("size"), name=name)
    if k == "gpool":
        op, rank = lay.get("op"), lay.get("rank")
        cls = getattr(keras.layers, f"Global{'Max' if op == 'max' else 'Average'}Pooling{rank}D")
        return cls(name=name)
    if k == "flatten":
        return keras.layers.Flatten(name=name)
    if k == "reshape":
        return keras.layers.Reshape((-1,), name=name)
    raise AssertionError(f"unknown layer kind {k!r}")


def _grid(rng: np.random.Generator, shape: tuple[int, ...], sparse: bool) -> np.ndarray:
    """Exact short fixed-point values for float (unquantized) weights."""
    frac = int(rng.integers(0, 6))
    bits = int(rng.integers(2, 10))
    m = rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1), size=shape)
    if sparse:
        m[rng.random(shape) < 0.6] = 0
    return np.ldexp(m.astype(np.float64), -frac)


def _styled(rng: np.random.Generator, shape: tuple[int, ...], q: Q | None, style: str):
    if q is None:
        return _grid(rng, shape, style in ("sparse", "mixed"))
    if q.kind == "quantized_bits":
        scale = 2.0**q.integer
        lsb = 2.0 ** (q.integer - q.bits + int(q.keep_negative))
    else:
        scale, lsb = 1.0, 0.25
    values = rng.normal(0, scale / 2, size=shape)
    pick = style if style != "mixed" else None
    which = rng.integers(0, 4, size=shape) if pick is None else None
    for k, name in enumerate(("normal", "sparse", "large", "tiny")):
        mask = (which == k) if which is not None else np.full(shape, pick == name)
        if name == "sparse":
            values[mask & (rng.random(shape) < 0.6)] = 0.0
        elif name == "large":
            values[mask] *= 8.0
        elif name == "tiny":
            values[mask] = rng.normal(0, lsb / 3, size=shape)[mask]
    # Values exactly on rounding boundaries (half an LSB) exercise the tie rules.
    ties = rng.random(shape) < 0.1
    values[ties] = (np.round(values[ties] / lsb) + 0.5) * lsb
    return values


def _batchnorm_weights(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    gamma = rng.integers(1, 9, size=n) / 4.0 * rng.choice([-1, 1], size=n)
    beta = rng.integers(-16, 17, size=n) / 8.0
    mean = rng.integers(-16, 17, size=n) / 8.0
    var = 4.0 ** rng.integers(-1, 2, size=n)
    return [gamma, beta, mean, var]


def _set_weights(model: Any, spec: ModelSpec, specs_by_name: dict[str, L]) -> None:
    rng = np.random.default_rng(spec.seed)
    for klayer in model.layers:
        lay = specs_by_name.get(klayer.name)
        current = klayer.get_weights()
        if lay is None or not current:
            continue
        if lay.kind == "bn":
            values = _batchnorm_weights(rng, current[0].shape[0])
        else:
            values = [_styled(rng, current[0].shape, lay.get("kq"), spec.style)]
            if len(current) > 1:
                values.append(_styled(rng, current[1].shape, lay.get("bq"), spec.style))
        klayer.set_weights([np.asarray(v, np.float32) for v in values])


def _names(layers: tuple[L, ...], prefix: str) -> list[str]:
    return [f"{prefix}{i}_{lay.kind}" for i, lay in enumerate(layers)]


def build_keras(spec: ModelSpec) -> Any:
    """The Keras 3 model of ``spec`` with its weights set."""
    import keras  # noqa: PLC0415
    import qkeras  # noqa: PLC0415

    specs_by_name: dict[str, L] = {}

    def apply(x: Any, layers: tuple[L, ...], prefix: str) -> Any:
        for lay, name in zip(layers, _names(layers, prefix), strict=True):
            specs_by_name[name] = lay
            x = _keras_layer(lay, name)(x)
        return x

    inp = keras.Input(spec.input_shape, name="x")
    first: list[Any] = []
    if spec.input_quant is not None:
        first.append(qkeras.QActivation(quantizer(spec.input_quant), name="in_quant"))
    if spec.sequential and spec.branches is None:
        layers = first.copy()
        for lay, name in zip(spec.layers, _names(spec.layers, "l"), strict=True):
            specs_by_name[name] = lay
            layers.append(_keras_layer(lay, name))
        model = keras.Sequential([inp, *layers], name="fuzz")
    else:
        x = first[0](inp) if first else inp
        x = apply(x, spec.layers, "l")
        if spec.branches is not None:
            a = apply(x, spec.branches[0], "a")
            b = apply(x, spec.branches[1], "b")
            merge = getattr(keras.layers, spec.merge.capitalize())(name="merge")
            x = merge([a, b])
        x = apply(x, spec.tail, "t")
        model = keras.Model(inp, x, name="fuzz")
    _set_weights(model, spec, specs_by_name)
    return model
