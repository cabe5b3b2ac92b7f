"""Training recipe of the HGQ2 jet tagger (runs in the hgq2 environment, not trigc's own).

    python -m trigc.models.jet_tagger.train_hgq_run --out models/jet_tagger

(``train_hgq_run`` starts this module in the hgq2 environment, :mod:`trigc.compiler.hgq_env`.)

16-64-32-32-5 with ReLU, every layer an ``hgq.layers.QDense`` with HGQ2's default quantizers:
per-weight ``kbi`` weight and bias quantizers (RND, SAT_SYM / WRAP) and per-element ``kif``
input quantizers (RND, WRAP), all bit widths trained.  The loss adds ``beta`` times the
layers' EBOPs (HGQ2's estimate of the adders the multiplications cost), ramped up
geometrically from ``beta_start`` to ``beta_end`` over the epochs, so that bits the accuracy
does not need go to zero; Adam's learning rate follows a cosine decay.  The features are
standardized with ``standardization.json`` (the QKeras taggers' statistics).  The model is
saved as ``jet_tagger_hgq.keras``; :mod:`.train_hgq_run` then evaluates it on the test jets
and checks it against trigc's IR.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HIDDEN = (64, 32, 32)
NAME = "jet_tagger_hgq"
BATCH = 1024


def build(n_in: int, n_out: int, beta: float):  # noqa: ANN201  (keras imported here)
    import keras  # noqa: PLC0415
    from hgq.config import LayerConfigScope  # noqa: PLC0415
    from hgq.layers import QDense  # noqa: PLC0415

    with LayerConfigScope(enable_ebops=True, beta0=beta):
        inp = keras.Input((n_in,))
        h = inp
        for k, units in enumerate(HIDDEN):
            h = QDense(units, activation="relu", name=f"fc{k + 1}")(h)
        out = QDense(n_out, name="output")(h)
    return keras.Model(inp, out, name=NAME)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trigc.models.jet_tagger.train_hgq")
    parser.add_argument("--data", type=Path, default=Path("models/data/jets.npz"))
    parser.add_argument("--out", type=Path, default=Path("models/jet_tagger"))
    parser.add_argument("--epochs", type=int, default=120)
    parser.add_argument("--beta-start", type=float, default=1e-7)
    parser.add_argument("--beta-end", type=float, default=1e-6)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    import keras  # noqa: PLC0415
    import tensorflow as tf  # noqa: PLC0415

    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()  # the same seed gives the same model
    data = np.load(args.data)
    norm = json.loads((Path(__file__).parent / "standardization.json").read_text())
    names = [str(n) for n in data["feature_names"]]
    mean = np.array([norm[n]["mean"] for n in names])
    std = np.array([norm[n]["std"] for n in names])
    std = np.where(std > 0, std, 1.0)  # a constant feature, as the QKeras recipe does
    x_train = ((data["x_train"] - mean) / std).astype("float32")
    x_test = ((data["x_test"] - mean) / std).astype("float32")
    y_train, y_test = data["y_train"].astype(np.int64), data["y_test"].astype(np.int64)
    order = np.random.default_rng(args.seed).permutation(len(x_train))
    x_train, y_train = x_train[order], y_train[order]

    model = build(x_train.shape[1], int(y_train.max()) + 1, args.beta_start)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    steps = args.epochs * int(np.ceil(0.9 * len(x_train) / BATCH))
    lr = keras.optimizers.schedules.CosineDecay(args.lr, steps, alpha=0.01)
    model.compile(keras.optimizers.Adam(lr), loss, metrics=["accuracy"])
    ratio = (args.beta_end / args.beta_start) ** (1 / max(args.epochs - 1, 1))

    def set_beta(epoch: int, logs=None) -> None:  # noqa: ANN001
        beta = args.beta_start * ratio**epoch
        for layer in model.layers:
            if hasattr(layer, "_beta"):
                layer._beta.assign(beta)

    start = time.time()
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH,
        epochs=args.epochs,
        validation_split=0.1,
        verbose=2,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_begin=set_beta)],
    )
    seconds = time.time() - start
    model.save(args.out / f"{NAME}.keras")
    logits = np.asarray(model.predict(x_test, batch_size=8192, verbose=0), np.float64)
    print(f"accuracy {np.mean(np.argmax(logits, 1) == y_test):.4f} in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
