"""HGQ (v1) proxy models: Keras 2 ``.h5`` files that ``HGQ.proxy.to_proxy_model`` writes.

A proxy model is a plain Keras 2 model (``Dense``, ``Conv``, ``ReLU``, ``Activation`` layers
with the trained, already quantized weights) interleaved with ``HGQ>FixedPointQuantizer``
layers.  Each quantizer stores ``keep_negative``, ``bits`` and ``integers`` per element (arrays
of shape ``(1, *tensor shape)``, or ``()`` when one type is shared) with ``ap_fixed``
conventions (``bits`` and ``integers`` count the sign bit; 0 bits means the element is 0) and
one ``RND``/``SAT`` mode pair in its config; ``gfixed_quantizer`` in HGQ defines it as an
``ap_fixed`` assignment element by element, which is what a ``requantize`` node with
per-element types is.  The ``overrides`` dict carries per-layer HLS settings (parallelization,
result types that hls4ml's bit-exact flow recomputes); they do not change values, so trigc
reads past them.

The legacy Keras 2 reader (:mod:`..keras2`) reads the file; this module gives it the
handlers of the two layer classes proxy models add.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ...ir.element_types import ElementTypes
from ...ir.fixed import OVERFLOW_MODES, ROUNDING_MODES
from ..layers.handler import Handler, Read
from ..layers.quantizers import ActivationSpec, per_element_spec
from ..layers.records import ActivationLayer
from ..layers.where import keras_config_where


def is_proxy_file(path: Path) -> bool:
    """Whether a Keras 2 ``.h5`` model file holds HGQ's ``FixedPointQuantizer`` layers."""
    import h5py  # noqa: PLC0415

    try:
        with h5py.File(path, "r") as f:
            config = f.attrs.get("model_config", "")
    except OSError:
        return False
    text = config.decode("utf8", "replace") if isinstance(config, bytes) else str(config)
    return "FixedPointQuantizer" in text


def fixed_point_quantizer(layer: dict[str, Any], weights: Any) -> Read:
    """An ``HGQ>FixedPointQuantizer``: a requantize with a type per element."""
    cfg, where = layer["config"], keras_config_where(layer)
    rounding, overflow = str(cfg.get("RND", "TRN")), str(cfg.get("SAT", "WRAP"))
    if rounding not in ROUNDING_MODES or overflow not in OVERFLOW_MODES:
        raise UnsupportedModelError(
            f"{where}: rounding {rounding!r} / overflow {overflow!r} have no ap_fixed "
            f"equivalent; trigc supports {', '.join(ROUNDING_MODES)} and "
            f"{', '.join(OVERFLOW_MODES)} (HGQ's WRAP_SM is not one)"
        )
    k, b, i = weights.of(layer, ("keep_negative", "bits", "integers"))
    if k is None or b is None or i is None:
        raise TrigcError(f"{weights.path}: {where} lacks keep_negative/bits/integers")
    k, b, i = np.broadcast_arrays(k, b, i)
    if k.ndim >= 1:  # (1, *shape): the batch axis of HGQ's broadcastable arrays
        k, b, i = k[0], b[0], i[0]
    elements = ElementTypes(b.astype(np.int64), i.astype(np.int64), k > 0, rounding, overflow)
    return Read.chain(
        ActivationLayer(cfg["name"], "FixedPointQuantizer", per_element_spec(elements), True)
    )


def relu(layer: dict[str, Any], weights: Any) -> Read:
    """Keras 2's ``ReLU`` layer (proxy models write the activation as one) without a maximum,
    slope or threshold."""
    cfg, where = layer["config"], keras_config_where(layer)
    if cfg.get("max_value") is not None or cfg.get("negative_slope", 0) or cfg.get("threshold", 0):
        raise UnsupportedModelError(
            f"{where}: ReLU with max_value/negative_slope/threshold is not supported in Keras 2 "
            "files; use a plain ReLU"
        )
    return Read.chain(ActivationLayer(cfg["name"], "ReLU", ActivationSpec("relu")))


HANDLERS: dict[str, Handler] = {"FixedPointQuantizer": fixed_point_quantizer, "ReLU": relu}
"""Layer class -> handler, merged into the legacy reader's table."""
