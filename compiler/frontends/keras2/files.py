"""Keras 2 model files as stored: an ``.h5`` (or a ``.json`` architecture and an ``.h5`` of
weights) read with h5py, without Keras: the configuration, the stored weights by layer, and the
chain of layers with its input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import TrigcError, UnsupportedModelError
from ..layers.where import keras_config_where


class LegacyWeights:
    """The weights of a Keras 2 HDF5 file: ``layer name → {weight base name: array}``."""

    def __init__(self, path: Path, layers: dict[str, dict[str, np.ndarray]]) -> None:
        self.path = path
        self.layers = layers

    def of(self, layer: dict[str, Any], names: tuple[str, ...]) -> list[np.ndarray | None]:
        """The arrays called ``names`` (None where absent) of ``layer``."""
        name = layer["config"]["name"]
        if name not in self.layers:
            raise TrigcError(
                f"{self.path}: no weights for layer {name!r} ({layer['class_name']}); the file "
                f"holds weights for {sorted(self.layers)}. Was it saved from this model?"
            )
        found = self.layers[name]
        return [np.asarray(found[n], dtype=np.float64) if n in found else None for n in names]


def _attr_list(group: Any, name: str) -> list[str]:
    """A string-list attribute, also when Keras split it into ``name0``, ``name1``, ..."""
    if name in group.attrs:
        chunks = [group.attrs[name]]
    else:
        chunks, k = [], 0
        while f"{name}{k}" in group.attrs:
            chunks.append(group.attrs[f"{name}{k}"])
            k += 1
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for c in chunks for n in c]


def _read_weights(group: Any, path: Path) -> LegacyWeights:
    layers = {}
    for layer_name in _attr_list(group, "layer_names"):
        g = group[layer_name]
        arrays = {}
        for weight_name in _attr_list(g, "weight_names"):
            base = weight_name.split("/")[-1].split(":")[0]
            arrays[base] = np.asarray(g[weight_name])
        layers[layer_name] = arrays
    return LegacyWeights(path, layers)


def _h5py() -> Any:
    import h5py  # noqa: PLC0415

    return h5py


def read_legacy_files(
    path: Path, weights: Path | None = None
) -> tuple[dict[str, Any], LegacyWeights]:
    """The model config (parsed JSON) and weights of a ``.h5`` or ``.json`` + weights pair."""
    path = Path(path)
    h5py = _h5py()
    if path.suffix.lower() == ".json":
        if weights is None:
            raise TrigcError(
                f"{path}: an architecture JSON holds no weights; pass the weights file too: "
                f"trigc compile {path.name} --weights model_weights.h5"
            )
        try:
            config = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TrigcError(f"{path}: not valid JSON ({exc}); expected model.to_json()") from None
        weights = Path(weights)
        if not weights.is_file():
            raise TrigcError(f"{weights}: no such weights file")
        try:
            with h5py.File(weights, "r") as f:
                group = f["model_weights"] if "model_weights" in f else f
                if not _attr_list(group, "layer_names"):
                    raise TrigcError(
                        f"{weights}: not a Keras weights file (no layer_names attribute); "
                        "expected the file written by model.save_weights('name.h5')"
                    )
                return config, _read_weights(group, weights)
        except OSError as exc:
            raise TrigcError(f"{weights}: not an HDF5 file ({exc})") from None
    try:
        with h5py.File(path, "r") as f:
            if "model_config" not in f.attrs:
                if _attr_list(f, "layer_names"):
                    raise TrigcError(
                        f"{path}: holds weights only (model.save_weights); pass the "
                        f"architecture too: trigc compile model.json --weights {path.name}"
                    )
                raise TrigcError(
                    f"{path}: not a Keras model file: no model_config attribute, which "
                    "model.save('name.h5') writes with the architecture and the weights"
                )
            raw = f.attrs["model_config"]
            config = json.loads(raw.decode("utf8") if isinstance(raw, bytes) else raw)
            if "model_weights" not in f:
                raise TrigcError(f"{path}: the model was saved without weights")
            return config, _read_weights(f["model_weights"], path)
    except OSError as exc:
        raise TrigcError(f"{path}: not an HDF5 file ({exc})") from None


def _inbound_names(layer: dict[str, Any]) -> list[str]:
    """Names of the layers feeding ``layer`` in a Functional config (Keras 2 or 3 form)."""
    names: list[str] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            history = obj.get("config", {}).get("keras_history") if "config" in obj else None
            if history:
                names.append(str(history[0]))
                return
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            if obj and isinstance(obj[0], str) and len(obj) >= 3 and isinstance(obj[1], int):
                names.append(obj[0])
                return
            for v in obj:
                walk(v)

    walk(layer.get("inbound_nodes", []))
    return names


def layer_chain(config: dict[str, Any], path: Path) -> tuple[str, list[dict[str, Any]]]:
    cls = config.get("class_name")
    body = config.get("config")
    if cls not in ("Sequential", "Functional", "Model") or body is None:
        raise UnsupportedModelError(
            f"{path}: model class {cls!r} is not supported; trigc reads Sequential and "
            "Functional models saved by Keras 2"
        )
    layers = body if isinstance(body, list) else body.get("layers", [])
    # Keras 3 writes registered names such as "qkeras>QDense".
    layers = [{**x, "class_name": str(x.get("class_name", "")).split(">")[-1]} for x in layers]
    name = "model" if isinstance(body, list) else str(body.get("name", "model"))
    if cls != "Sequential":
        for prev, layer in zip(layers[:-1], layers[1:], strict=True):
            inbound = _inbound_names(layer)
            if len(inbound) > 1:
                raise UnsupportedModelError(
                    f"{keras_config_where(layer)} has several inputs; merges are not yet supported "
                    "(trigc reads sequential chains of layers)"
                )
            if inbound != [prev["config"]["name"]]:
                raise UnsupportedModelError(
                    f"{keras_config_where(layer)}: the model is not a single chain of layers in "
                    "file order; trigc reads sequential chains for now"
                )
    return name, layers


def chain_input(layers: list[dict[str, Any]], path: Path) -> tuple[str, tuple[int, ...]]:
    first = layers[0]["config"] if layers else {}
    shape = first.get("batch_input_shape") or first.get("batch_shape")
    if shape is None:
        raise UnsupportedModelError(f"{path}: the model config gives no input shape")
    dims = tuple(shape[1:])
    if not dims or any(d is None for d in dims):
        raise UnsupportedModelError(
            f"{path}: input shape {dims} has unknown sizes; trigc needs every size but the batch"
        )
    name = first.get("name", "input") if layers[0]["class_name"] == "InputLayer" else "input"
    return str(name), tuple(int(d) for d in dims)
