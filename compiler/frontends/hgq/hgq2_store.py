"""What an HGQ2 ``.keras`` file stores, and HGQ2's quantizers evaluated without hgq.

:class:`Hgq2File` holds the configuration and every array of ``model.weights.h5``;
:func:`weight_paths` finds a layer's group; :func:`quantizer_elements` gives an activation
quantizer's per-element types and :func:`quantize_values` applies a weight quantizer, both as
``FixedPointQuantizerKIF/KBI.call`` does with ``training=False`` (see :mod:`.hgq2`).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ...ir.element_types import ElementTypes
from ...ir.fixed import OVERFLOW_MODES
from ..layers.records import cast_float

ROUNDING = {"RND": "RND", "TRN": "TRN", "RND_CONV": "RND_CONV"}
"""HGQ2 rounding modes with an ap_fixed equivalent at inference (stochastic S_* are not)."""


class Hgq2File:
    """The configuration and the weights of an HGQ2 ``.keras`` file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.config = json.loads(self._member("config.json"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TrigcError(f"{self.path}: config.json is not valid JSON ({exc})") from None
        self.arrays: dict[str, np.ndarray] = {}

    def _member(self, name: str) -> bytes:
        try:
            with zipfile.ZipFile(self.path) as z:
                return z.read(name)
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise TrigcError(f"{self.path}: not a readable Keras 3 file ({exc})") from None

    def read_weights(self) -> None:
        """Every array of ``model.weights.h5``, by its path."""
        import h5py  # noqa: PLC0415

        try:
            with h5py.File(io.BytesIO(self._member("model.weights.h5")), "r") as f:
                f.visititems(self._keep)
        except OSError as exc:
            raise TrigcError(f"{self.path}: model.weights.h5 is not readable ({exc})") from None

    def _keep(self, name: str, obj: Any) -> None:
        if hasattr(obj, "shape"):
            self.arrays[name] = np.asarray(obj)

    def vars(self, prefix: str) -> list[np.ndarray]:
        """``prefix/vars/0``, ``prefix/vars/1``, ... in order."""
        out, j = [], 0
        while f"{prefix}/vars/{j}" in self.arrays:
            out.append(self.arrays[f"{prefix}/vars/{j}"])
            j += 1
        return out


def quantizer_conf(conf: dict[str, Any] | None, where: str) -> dict[str, Any]:
    """A quantizer's configuration, refused unless trigc can reproduce it exactly."""
    if not conf:
        raise UnsupportedModelError(f"{where}: no quantizer configuration")
    c = conf.get("config", conf)
    if c.get("q_type") not in ("kif", "kbi"):
        raise UnsupportedModelError(
            f"{where}: quantizer type {c.get('q_type')!r} is not supported; trigc reads HGQ2's "
            "fixed-point quantizers ('kif', 'kbi')"
        )
    if c.get("round_mode") not in ROUNDING:
        raise UnsupportedModelError(
            f"{where}: rounding mode {c.get('round_mode')!r} has no hardware equivalent; use "
            f"one of {', '.join(ROUNDING)}"
        )
    if c.get("overflow_mode") not in OVERFLOW_MODES:
        raise UnsupportedModelError(
            f"{where}: overflow mode {c.get('overflow_mode')!r} is not supported; use one of "
            f"{', '.join(OVERFLOW_MODES)}"
        )
    return c


def _kif(store: Hgq2File, prefix: str, conf: dict[str, Any], where: str) -> tuple[np.ndarray, ...]:
    """``k``, ``i``, ``f`` of a stored quantizer.  Keras stores a layer's trainable variables
    first, then the others, each in creation order: ``k`` (never trained), then ``i`` and
    ``f`` (kif) or ``b`` and ``i`` (kbi); ``i`` is not trained under WRAP (HGQ2 tracks it)."""
    wrap = conf["overflow_mode"] == "WRAP"
    created = ["k", "i", "f"] if conf["q_type"] == "kif" else ["k", "b", "i"]
    trained = {"f", "b"} | (set() if wrap else {"i"}) if conf.get("trainable", True) else set()
    order = [n for n in created if n in trained] + [n for n in created if n not in trained]
    stored = store.vars(f"{prefix}/quantizer")
    if len(stored) < 3 or stored[order.index("k")].dtype != np.uint8:
        raise TrigcError(
            f"{store.path}: {where}: the quantizer variables under {prefix!r} are not laid out "
            "as HGQ2 0.2 saves them (k, i, f per element); re-save the model with hgq2 0.2"
        )
    v = {name: np.asarray(stored[j], dtype=np.float64) for j, name in enumerate(order)}
    k = v["k"]
    i = np.round(v["i"])  # round_conv: ties to even, as np.round
    f = np.round(v["f"]) if "f" in v else np.round(v["b"]) - i
    return k, i, f


def quantizer_elements(
    store: Hgq2File, prefix: str, conf: dict[str, Any], where: str
) -> ElementTypes:
    """The per-element types of a stored quantizer (0 bits where ``k + i + f <= 0``)."""
    k, i, f = _kif(store, prefix, conf, where)
    return ElementTypes.from_kif(k, i, f, ROUNDING[conf["round_mode"]], conf["overflow_mode"])


def _rounded_as_hgq2(values: np.ndarray, frac: np.ndarray, mode: str) -> np.ndarray:
    """``values`` rounded to ``frac`` fractional bits as HGQ2 computes it, in float32: RND is
    ``floor(x * 2**f + 0.5)``, whose addition float32 rounds (it can reach the next integer
    from just below a tie); TRN and RND_CONV (``round``) are exact in float32 too."""
    x = values.astype(np.float32)
    scale = np.ldexp(np.float32(1), frac.astype(np.int32)).astype(np.float32)
    scaled = x * scale  # a power of two: exact
    if mode == "RND":
        rounded = np.floor(scaled + np.float32(0.5))
    elif mode == "TRN":
        rounded = np.floor(scaled)
    else:
        rounded = np.round(scaled)
    return np.ldexp(rounded.astype(np.float64), -frac.astype(np.int64))


def quantize_values(
    values: np.ndarray, store: Hgq2File, prefix: str, conf: dict[str, Any], where: str
) -> np.ndarray:
    """A weight quantizer applied to float32 values, as HGQ2 does at inference (float64
    results on their grids): rounded in float32, then the overflow mode of each element's
    type, and 0 for 0-bit elements; a trainable WRAP weight quantizer only rounds."""
    k, i, f = _kif(store, prefix, conf, where)  # read once: the types and the rounding
    elements = ElementTypes.from_kif(k, i, f, ROUNDING[conf["round_mode"]], conf["overflow_mode"])
    elements = elements.broadcast_to(values.shape)
    fracs = np.broadcast_to(f, values.shape).reshape(-1).astype(np.int64)
    rounded = _rounded_as_hgq2(values.reshape(-1), fracs, conf["round_mode"])
    round_only = (
        conf["overflow_mode"] == "WRAP"
        and conf.get("trainable", True)
        and conf.get("is_weight", False)
        and (conf["q_type"] == "kif" or conf["round_mode"] == "RND")
    )
    if round_only:  # HGQ2 rounds trainable WRAP weights to f bits and never wraps them
        return rounded.reshape(values.shape)
    out = np.zeros(values.size)
    for t, idx in elements.groups():
        if t is not None and not (t.overflow == "SAT_SYM" and t.signed and t.width == 1):
            # on the grid already: only the overflow mode acts (HGQ2's SAT_SYM of one signed
            # bit is [0, 0], see quantizers.per_element_spec)
            exact = t.with_modes("TRN", t.overflow)
            out[idx] = t.to_float(cast_float(rounded[idx], exact, where))
    return out.reshape(values.shape)


def weight_paths(layers: list[dict[str, Any]]) -> dict[str, str]:
    """Layer name -> its group in ``model.weights.h5``.  Keras 3 names the groups after the
    layers' classes in snake case, numbered in order (``q_dense``, ``q_dense_1``, ...), not
    after the layers' own names."""
    seen: dict[str, int] = {}
    paths = {}
    for layer in layers:
        base = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", layer["class_name"])  # keras' to_snake_case
        base = re.sub(r"([a-z])([A-Z])", r"\1_\2", base).lower()
        count = seen.get(base, 0)
        seen[base] = count + 1
        paths[layer["config"]["name"]] = f"layers/{base}" + (f"_{count}" if count else "")
    return paths
