"""Import Keras/TensorFlow quietly: TensorFlow prints C++ log lines (CUDA probing, oneDNN
notices) at import time that would bury trigc's own messages."""

from __future__ import annotations

import os
from types import ModuleType


def import_keras() -> ModuleType:
    """``import keras`` (and qkeras, and a first TensorFlow op) with stderr silenced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: PLC0415
        import qkeras  # noqa: F401, PLC0415
        import tensorflow as tf  # noqa: PLC0415

        tf.constant(0.0) + 0.0  # device initialization logs here
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return keras
