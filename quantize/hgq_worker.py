"""Runs inside an HGQ environment (see :mod:`trigc.compiler.hgq_env`), never in trigc's own.

    python -m trigc.quantize.hgq_worker hgq2 OUT.keras --kind mlp --x X.npy --y Y.npy
    python -m trigc.quantize.hgq_worker hgq1-proxy OUT.h5 --layers 16,12,5 --x X.npy --y Y.npy

Each command builds a small network with the real library (HGQ2 on Keras 3: an MLP, with
``QBatchNormDense``, ``QConv1D``, ``QConv2D``, ``QEinsumDense`` or ``QAdd``; HGQ v1 on Keras 2,
``tf_keras``, then ``HGQ.proxy.to_proxy_model``), trains it for an epoch on random data, gives
its quantizers random per-element bit widths (some of them 0, so that elements vanish), saves
the model as that library saves it, and writes the model's own outputs on the inputs ``X.npy``
to ``Y.npy``.  Tests and benchmarks compare trigc with those outputs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np

from trigc.compiler import hgq_env
from trigc.compiler.frontends.hgq.predict import Keras2AsKeras


def _random_bits(rng: np.random.Generator, shape: tuple[int, ...], lo: int, hi: int) -> np.ndarray:
    return rng.integers(lo, hi + 1, shape).astype(np.float32)


def _hgq2_network(kind: str, layers: Sequence[int]):  # noqa: ANN202  (keras imported here)
    """A small HGQ2 network of ``kind``: mlp, batchnorm, conv1d, conv2d, einsum or add."""
    import keras  # noqa: PLC0415
    from hgq.layers import (  # noqa: PLC0415
        QAdd,
        QBatchNormDense,
        QConv1D,
        QConv2D,
        QDense,
        QEinsumDense,
    )

    n_in, n_out = layers[0], layers[-1]
    if kind == "conv1d":
        inp = keras.Input((n_in // 2, 2))
        h = QConv1D(4, 3, activation="relu", name="c1")(inp)
        h = QConv1D(3, 2, strides=2, padding="same", name="c2")(h)
        h = keras.layers.Flatten(name="flat")(h)
        return keras.Model(inp, QDense(n_out, name="out")(h), name="hgq2_conv1d")
    if kind == "conv2d":
        inp = keras.Input((4, n_in // 4, 1))
        h = QConv2D(3, (2, 2), activation="relu", name="c1")(inp)
        h = keras.layers.Flatten(name="flat")(h)
        return keras.Model(inp, QDense(n_out, name="out")(h), name="hgq2_conv2d")
    if kind == "einsum":  # per-particle weights: (particles, features) -> (particles, 6)
        inp = keras.Input((4, n_in // 4))
        h = QEinsumDense("bnc,cd->bnd", (4, 6), bias_axes="d", activation="relu", name="e")(inp)
        h = keras.layers.Flatten(name="flat")(h)
        return keras.Model(inp, QDense(n_out, name="out")(h), name="hgq2_einsum")
    inp = keras.Input((n_in,))
    if kind == "add":
        a = QDense(layers[1], name="a")(inp)
        b = QDense(layers[1], activation="relu", name="b")(inp)
        h = QAdd(name="sum")([a, b])
        out = QDense(n_out, enable_oq=True, name="out")(h)  # an output quantizer too
        return keras.Model(inp, out, name="hgq2_add")
    dense = QBatchNormDense if kind == "batchnorm" else QDense
    h = inp
    for k, units in enumerate(layers[1:-1]):
        h = dense(units, activation="relu", name=f"fc{k + 1}")(h)
    return keras.Model(inp, QDense(n_out, name="out")(h), name=f"hgq2_{kind}")


def _randomize_bits(model, rng: np.random.Generator) -> None:  # noqa: ANN001
    """Random per-element bit widths on every quantizer, some of them 0."""
    from hgq.quantizer.internal.fixed_point_quantizer import (  # noqa: PLC0415
        FixedPointQuantizerKBI,
        FixedPointQuantizerKIF,
    )

    for q in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(q, FixedPointQuantizerKIF):  # fractional bits -2..4: some elements 0 bits
            f = _random_bits(rng, tuple(q._f.shape), -2, 4)
            i = _random_bits(rng, tuple(q._i.shape), 0, 3)
            f.reshape(-1)[0] = -i.reshape(-1)[0] - 2  # k + i + f <= 0: at least one 0-bit element
            q._f.assign(f)
            q._i.assign(i)
        elif isinstance(q, FixedPointQuantizerKBI):  # bits 0..6
            q._b.assign(_random_bits(rng, tuple(q._b.shape), 0, 6))
            q._i.assign(_random_bits(rng, tuple(q._i.shape), 0, 2))


def hgq2_model(
    out: str, layers: Sequence[int], x_path: str, y_path: str, seed: int, kind: str = "mlp"
) -> None:
    import keras  # noqa: PLC0415

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = _hgq2_network(kind, layers)
    model.compile("adam", "mse")
    shape = (512, *model.inputs[0].shape[1:])
    model.fit(rng.normal(size=shape), rng.normal(size=(512, layers[-1])), epochs=1, verbose=0)
    _randomize_bits(model, rng)
    model.save(out)
    x = np.load(x_path).astype("float32").reshape(-1, *model.inputs[0].shape[1:])
    np.save(y_path, np.asarray(model.predict(x, verbose=0, batch_size=4096), np.float64))


def hgq1_proxy(out: str, layers: Sequence[int], x_path: str, y_path: str, seed: int) -> None:
    sys.meta_path.insert(0, Keras2AsKeras())
    import tensorflow as tf  # noqa: PLC0415
    from HGQ import ResetMinMax, trace_minmax  # noqa: PLC0415
    from HGQ.layers import HDense, HQuantize  # noqa: PLC0415
    from HGQ.proxy import to_proxy_model  # noqa: PLC0415

    tf.keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    stack = [HQuantize(beta=1e-5, input_shape=(layers[0],))]
    for k, units in enumerate(layers[1:]):
        last = k == len(layers) - 2
        stack.append(HDense(units, beta=1e-5, activation="linear" if last else "relu"))
    model = tf.keras.Sequential(stack)
    model.compile("adam", "mse")
    x_train = rng.normal(size=(512, layers[0])).astype("float32")
    y_train = rng.normal(size=(512, layers[-1])).astype("float32")
    model.fit(x_train, y_train, epochs=1, verbose=0, callbacks=[ResetMinMax()])
    trace_minmax(model, x_train, verbose=False)
    proxy = to_proxy_model(model)
    for layer in proxy.layers:
        if type(layer).__name__ != "FixedPointQuantizer" or not layer.get_weights():
            continue
        keep, bits, integers = (w for w in layer.get_weights())
        if bits.ndim == 0:  # one shared type: keep it
            continue
        new_bits = rng.integers(0, 7, bits.shape).astype(bits.dtype)
        new_int = np.minimum(integers, new_bits + 2).astype(integers.dtype)
        weights = {"keep_negative": keep, "bits": new_bits, "integers": new_int}
        layer.set_weights([weights[v.name.split("/")[-1].split(":")[0]] for v in layer.weights])
    proxy.save(out)
    x = np.load(x_path).astype("float32")
    np.save(y_path, np.asarray(proxy.predict(x, verbose=0, batch_size=4096), np.float64))


def run_worker(name: str, args: Sequence[str], timeout: float = 900) -> None:
    """Run this module with ``args`` in environment ``name`` (from trigc's own environment)."""
    hgq_env.run_in(name, "trigc.quantize.hgq_worker", args, timeout)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trigc.quantize.hgq_worker")
    parser.add_argument("command", choices=("hgq2", "hgq1-proxy"))
    parser.add_argument(
        "--kind", default="mlp", help="hgq2: mlp, batchnorm, conv1d, conv2d, einsum, add"
    )
    parser.add_argument("out")
    parser.add_argument("--layers", default="16,12,5")
    parser.add_argument("--x", required=True)
    parser.add_argument("--y", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    layers = [int(v) for v in args.layers.split(",")]
    if args.command == "hgq2":
        hgq2_model(args.out, layers, args.x, args.y, args.seed, args.kind)
    else:
        hgq1_proxy(args.out, layers, args.x, args.y, args.seed)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
