"""Training recipe of the jet tagger: float baseline, 6-bit QAT, 6-bit QAT with pruning.

    python -m trigc.models.jet_tagger.train --data models/data/jets.npz --out models/jet_tagger

1. ``jet_tagger_float.keras``: 16-64-32-32-5 with ReLU, float32, trained on standardized
   features (mean and standard deviation of the training split in ``standardization.json``).
2. ``jet_tagger_q6.keras``: the float model converted by :func:`trigc.quantize.quantize_model`
   (6-bit weights, biases and ReLUs, input quantizer ``quantized_bits(14, 4)``) and trained
   further with quantization in the loop.
3. ``jet_tagger_q6_pruned.keras``: the 6-bit model pruned by magnitude to ``--sparsity`` of
   every kernel on a polynomial-decay schedule, then fine-tuned with the masks fixed.

The models output logits (no softmax).  Each is evaluated on the test split; the quantized
ones also through trigc's bit-exact IR, which must agree with Keras on every jet.  The results
go to ``results.json`` and ``roc.svg``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trigc.compiler.frontends.layers.keras_import import import_keras
from trigc.compiler.ir.executor import run_float

from .metrics import accuracy, format_table, per_class_auc, roc_curve, roc_svg, softmax
from .saving import save_reproducibly

HIDDEN = (64, 32, 32)
FLOAT_NAME, Q6_NAME, PRUNED_NAME = "jet_tagger_float", "jet_tagger_q6", "jet_tagger_q6_pruned"


@dataclass(frozen=True)
class Recipe:
    """Hyperparameters of the three stages."""

    seed: int = 42
    batch_size: int = 512
    validation_fraction: float = 0.1
    float_epochs: int = 60
    float_lr: float = 2e-3
    qat_epochs: int = 40
    qat_lr: float = 1e-3
    sparsity: float = 0.6
    prune_epochs: int = 20
    """Epochs over which the sparsity rises to its target."""
    finetune_epochs: int = 20
    """Epochs with fixed masks after that."""
    prune_lr: float = 5e-4
    patience: int = 6
    weight_bits: int = 6
    activation_bits: int = 6
    activation_integer: int = 0


@dataclass(frozen=True)
class Standardizer:
    """Feature standardization ``(x − mean) / std``: the tagger's inputs are standardized
    features, so the firmware expects them too."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardizer:
        """Mean and standard deviation of each column of ``x``."""
        std = x.std(axis=0, dtype=np.float64)
        return cls(x.mean(axis=0, dtype=np.float64), np.where(std > 0, std, 1.0))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.std).astype(np.float32)

    def to_json(self, feature_names: Sequence[str]) -> dict[str, Any]:
        """``{feature: {"mean": …, "std": …}}`` in input order."""
        return {
            str(name): {"mean": float(m), "std": float(s)}
            for name, m, s in zip(feature_names, self.mean, self.std, strict=True)
        }


