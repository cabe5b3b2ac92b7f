"""trigc.quantize: quantized (QKeras, Keras 3) models that trigc compiles bit-exactly.

- :func:`build_qmodel` builds a quantized MLP from a :class:`QuantSpec`;
- :func:`quantize_model` converts a float Keras model (Dense / Activation / BatchNormalization
  / Dropout), folding batch normalization into the dense layers;
- :func:`prune_low_magnitude` / :class:`PolynomialDecay` / :func:`strip_pruning` prune
  kernels by magnitude during training, with masks that stay fixed while fine-tuning;
- :func:`summary` lists bits and sparsity per layer.

Every quantizer uses ``alpha=1``, so the types of the compiled firmware come from the
quantizers.  Names are imported on first use, so ``import trigc.quantize`` does not import
TensorFlow until a name that needs it is used.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public name → submodule that defines it.
_EXPORTS = {
    "Bits": "spec",
    "LayerQuant": "spec",
    "QuantSpec": "spec",
    "DEFAULT_INPUT_BITS": "spec",
    "DEFAULT_LAYER_QUANT": "spec",
    "build_qmodel": "spec",
    "uniform_spec": "spec",
    "ConversionError": "convert",
    "quantize_model": "convert",
    "PolynomialDecay": "schedule",
    "magnitude_mask": "schedule",
    "MaskConstraint": "pruning",
    "PruningCallback": "pruning",
    "apply_masks": "pruning",
    "masks": "pruning",
    "prune_low_magnitude": "pruning",
    "strip_pruning": "pruning",
    "LayerSummary": "summarize",
    "format_summary": "summarize",
    "summary": "summarize",
    "total_sparsity": "summarize",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'trigc.quantize' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
