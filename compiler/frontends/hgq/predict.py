"""HGQ models run by their own library: verify's ``hgq`` comparison.

trigc reads HGQ2 and HGQ proxy files without their libraries (:mod:`.hgq2`, :mod:`.proxy`);
this module runs the saved model with the library itself, in its own environment
(:mod:`trigc.compiler.hgq_env`), so that ``trigc verify`` compares the firmware with what the
trained model computes, not only with trigc's reading of the file:

    python -m trigc.compiler.frontends.hgq.predict MODEL.keras|MODEL.h5 X.npy Y.npy

runs inside the environment (``hgq2`` for ``.keras``, ``hgq1`` for proxy ``.h5`` files) and
writes the model's float32 outputs on ``X.npy``; :func:`library_runner` starts it from trigc's
own environment.  Nothing here imports hgq, HGQ or Keras at module level.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ... import hgq_env
from ...caches import content_key, package_versions, read_entry, write_entry

MODULE = "trigc.compiler.frontends.hgq.predict"


class Keras2AsKeras(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import keras...`` gives ``tf_keras...`` (Keras 2): HGQ v1 imports ``keras.src``
    modules of Keras 2 directly, and Keras 2 lives in trigc's environment as ``tf_keras``."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == "keras" or fullname.startswith("keras."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: Any) -> Any:
        real = importlib.import_module("tf_keras" + spec.name[len("keras") :])
        sys.modules[spec.name] = real
        return real

    def exec_module(self, module: Any) -> None:
        pass


def environment_of(model: Path) -> str:
    """The environment whose library runs ``model``: HGQ2 ``.keras`` or HGQ v1 proxy ``.h5``."""
    return "hgq1" if Path(model).suffix.lower() == ".h5" else "hgq2"


def load(model: Path) -> Any:
    """The saved model, loaded by its library (inside its environment)."""
    if environment_of(model) == "hgq1":
        sys.meta_path.insert(0, Keras2AsKeras())
        import HGQ  # noqa: F401, PLC0415  (registers FixedPointQuantizer)
        import tensorflow as tf  # noqa: PLC0415

        return tf.keras.models.load_model(model, compile=False)
    import hgq  # noqa: F401, PLC0415  (registers the HGQ2 layers)
    import keras  # noqa: PLC0415

    return keras.models.load_model(model, compile=False)


def predict(model_path: Path, x_path: Path, y_path: Path) -> None:
    """The model's own outputs (float32, as the library runs it) on ``X.npy``, flat per row."""
    model = load(model_path)
    x = np.load(x_path).astype("float32").reshape(-1, *model.inputs[0].shape[1:])
    y = np.asarray(model.predict(x, verbose=0, batch_size=8192), np.float64)
    np.save(y_path, y.reshape(len(x), -1))


def library_runner(model: Path) -> Callable[[np.ndarray], np.ndarray]:
    """A function from flat float inputs ``[batch, n]`` to the library's outputs (cached under
    ``reference/`` by the model's bytes, the inputs and the libraries' versions), or a
    :class:`~trigc.compiler.errors.TrigcError` when the environment is not installed."""
    name = environment_of(model)
    if not hgq_env.available(name):
        hgq_env.run_in(name, MODULE, [])  # raises, saying where and how to install it

    def run(x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float64)
        folder = hgq_env.environment_path(name)
        libraries = sorted(p.name for p in folder.glob("*.dist-info"))  # the versions
        versions = package_versions(("keras", "tensorflow", "tf-keras", "numpy"))
        key = content_key([Path(model)], "hgq", str(x.shape), x.tobytes(), *libraries, versions)
        hit = read_entry("reference", key, ".npy")
        if hit is not None:
            return np.load(hit)
        with tempfile.TemporaryDirectory(prefix="trigc-hgq-") as tmp:
            np.save(Path(tmp) / "x.npy", x)
            hgq_env.run_in(name, MODULE, [str(model), f"{tmp}/x.npy", f"{tmp}/y.npy"])
            y = np.load(Path(tmp) / "y.npy")
        buffer = io.BytesIO()
        np.save(buffer, y)
        write_entry("reference", key, ".npy", buffer.getvalue())
        return y

    return run


if __name__ == "__main__":
    predict(*(Path(a) for a in sys.argv[1:4]))