def split_validation(
    x: np.ndarray, y: np.ndarray, fraction: float, seed: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Shuffle, then hold out ``fraction`` of the jets for validation."""
    order = np.random.default_rng(seed).permutation(len(y))
    n_val = int(round(fraction * len(y)))
    val, train = order[:n_val], order[n_val:]
    return (x[train], y[train]), (x[val], y[val])


def build_float_model(n_features: int, n_classes: int, seed: int) -> Any:
    """The float baseline, layers named fc1, fc2, fc3, output."""
    keras = import_keras()
    keras.utils.set_random_seed(seed)
    layers: list[Any] = [keras.Input((n_features,), name="features")]
    for k, size in enumerate(HIDDEN, start=1):
        layers.append(keras.layers.Dense(size, activation="relu", name=f"fc{k}"))
    layers.append(keras.layers.Dense(n_classes, name="output"))
    return keras.Sequential(layers, name=FLOAT_NAME)


def fit(
    model: Any,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    epochs: int,
    lr: float,
    recipe: Recipe,
    callbacks: Sequence[Any] = (),
    early_stopping: bool = True,
) -> None:
    """Adam on the cross-entropy of the logits; early stopping on the validation loss
    restores the best weights (not used while pruning, whose masks change the weights)."""
    keras = import_keras()
    model.compile(
        optimizer=keras.optimizers.Adam(lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    extra: list[Any] = [
        keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=max(recipe.patience // 2, 1)),
    ]
    if early_stopping:
        extra.append(
            keras.callbacks.EarlyStopping(patience=recipe.patience, restore_best_weights=True)
        )
    model.fit(
        *train,
        validation_data=val,
        epochs=epochs,
        batch_size=recipe.batch_size,
        callbacks=[*callbacks, *extra],
        shuffle=True,
        verbose=2,
    )


def train_float(train: Any, val: Any, n_classes: int, recipe: Recipe) -> Any:
    """Stage 1: the float baseline."""
    model = build_float_model(train[0].shape[1], n_classes, recipe.seed)
    fit(model, train, val, recipe.float_epochs, recipe.float_lr, recipe)
    return model


def train_qat(float_model: Any, train: Any, val: Any, recipe: Recipe) -> Any:
    """Stage 2: convert to 6 bits, then quantization-aware training."""
    from trigc.quantize import DEFAULT_INPUT_BITS, Bits, LayerQuant, quantize_model

    w = Bits(recipe.weight_bits, 0)
    act = Bits(recipe.activation_bits, recipe.activation_integer)
    model = quantize_model(float_model, LayerQuant(w, w, act), DEFAULT_INPUT_BITS, name=Q6_NAME)
    fit(model, train, val, recipe.qat_epochs, recipe.qat_lr, recipe)
    return model


def train_pruned(float_model: Any, q_model: Any, train: Any, val: Any, recipe: Recipe) -> Any:
    """Stage 3: prune the 6-bit model by magnitude, then fine-tune with fixed masks."""
    from trigc.quantize import (
        DEFAULT_INPUT_BITS,
        Bits,
        LayerQuant,
        PolynomialDecay,
        prune_low_magnitude,
        quantize_model,
        strip_pruning,
    )

    # A fresh copy of the 6-bit model (same layers and quantizers), starting from its weights.
    w = Bits(recipe.weight_bits, 0)
    act = Bits(recipe.activation_bits, recipe.activation_integer)
    model = quantize_model(float_model, LayerQuant(w, w, act), DEFAULT_INPUT_BITS, name=PRUNED_NAME)
    model.set_weights(q_model.get_weights())
    steps_per_epoch = -(-len(train[1]) // recipe.batch_size)
    schedule = PolynomialDecay(
        end_step=recipe.prune_epochs * steps_per_epoch, frequency=max(steps_per_epoch // 4, 1)
    )
    pruning = prune_low_magnitude(model, recipe.sparsity, schedule)
    fit(model, train, val, recipe.prune_epochs, recipe.prune_lr, recipe, [pruning], False)
    fit(model, train, val, recipe.finetune_epochs, recipe.prune_lr / 2, recipe, [pruning], False)
    return strip_pruning(model)


def evaluate(model: Any, x: np.ndarray, y: np.ndarray, exact: bool) -> dict[str, Any]:
    """Accuracy, per-class AUC and kernel sparsity on (x, y); for quantized models also the
    outputs of trigc's IR, which must equal Keras' on every jet."""
    from trigc.quantize import total_sparsity

    logits = np.asarray(model.predict(x, batch_size=4096, verbose=0), np.float64)
    result: dict[str, Any] = {
        "accuracy": accuracy(y, logits),
        "auc": per_class_auc(y, logits),
        "kernel_zero_fraction": total_sparsity(model),
        "logits": logits,
    }
    if exact:
        from trigc.compiler.project import to_graph

        graph = to_graph(model)
        in_type = graph.inputs[0].output.type
        mantissas = np.clip(
            np.round(np.ldexp(x.astype(np.float64), in_type.frac)), in_type.min_int, in_type.max_int
        )
        ir_logits = run_float(graph, in_type.to_float(mantissas.astype(np.int64)))[0]
        result["ir_identical_jets"] = int(np.sum(np.all(ir_logits == logits, axis=1)))
        result["ir_accuracy"] = accuracy(y, ir_logits)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: train the three models, write them and the results."""
    parser = argparse.ArgumentParser(prog="python -m trigc.models.jet_tagger.train")
    parser.add_argument("--data", type=Path, default=Path("models/data/jets.npz"))
    parser.add_argument("--out", type=Path, default=Path("models/jet_tagger"))
    parser.add_argument("--sparsity", type=float, default=Recipe.sparsity)
    parser.add_argument("--seed", type=int, default=Recipe.seed)
    parser.add_argument(
        "--epochs-scale", type=float, default=1.0, help="multiply every epoch count (quick runs)"
    )
    args = parser.parse_args(argv)
    if not args.data.is_file():
        parser.error(f"--data {args.data}: no such file; `make data` generates the jet data set")
    if not 0.0 <= args.sparsity < 1.0:
        parser.error(f"--sparsity {args.sparsity}: must be in [0, 1)")
    if args.epochs_scale <= 0:
        parser.error(f"--epochs-scale {args.epochs_scale}: must be positive")
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    s = args.epochs_scale
    base = Recipe()
    recipe = Recipe(
        seed=args.seed,
        sparsity=args.sparsity,
        float_epochs=max(1, round(base.float_epochs * s)),
        qat_epochs=max(1, round(base.qat_epochs * s)),
        prune_epochs=max(1, round(base.prune_epochs * s)),
        finetune_epochs=max(1, round(base.finetune_epochs * s)),
    )
    from trigc.models.data.generate import load_dataset

    data = load_dataset(args.data)
    classes = [str(c) for c in data["class_names"]]
    standardize = Standardizer.fit(data["x_train"])
    x_test, y_test = standardize(data["x_test"]), data["y_test"].astype(np.int64)
    train, val = split_validation(
        standardize(data["x_train"]),
        data["y_train"].astype(np.int64),
        recipe.validation_fraction,
        recipe.seed,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "standardization.json").write_text(
        json.dumps(standardize.to_json(data["feature_names"]), indent=1) + "\n"
    )

    timings: dict[str, float] = {}
    start = time.monotonic()
    float_model = train_float(train, val, len(classes), recipe)
    timings[FLOAT_NAME] = time.monotonic() - start
    start = time.monotonic()
    q_model = train_qat(float_model, train, val, recipe)
    timings[Q6_NAME] = time.monotonic() - start
    start = time.monotonic()
    pruned = train_pruned(float_model, q_model, train, val, recipe)
    timings[PRUNED_NAME] = time.monotonic() - start

    results: dict[str, Any] = {}
    curves: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for name, model, exact in (
        (FLOAT_NAME, float_model, False),
        (Q6_NAME, q_model, True),
        (PRUNED_NAME, pruned, True),
    ):
        save_reproducibly(model, args.out / f"{name}.keras")
        metrics = evaluate(model, x_test, y_test, exact)
        probabilities = softmax(metrics.pop("logits"))
        curves[name] = {
            c: roc_curve(y_test == k, probabilities[:, k]) for k, c in enumerate(classes)
        }
        metrics["auc"] = [round(a, 6) for a in metrics["auc"]]
        metrics["kernel_zero_fraction"] = round(metrics["kernel_zero_fraction"], 6)
        results[name] = {**metrics, "train_seconds": round(timings[name], 1)}
    results["recipe"] = recipe.__dict__
    results["test_jets"] = int(len(y_test))
    results["train_jets"] = int(len(train[1]))
    results["validation_jets"] = int(len(val[1]))
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    roc_svg(args.out / "roc.svg", curves, "Jet tagger ROC (test split)")
    print(
        format_table(
            [
                (n, results[n]["accuracy"], results[n]["auc"], results[n]["kernel_zero_fraction"])
                for n in (FLOAT_NAME, Q6_NAME, PRUNED_NAME)
            ],
            classes,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
