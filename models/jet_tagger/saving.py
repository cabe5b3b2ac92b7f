"""Byte-reproducible ``.keras`` files.

``model.save`` writes the save time twice (``date_saved`` in ``metadata.json`` and the zip
entries' timestamps) and numbers shared objects in ``config.json`` by their Python ``id()``.
The same weights therefore give a different file on every run.  :func:`save_reproducibly`
removes all three, so retraining with the same seed gives the same bytes (and the same hash in
a compiled project's manifest).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def save_reproducibly(model: Any, path: str | Path) -> Path:
    """``model.save(path)``, then :func:`normalize_keras_file`."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"{path}: save_reproducibly writes .keras files only")
    model.save(path)
    normalize_keras_file(path)
    return path


def normalize_keras_file(path: str | Path) -> None:
    """Rewrite a ``.keras`` file without its save time and with shared objects numbered
    1, 2, … in order of appearance (only equality of these ids matters when loading)."""
    path = Path(path)
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in entries:
            if info.filename == "metadata.json":
                metadata = json.loads(data)
                metadata.pop("date_saved", None)
                data = json.dumps(metadata).encode()
            elif info.filename == "config.json":
                data = json.dumps(_renumber_shared_objects(json.loads(data))).encode()
            fixed = zipfile.ZipInfo(info.filename, ZIP_EPOCH)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            archive.writestr(fixed, data)


def _renumber_shared_objects(config: Any) -> Any:
    numbers: dict[int, int] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "shared_object_id" and isinstance(value, int):
                    value = numbers.setdefault(value, len(numbers) + 1)
                out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(config)
