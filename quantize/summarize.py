"""What a quantized model holds, layer by layer: bits and sparsity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .pruning import MaskConstraint


@dataclass(frozen=True)
class LayerSummary:
    """One layer: its quantizers and, for dense layers, the zeros of its quantized kernel."""

    name: str
    kind: str
    units: int | None = None
    kernel_quantizer: str | None = None
    bias_quantizer: str | None = None
    activation: str | None = None
    n_weights: int = 0
    n_zero: int = 0
    """Zeros of the quantized kernel (pruned weights and weights that quantize to 0)."""
    n_pruned: int | None = None
    """Weights cut by a pruning mask still attached to the layer, else None."""

    @property
    def sparsity(self) -> float:
        """Fraction of the quantized kernel that is 0."""
        return self.n_zero / self.n_weights if self.n_weights else 0.0


def _quantizer_text(q: Any) -> str | None:
    if q is None:
        return None
    return str(q) if type(q).__module__.startswith("qkeras") else getattr(q, "__name__", str(q))


def _layer_summary(layer: Any) -> LayerSummary:
    kind = type(layer).__name__
    if kind in ("Dense", "QDense"):
        kq = getattr(layer, "kernel_quantizer_internal", None)
        bq = getattr(layer, "bias_quantizer_internal", None)
        kernel = layer.kernel.numpy()
        quantized = np.asarray(kq(kernel)) if kq is not None else kernel
        constraint = layer.kernel.constraint
        n_pruned = None
        if isinstance(constraint, MaskConstraint):
            n_pruned = int(np.sum(constraint.mask_array() == 0))
        activation = _quantizer_text(getattr(layer, "activation", None))
        return LayerSummary(
            layer.name,
            kind,
            int(kernel.shape[1]),
            _quantizer_text(kq) or "float",
            (_quantizer_text(bq) or "float") if layer.use_bias else None,
            None if activation == "linear" else activation,
            int(kernel.size),
            int(np.sum(quantized == 0)),
            n_pruned,
        )
    if kind in ("QActivation", "Activation"):
        return LayerSummary(layer.name, kind, activation=_quantizer_text(layer.activation))
    return LayerSummary(layer.name, kind)


def summary(model: Any) -> list[LayerSummary]:
    """Bits and sparsity of every layer of ``model``, in order."""
    return [_layer_summary(layer) for layer in model.layers]


def total_sparsity(model: Any) -> float:
    """Fraction of all dense-kernel weights of ``model`` that are 0 after quantization."""
    rows = [row for row in summary(model) if row.n_weights]
    total = sum(row.n_weights for row in rows)
    return sum(row.n_zero for row in rows) / total if total else 0.0


def format_summary(rows: list[LayerSummary]) -> str:
    """A plain-text table of :func:`summary`'s rows, with the overall sparsity."""
    kernel_w = max([6, *(len(r.kernel_quantizer or "") for r in rows)])
    bias_w = max([4, *(len(r.bias_quantizer or "") for r in rows)])
    act_w = max([10, *(len(r.activation or "") for r in rows)])
    lines = [
        f"{'layer':<14} {'kind':<12} {'units':>5}  {'kernel':<{kernel_w}} {'bias':<{bias_w}} "
        f"{'activation':<{act_w}} {'zeros':>15}"
    ]
    for r in rows:
        zeros = f"{r.n_zero}/{r.n_weights} {r.sparsity:4.0%}" if r.n_weights else ""
        lines.append(
            f"{r.name:<14} {r.kind:<12} {r.units or '':>5}  {r.kernel_quantizer or '':<{kernel_w}} "
            f"{r.bias_quantizer or '':<{bias_w}} {r.activation or '':<{act_w}} {zeros:>15}"
        )
    total = sum(r.n_weights for r in rows)
    if total:
        lines.append(
            f"kernel zeros: {sum(r.n_zero for r in rows)}/{total} "
            f"({sum(r.n_zero for r in rows) / total:.1%})"
        )
    return "\n".join(line.rstrip() for line in lines)
