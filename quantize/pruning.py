"""Magnitude pruning for Keras 3 / QKeras models (tensorflow-model-optimization only prunes
Keras 2 models).

Usage::

    pruning = prune_low_magnitude(model, 0.6, PolynomialDecay(end_step=2000))
    model.compile(...)
    model.fit(x, y, callbacks=[pruning])   # masks follow the schedule, then stay fixed
    strip_pruning(model)                   # a plain QKeras model again
    model.save("pruned.keras")

Each pruned kernel gets a fixed 0/1 mask.  The mask is installed as the kernel variable's
constraint, which Keras applies after every optimizer step, so a pruned weight is exactly 0.0
whenever the model runs; a quantizer maps 0.0 to 0, so pruned weights are exact zeros of the
quantized kernel too.  The callback recomputes the masks on the schedule's steps (the
smallest-magnitude weights of each layer are cut) and leaves them fixed afterwards, which is
fine-tuning with a fixed sparsity pattern.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from trigc.compiler.frontends.layers.keras_import import import_keras

from .schedule import PolynomialDecay, magnitude_mask

keras = import_keras()  # quietly: TensorFlow logs at import

PRUNABLE_LAYERS = ("Dense", "QDense")


class MaskConstraint:
    """A kernel constraint ``w ↦ inner(w) · mask`` that keeps pruned weights at exactly 0.

    ``inner`` is the constraint the kernel had before (QKeras installs a clip constraint).
    """

    def __init__(self, mask: np.ndarray, inner: Any = None) -> None:
        self.mask = keras.Variable(mask.astype("float32"), trainable=False, name="prune_mask")
        self.inner = inner

    def __call__(self, w: Any) -> Any:
        if self.inner is not None:
            w = self.inner(w)
        return w * keras.ops.cast(self.mask, w.dtype)

    def mask_array(self) -> np.ndarray:
        """The mask as a 0/1 NumPy array."""
        return np.asarray(self.mask.numpy())


def _prunable(model: Any) -> list[Any]:
    return [layer for layer in model.layers if type(layer).__name__ in PRUNABLE_LAYERS]


def _targets(model: Any, sparsity: float | Mapping[str, float]) -> dict[str, float]:
    names = [layer.name for layer in _prunable(model)]
    if isinstance(sparsity, Mapping):
        unknown = [n for n in sparsity if n not in names]
        if unknown:
            raise ValueError(f"prune_low_magnitude: no dense layer {unknown}; dense: {names}")
        targets = {n: float(s) for n, s in sparsity.items()}
    else:
        targets = dict.fromkeys(names, float(sparsity))
    bad = {n: s for n, s in targets.items() if not 0.0 <= s < 1.0}
    if bad:
        raise ValueError(f"prune_low_magnitude: sparsity must be in [0, 1): {bad}")
    return targets


def masks(model: Any) -> dict[str, np.ndarray]:
    """The current 0/1 mask of every pruned layer of ``model``, by layer name."""
    return {
        layer.name: layer.kernel.constraint.mask_array()
        for layer in _prunable(model)
        if isinstance(layer.kernel.constraint, MaskConstraint)
    }


class PruningCallback(keras.callbacks.Callback):
    """Updates the masks of the layers in ``targets`` on the schedule's steps.

    The step counter (training batches seen) persists across ``fit`` calls, so a second
    ``fit`` continues the schedule, and after ``end_step`` fine-tunes with fixed masks.
    """

    def __init__(self, targets: Mapping[str, float], schedule: PolynomialDecay) -> None:
        super().__init__()
        self.targets = dict(targets)
        self.schedule = schedule
        self.step = 0

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.step += 1
        if self.schedule.updates_at(self.step):
            self.update_masks()

    def update_masks(self) -> None:
        """Recompute every mask for the current step and apply it to the kernel at once."""
        for name, target in self.targets.items():
            layer = self.model.get_layer(name)
            constraint = layer.kernel.constraint
            if not isinstance(constraint, MaskConstraint):
                raise RuntimeError(
                    f"layer {name!r} lost its pruning mask (strip_pruning was called?)"
                )
            kernel = layer.kernel.numpy() * constraint.mask_array()
            mask = magnitude_mask(kernel, self.schedule.sparsity(self.step, target))
            constraint.mask.assign(mask)
            layer.kernel.assign(kernel * mask)


def prune_low_magnitude(
    model: Any, sparsity: float | Mapping[str, float], schedule: PolynomialDecay
) -> PruningCallback:
    """Prepare ``model`` for pruning and return the callback to pass to ``fit``.

    ``sparsity`` is the final fraction of zero weights of every Dense/QDense kernel, or a
    mapping from layer name to fraction (layers not named are not pruned).  Call this before
    ``fit``; masks start all-ones (or at ``schedule.initial`` sparsity).
    """
    targets = _targets(model, sparsity)
    for name, target in targets.items():
        kernel_var = model.get_layer(name).kernel
        inner = kernel_var.constraint
        if isinstance(inner, MaskConstraint):
            inner = inner.inner
        kernel = kernel_var.numpy()
        mask = magnitude_mask(
            kernel, schedule.sparsity(0, target) if schedule.begin_step == 0 else 0.0
        )
        kernel_var.constraint = MaskConstraint(mask, inner)
        kernel_var.assign(kernel * mask)
    # A train step traced before the masks existed would not apply them: retrace.
    model.train_function = None
    return PruningCallback(targets, schedule)


def apply_masks(model: Any) -> None:
    """Zero the pruned weights of ``model`` now (the optimizer does it after every step)."""
    for layer in _prunable(model):
        constraint = layer.kernel.constraint
        if isinstance(constraint, MaskConstraint):
            layer.kernel.assign(layer.kernel.numpy() * constraint.mask_array())


def strip_pruning(model: Any) -> Any:
    """Remove the masks, leaving the pruned weights at 0: a plain (Q)Keras model that
    saves and loads with ``.keras``.  Returns ``model`` itself."""
    apply_masks(model)
    for layer in _prunable(model):
        constraint = layer.kernel.constraint
        if isinstance(constraint, MaskConstraint):
            layer.kernel.constraint = constraint.inner
    model.train_function = None
    return model
