"""The model's own framework as a reference, one module per source kind.

``REFERENCES`` maps the reference a project names (``Project.reference``) to its check:
Keras 3 (and Keras 2 files Keras 3 loads) in :mod:`.keras`, files trigc evaluates itself in
float64 NumPy (Keras 2 files Keras 3 cannot load, HGQ2) in :mod:`.numpy`, HGQ's own library in
:mod:`.hgq`, onnxruntime in :mod:`.onnx`."""

from __future__ import annotations

from collections.abc import Callable

from ..compare import Check, Checked
from .keras import check_keras
from .onnx import check_onnx

REFERENCES: dict[str, Callable[[Check], Checked]] = {
    "keras": check_keras,
    "onnx": check_onnx,
}
"""Project reference name -> its check."""
