"""Keras running the project's model: in float64 it decides, in float32 (as the model runs
in Keras) it is information.  Outputs are cached by content, so a re-verify of an unchanged
model needs no TensorFlow."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ...caches import content_key, package_versions, read_entry, write_entry
from ...errors import TrigcError
from ...project import Project
from ...vectors import events
from ..compare import (
    Check,
    Checked,
    as_firmware_outputs,
    compare,
    compare_reference,
    on_grid_runner,
)
from ..decide import decides
from ..diagnosis import keras_diagnosis
from ..float_risks import FLOAT32_BITS, FLOAT64_BITS, float_risks
from ..result import Comparison
from .common import missing_source
from .hgq import is_hgq
from .numpy import check_numpy
from .prefix import Prefix, compare_prefix, exact_prefix, prefix_note

if TYPE_CHECKING:
    from ...frontends.keras3.reference import KerasReference


def keras_reference(project: Project) -> KerasReference:
    """The project's model loaded in Keras 3 (TensorFlow's import is slow: only here)."""
    if not project.source_model.is_file():
        raise missing_source(project)
    from ...frontends.keras3.reference import KerasReference, load_with_keras3  # noqa: PLC0415

    return KerasReference(load_with_keras3(project.source_model, project.source_weights))


class CachedReference:
    """The Keras model's outputs on given inputs, cached by the model's files, the inputs, the
    installed libraries and trigc's source.  The model itself is loaded on a miss, or for a
    diagnosis."""

    LIBRARIES = ("keras", "qkeras", "tensorflow", "numpy")

    def __init__(self, project: Project) -> None:
        self.project = project
        self._model: KerasReference | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def model(self) -> KerasReference:
        if self._model is None:
            self._model = keras_reference(self.project)
        return self._model

    def _key(self, method: str, x: np.ndarray) -> str:
        files = [self.project.source_model]
        if self.project.source_weights is not None:
            files.append(self.project.source_weights)
        x = np.ascontiguousarray(x, dtype=np.float64)
        versions = package_versions(self.LIBRARIES)
        return content_key(files, method, str(x.shape), x.tobytes(), versions)

    def cached(self, method: str, x: np.ndarray) -> bool:
        return read_entry("reference", self._key(method, x), ".npy") is not None

    def runner(
        self, method: str, call: Callable[[KerasReference, np.ndarray], np.ndarray] | None = None
    ) -> Callable[[np.ndarray], np.ndarray]:
        """``run64`` or ``run32`` of the model (or ``call`` of it, cached under ``method``),
        through the cache."""

        def run(x: np.ndarray) -> np.ndarray:
            key = self._key(method, x)
            hit = read_entry("reference", key, ".npy")
            if hit is not None:
                return np.load(hit)
            model = self.model()
            y = call(model, x) if call is not None else getattr(model, method)(x)
            y = np.asarray(y, dtype=np.float64)
            buffer = io.BytesIO()
            np.save(buffer, y)
            write_entry("reference", key, ".npy", buffer.getvalue())
            return y

        return run


def check_keras(check: Check) -> Checked:
    """Keras in float64 decides (exact while every partial sum fits in 53 bits); Keras in
    float32, as the model runs in Keras, is compared for information."""
    project, x, reference, notes = check.project, check.x, check.reference, check.notes
    if not project.source_model.is_file():
        raise missing_source(project)
    if is_hgq(project):
        notes.append(
            "an HGQ model: 'numpy' is trigc's float64 evaluation of the file as trigc read it "
            "(each quantizer as HGQ evaluates it), 'hgq' the model run by its own library in "
            "float32, in the environment beside trigc's (HGQ2 and HGQ cannot share it)"
        )
        return check_numpy(check)
    keras_ref = CachedReference(project)
    x_float = events.to_float(events.input_slots(project.graph), x).reshape(x.shape)
    prefix = exact_prefix(project)
    methods = ("run64", "run32") if project.reference_exact else ("run64",)
    if prefix is not None:
        methods = (*methods, _prefix_method(prefix))
    if not all(keras_ref.cached(m, x_float) for m in methods):
        try:
            with check.progress.phase("load keras"):
                keras_ref.model()
        except TrigcError as exc:
            if project.source_format == "keras":
                raise
            # A Keras 2 file that Keras 3 cannot load: trigc read it without Keras; the file
            # as read, evaluated in float64 NumPy, is the reference instead (labelled so).
            notes.append(
                f"Keras 3 could not load this Keras 2 file ({exc}); the reference is trigc's "
                "float64 NumPy evaluation of the file as trigc read it ('numpy'): it checks "
                "the lowering, the types and every firmware, not the reading of the file"
            )
            return check_numpy(check)
    with check.progress.phase("run keras", "" if keras_ref.loaded else "cached"):
        exact = compare_reference(project, "keras", keras_ref.runner("run64"), x, reference, notes)
    comparisons = [exact]
    if prefix is not None:
        try:
            comparisons.append(_prefix_comparison(check, keras_ref, prefix, x_float))
        except Exception as exc:  # Keras could not rebuild the model for its probe
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            notes.append(
                f"keras-prefix: the tensors before the tables were not compared ({reason})"
            )
    if project.reference_exact:
        notes.extend(float_risks(project.graph, FLOAT64_BITS, "the float64 Keras reference"))
        comparisons.append(_float32_comparison(check, keras_ref, exact))
    return comparisons, lambda bad: keras_diagnosis(project, keras_ref.model(), bad)


def _prefix_method(prefix: Prefix) -> str:
    """The cache's name for the prefix values of ``prefix``."""
    fused = ",".join(sorted(prefix.before_activation))
    return f"preactivations:{','.join(prefix.layers)}:{fused}"


def _prefix_comparison(
    check: Check, keras_ref: CachedReference, prefix: Prefix, x_float: np.ndarray
) -> Comparison:
    """Keras in float64 on the tensors before hls4ml's tables, bit for bit."""
    run = keras_ref.runner(
        _prefix_method(prefix),
        lambda model, x: model.preactivations(x, prefix.layers, prefix.before_activation),
    )
    with check.progress.phase("run keras prefix"):
        comparison = compare_prefix(check, prefix, run(x_float))
    check.notes.append(prefix_note(prefix))
    return comparison


def _float32_comparison(check: Check, keras_ref: CachedReference, exact: Comparison) -> Comparison:
    """The model as Keras runs it (float32), for information, with a note where it differs
    from its exact result."""
    project = check.project
    float32 = keras_ref.runner("run32")
    run32 = on_grid_runner(project, lambda v: as_firmware_outputs(project, float32(v)))
    name = "keras-float32"
    as_run = compare(name, run32, check.x, check.reference, decides(project, name))
    if as_run.identical != as_run.total and exact.identical == exact.total:
        risky = float_risks(project.graph, FLOAT32_BITS, "Keras in float32")
        check.notes.append(
            f"the model as Keras runs it (float32) differs from its exact fixed-point result "
            f"(the same model in float64, which the IR equals) on "
            f"{as_run.total - as_run.identical} of {as_run.total} vectors: float32 "
            "rounds values wider than 24 bits ("
            + ("; ".join(risky) if risky else "no layer needs more than 24 bits")
            + "). The reference that decides is the model in float64."
        )
    return as_run
