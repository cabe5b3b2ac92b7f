"""What the Keras layer handlers share: their weights through their QKeras quantizers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layers.builder import FrontendOptions
from ..layers.quantizers import check_weight_quantizer, nominal_type
from ..layers.records import Weights


def quantized_weights(values: np.ndarray, q: Any, where: str, options: FrontendOptions) -> Weights:
    """Weights passed through their QKeras quantizer (if any), with its nominal type."""
    if q is None:
        return Weights(values)
    check_weight_quantizer(q, where, options.allow_inexact)
    quantized = np.asarray(q(values.astype(np.float32)), dtype=np.float64)
    return Weights(quantized, True, nominal_type(q))
