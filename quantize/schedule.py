"""Pruning schedule and magnitude masks: plain NumPy, no Keras."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PolynomialDecay:
    """Sparsity that rises from ``initial`` at ``begin_step`` to the target at ``end_step``
    as ``target + (initial − target)·(1 − progress)^power``, updated every ``frequency``
    training steps (batches); the masks are fixed after ``end_step``."""

    end_step: int
    begin_step: int = 0
    frequency: int = 100
    initial: float = 0.0
    power: float = 3.0

    def __post_init__(self) -> None:
        if not 0 <= self.begin_step < self.end_step:
            raise ValueError(
                f"PolynomialDecay: need 0 <= begin_step ({self.begin_step}) < end_step "
                f"({self.end_step})"
            )
        if self.frequency < 1:
            raise ValueError(f"PolynomialDecay: frequency must be >= 1, not {self.frequency}")

    def sparsity(self, step: int, target: float) -> float:
        """The sparsity to reach at ``step`` for a layer whose final sparsity is ``target``."""
        progress = min(max((step - self.begin_step) / (self.end_step - self.begin_step), 0), 1)
        return target + (self.initial - target) * (1.0 - progress) ** self.power

    def updates_at(self, step: int) -> bool:
        """Whether masks are recomputed after training step ``step`` (counted from 1)."""
        if step < self.begin_step or step > self.end_step:
            return False
        return step == self.end_step or (step - self.begin_step) % self.frequency == 0


def magnitude_mask(kernel: np.ndarray, sparsity: float) -> np.ndarray:
    """A 0/1 mask that cuts the ``round(sparsity · size)`` smallest-magnitude weights.

    Ties are broken by position, so weights that are already 0 are cut first and the masks
    of a rising sparsity are nested.
    """
    n_cut = int(round(sparsity * kernel.size))
    order = np.argsort(np.abs(kernel), axis=None, kind="stable")
    mask = np.ones(kernel.size, dtype=np.float32)
    mask[order[:n_cut]] = 0.0
    return mask.reshape(kernel.shape)
