"""``trigc verify``: the model, the IR executor and the firmware simulations, bit for bit.

Every representation runs on the same input mantissas; outputs are compared as integers.
The IR executor is the reference; each other representation is compared against it and the
count of identical vectors reported.  On a mismatch the first differing vector is shown with a
layer-by-layer comparison that locates the first layer that differs.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import events
from .caches import content_key, package_versions, read_entry, write_entry
from .diagnosis import first_mismatch_text, keras_diagnosis, trace_diagnosis
from .errors import ProjectError, TrigcError
from .float_risks import FLOAT32_BITS, FLOAT64_BITS, float_risks
from .input_data import read_vectors
from .ir.graph import Graph
from .progress import Progress
from .project import Project, open_project
from .stimuli import make_vectors

if TYPE_CHECKING:
    from .frontends.keras_reference import KerasReference


@dataclass
class Comparison:
    """How one representation compares with the IR executor."""

    name: str
    identical: int
    total: int
    seconds: float
    first_mismatch: int | None = None
    outputs: np.ndarray | None = None
    note: str = ""
    informative: bool = False  # a float reference that cannot be bit-exact: never fails

    @property
    def ok(self) -> bool:
        return self.informative or self.identical == self.total


@dataclass
class VerifyResult:
    """The outcome of :func:`verify_project`."""

    vectors: int
    edge_cases: int
    comparisons: list[Comparison] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)
    protocol: list[Any] = field(default_factory=list)  # trigc.sim.runner.ProtocolResult

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.comparisons) and all(p.passed for p in self.protocol)


def _as_mantissas(graph: Graph, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float output rows → mantissas, and a mask of rows that lie on every output's grid."""
    return events.to_mantissas(events.output_slots(graph), values)


def _missing_source(project: Project) -> ProjectError:
    return ProjectError(
        f"{project.source_model}: the project's copy of the model is missing; the project is "
        "damaged: compile it again with trigc compile (or verify only the firmware with "
        "--only hls,rtl)"
    )


def _keras_reference(project: Project) -> KerasReference:
    if not project.source_model.is_file():
        raise _missing_source(project)
    # TensorFlow's import is slow: only here.
    from .frontends.keras_reference import KerasReference, load_with_keras3  # noqa: PLC0415

    return KerasReference(load_with_keras3(project.source_model, project.source_weights))


def _onnx_runner(project: Project) -> Callable[[np.ndarray], np.ndarray]:
    if not project.source_model.is_file():
        raise _missing_source(project)
    from .frontends.onnx_reference import onnx_runner  # noqa: PLC0415

    run = onnx_runner(project.source_model)
    return lambda x: np.asarray(run(x), dtype=np.float64)


def onehot_argmax(y: np.ndarray) -> np.ndarray:
    """The one-hot of the first largest value along the last axis (``--argmax`` projects)."""
    first = np.argmax(y, axis=-1)[..., None]
    return (np.arange(y.shape[-1]) == first).astype(np.float64)


def _on_grid_runner(
    project: Project, run: Callable[[np.ndarray], np.ndarray]
) -> Callable[[np.ndarray], np.ndarray]:
    """Integer inputs → the reference's outputs as mantissas (off-grid rows never match)."""
    slots = events.input_slots(project.graph)

    def run_int(x_int: np.ndarray) -> np.ndarray:
        x_float = (
            slots[0].type.to_float(x_int) if len(slots) == 1 else events.to_float(slots, x_int)
        )
        y = run(x_float)
        mantissas, on_grid = _as_mantissas(project.graph, y.reshape(len(x_int), -1))
        mantissas[~on_grid] = np.iinfo(np.int64).min  # never equal to a real output
        return mantissas

    return run_int


def _compare(
    name: str, run: Callable[[np.ndarray], np.ndarray], x: np.ndarray, reference: Reference
) -> Comparison:
    start = time.perf_counter()
    out = np.asarray(run(x))
    seconds = time.perf_counter() - start
    expected = reference.values[: len(x)]
    same = np.all(out.reshape(len(x), -1) == expected.reshape(len(x), -1), axis=1)
    first = int(np.argmin(same)) if not same.all() else None
    return Comparison(name, int(same.sum()), len(x), seconds, first, out)


class Reference:
    """The IR executor's outputs, computed in a thread while the simulators build."""

    def __init__(self, future: Future[np.ndarray]) -> None:
        self._future = future

    @property
    def values(self) -> np.ndarray:
        return self._future.result()


@dataclass
class Check:
    """What one representation's check needs: the project, the vectors, the IR's outputs, the
    phase recorder, and where it leaves its notes (kept per check, joined in a fixed order)."""

    project: Project
    x: np.ndarray
    reference: Reference
    progress: Progress
    notes: list[str] = field(default_factory=list)


Diagnose = Callable[[np.ndarray], list[str]]
Checked = tuple[list[Comparison], Diagnose] | None


def _validate(project: Project, wanted: tuple[str, ...], available: list[str]) -> None:
    path = project.path
    for name in wanted:
        if name not in ("keras", "onnx", "hls", "rtl", "emu"):
            raise TrigcError(
                f"--only: unknown representation {name!r}; valid: keras, onnx, hls, rtl, emu"
            )
        if name in ("keras", "onnx") and name != project.reference:
            raise TrigcError(
                f"{path}: the project's model ({project.source_format}) is run in "
                f"{project.reference!r}, not {name!r}; use --only {project.reference}"
            )
        if name not in ("keras", "onnx") and name not in available:
            raise TrigcError(
                f"{path}: the project has no {name} backend; compile with --backend {name}"
            )


def default_protocol_simulators() -> tuple[str, ...]:
    """Icarus Verilog where it is installed: the bulk harness already verilates the design, so
    the protocol tests run in a second, independent simulator instead of verilating it twice;
    Verilator otherwise."""
    import shutil  # noqa: PLC0415

    return ("icarus",) if shutil.which("iverilog") and shutil.which("vvp") else ("verilator",)


def verify_project(
    path: Path,
    vectors: int = 10000,
    inputs: str | Path | None = None,
    seed: int = 0,
    representations: tuple[str, ...] | None = None,
    csim_vectors: int | None = None,
    protocol_sims: tuple[str, ...] | None = None,
    progress: Progress | None = None,
    branches: list[str] | None = None,
    quantize_inputs: bool = False,
) -> VerifyResult:
    """Compare every available representation of the project with the IR executor.

    The representations build and run at the same time (threads around compilers and
    simulators); results, notes and the diagnosis come out in a fixed order.
    ``protocol_sims`` None: :func:`default_protocol_simulators`."""
    progress = progress or Progress()
    project = path if isinstance(path, Project) else open_project(path)
    graph = project.graph
    moved = None
    if inputs is not None:
        read = read_vectors(graph, inputs, branches, quantize_inputs)
        x, edges, moved = read.mantissas, 0, read.moved
    else:
        x, edges = make_vectors(graph, vectors, seed)
    result = VerifyResult(len(x), edges)
    if moved is not None:
        result.notes.append(
            f"--quantize-inputs: {moved} of {x.size} input values were off the grid or out of "
            f"range of {graph.inputs[0].output.type} and were rounded/saturated as ap_fixed does"
        )
    available = [project.reference, *project.manifest.backends]
    wanted = representations or tuple(available)
    _validate(project, wanted, available)
    if protocol_sims is None:
        protocol_sims = default_protocol_simulators()
    sims = protocol_sims if "rtl" in wanted else ()
    progress.say(
        f"{len(x)} vectors through {', '.join(['ir', *wanted])}"
        + (f"; protocol tests on {', '.join(sims)}" if sims else "")
    )
    with ThreadPoolExecutor(max_workers=1 + len(wanted) + len(sims)) as pool:

        def run_ir() -> np.ndarray:
            with progress.phase("run ir"):
                return events.run_rows(graph, x)

        reference = Reference(pool.submit(run_ir))
        checks = {}
        for name in wanted:
            subset = x if name != "hls" or csim_vectors is None else x[:csim_vectors]
            check = Check(project, subset, reference, progress)
            checks[name] = (check, pool.submit(CHECKS[name], check))
        protocols = [pool.submit(_protocol, project, s, seed, progress) for s in sims]
        for check, future in checks.values():
            checked = future.result()
            result.notes.extend(check.notes)
            if checked is not None:
                result.comparisons.extend(checked[0])
                result.diagnosis += _diagnosis(graph, check, *checked)
        result.protocol = [f.result() for f in protocols]
    return result


def _diagnosis(
    graph: Graph, check: Check, comparisons: list[Comparison], diagnose: Diagnose
) -> list[str]:
    comparison = comparisons[0]
    if comparison.first_mismatch is None or comparison.informative:
        return []
    assert comparison.outputs is not None
    bad = check.x[comparison.first_mismatch]
    return [
        *first_mismatch_text(
            graph,
            comparison.name,
            comparison.first_mismatch,
            comparison.outputs,
            check.x,
            check.reference.values,
        ),
        *diagnose(bad),
    ]


PROTOCOL_JOBS = 2
"""Simulator processes sharing the protocol tests: cocotb's Python per clock edge is their cost,
so two halve the wall time of a large design's tests on two cores."""


def _protocol(project: Project, simulator: str, seed: int, progress: Progress) -> Any:
    """The cocotb protocol tests (II=1, gaps, reset, latency, no X/Z); failures are results."""
    from trigc.sim.runner import ProtocolTestError, run_protocol_tests  # noqa: PLC0415

    try:
        result = run_protocol_tests(
            project.backend_dir("rtl"),
            project.path / "ir.json",
            simulator,
            seed=seed + 1,
            jobs=PROTOCOL_JOBS,
        )
    except ProtocolTestError as exc:
        result = exc.result
    detail = "cached" if result.build_cached else ""
    progress.record(f"build cocotb {simulator}", result.build_seconds, detail)
    progress.record(f"run cocotb {simulator}", result.run_seconds)
    return result


class CachedReference:
    """The Keras model's outputs on given inputs, cached by the model's files, the inputs, the
    installed libraries and trigc's source: a re-verify of an unchanged model needs no
    TensorFlow.  The model itself is loaded on a miss, or for a diagnosis."""

    LIBRARIES = ("keras", "qkeras", "tensorflow", "numpy")

    def __init__(self, project: Project) -> None:
        self.project = project
        self._model: KerasReference | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def model(self) -> KerasReference:
        if self._model is None:
            self._model = _keras_reference(self.project)
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

    def runner(self, method: str) -> Callable[[np.ndarray], np.ndarray]:
        """``run64`` or ``run32`` of the model, through the cache."""

        def run(x: np.ndarray) -> np.ndarray:
            key = self._key(method, x)
            hit = read_entry("reference", key, ".npy")
            if hit is not None:
                return np.load(hit)
            y = np.asarray(getattr(self.model(), method)(x), dtype=np.float64)
            buffer = io.BytesIO()
            np.save(buffer, y)
            write_entry("reference", key, ".npy", buffer.getvalue())
            return y

        return run


def _check_keras(check: Check) -> Checked:
    """Keras in float64 decides (exact while every partial sum fits in 53 bits); Keras in
    float32, as the model runs in Keras, is compared for information."""
    project, x, reference, notes = check.project, check.x, check.reference, check.notes
    if not project.source_model.is_file():
        raise _missing_source(project)
    if _is_hgq(project):
        check.notes.append(
            "an HGQ model: 'numpy' is trigc's float64 evaluation of the file as trigc read it "
            "(each quantizer as HGQ evaluates it), 'hgq' the model run by its own library in "
            "float32, in the environment beside trigc's (HGQ2 and HGQ cannot share it)"
        )
        return _check_numpy(check)
    keras_ref = CachedReference(project)
    x_float = events.to_float(events.input_slots(project.graph), x).reshape(x.shape)
    methods = ("run64", "run32") if project.reference_exact else ("run64",)
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
            return _check_numpy(check)
    with check.progress.phase("run keras", "" if keras_ref.loaded else "cached"):
        exact = _compare_reference(project, "keras", keras_ref.runner("run64"), x, reference, notes)
    comparisons = [exact]
    if project.reference_exact:
        notes.extend(float_risks(project.graph, FLOAT64_BITS, "the float64 Keras reference"))
        float32 = keras_ref.runner("run32")
        run32 = _on_grid_runner(project, lambda v: _as_firmware_outputs(project, float32(v)))
        as_run = _compare("keras-float32", run32, x, reference)
        as_run.informative = True
        comparisons.append(as_run)
        if as_run.identical != as_run.total and exact.identical == exact.total:
            risky = float_risks(project.graph, FLOAT32_BITS, "Keras in float32")
            notes.append(
                f"the model as Keras runs it (float32) differs from its exact fixed-point result "
                f"(the same model in float64, which the IR equals) on "
                f"{as_run.total - as_run.identical} of {as_run.total} vectors: float32 "
                "rounds values wider than 24 bits ("
                + ("; ".join(risky) if risky else "no layer needs more than 24 bits")
                + "). The reference that decides is the model in float64."
            )
    return comparisons, lambda bad: keras_diagnosis(project, keras_ref.model(), bad)


def _check_numpy(check: Check) -> Checked:
    """A Keras 2 or HGQ2 file as trigc read it, in float64 NumPy, against the IR."""
    project = check.project
    with check.progress.phase("run numpy"):
        if project.source_format == "hgq2":
            from .frontends.hgq2 import hgq2_numpy_runner  # noqa: PLC0415

            runner = hgq2_numpy_runner(project.source_model)
        else:
            from .frontends.keras_legacy import legacy_numpy_runner  # noqa: PLC0415

            runner = legacy_numpy_runner(project.source_model, project.source_weights)
        comparison = _compare_reference(
            project, "numpy", runner, check.x, check.reference, check.notes
        )
    check.notes.extend(float_risks(project.graph, FLOAT64_BITS, "the float64 NumPy reference"))
    return [comparison, *_check_hgq_library(check)], lambda bad: []


def _is_hgq(project: Project) -> bool:
    """An HGQ2 file, or an HGQ proxy model (a Keras 2 file with FixedPointQuantizer layers)."""
    from .frontends.hgq_proxy import is_proxy_file  # noqa: PLC0415

    if project.source_format == "hgq2":
        return True
    return project.source_format == "keras2-h5" and is_proxy_file(project.source_model)


def _check_hgq_library(check: Check) -> list[Comparison]:
    """An HGQ2 or HGQ proxy model run by its own library (in its environment, float32): it
    decides too where float32 holds every partial sum, else it is information."""
    from .frontends.hgq_predict import library_runner  # noqa: PLC0415

    project = check.project
    if not _is_hgq(project):
        return []
    try:
        runner = library_runner(project.source_model)
    except TrigcError as exc:
        check.notes.append(f"the model was not run by its own library: {exc}")
        return []
    with check.progress.phase("run hgq"):
        comparison = _compare_reference(
            project, "hgq", runner, check.x, check.reference, check.notes
        )
    risky = float_risks(project.graph, FLOAT32_BITS, "the HGQ library in float32")
    if risky:
        comparison.informative = True
        check.notes.extend(risky)
    return [comparison]


def _check_onnx(check: Check) -> Checked:
    project = check.project
    with check.progress.phase("load onnx"):
        runner = _onnx_runner(project)
    with check.progress.phase("run onnx"):
        comparison = _compare_reference(
            project, "onnx", runner, check.x, check.reference, check.notes
        )
    if project.reference_exact:
        check.notes.extend(
            float_risks(project.graph, FLOAT32_BITS, "the ONNX reference in float32")
        )
    return [comparison], lambda bad: []


def _as_firmware_outputs(project: Project, y: np.ndarray) -> np.ndarray:
    """The model's outputs as the firmware gives them: with ``--argmax``, the one-hot of each
    output's largest value."""
    if not project.argmax:
        return y
    slots = events.output_slots(project.graph)
    parts = events.split(slots, np.asarray(y).reshape(len(y), -1))
    return events.join([onehot_argmax(part) for part in parts])  # along each last axis


def _compare_reference(
    project: Project,
    name: str,
    run: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    reference: Reference,
    notes: list[str],
) -> Comparison:
    """The model's own framework against the IR: bit for bit, or, for a float model that
    trigc cast to a precision configuration, as information with the largest difference."""
    graph = project.graph
    outputs: list[np.ndarray] = []

    def run_and_keep(x_float: np.ndarray) -> np.ndarray:
        y = run(x_float)
        y = _as_firmware_outputs(project, y)
        outputs.append(y.reshape(len(x_float), -1))
        return outputs[-1]

    comparison = _compare(name, _on_grid_runner(project, run_and_keep), x, reference)
    if project.reference_exact:
        return comparison
    slots = events.output_slots(graph)
    out_t = slots[0].type
    ir_values = events.to_float(slots, reference.values[: len(x)])
    diffs = np.abs(ir_values - outputs[0])
    lsbs = np.concatenate([np.full(s.size, float(s.type.lsb)) for s in slots])
    worst = int(np.argmax(np.max(diffs, axis=0) / lsbs)) if diffs.size else 0
    out_t = events.slot_of_column(slots, worst)[0].type if diffs.size else out_t
    diff, median = float(np.max(diffs, initial=0)), float(np.median(diffs))
    layers = ", ".join(project.manifest.model.approximated_layers)
    notes.append(
        f"{name} runs the float model, and trigc approximated [{layers}] (float weights/outputs "
        f"cast to the precision configuration, sigmoid/tanh as hls4ml's lookup tables), so "
        f"this reference cannot be bit-exact and does not "
        f"decide PASS/FAIL; largest |IR - {name}| = {diff:.4g} "
        f"({diff / float(out_t.lsb):.4g} output LSBs of {out_t}; saturating edge cases count), "
        f"median {median:.4g}. Bit for bit: the IR and every firmware simulation."
    )
    comparison.informative = True
    return comparison


def _check_hls(check: Check) -> Checked:
    from .backends.hls_csim import HlsCSim  # noqa: PLC0415

    sim = HlsCSim(check.project.backend_dir("hls"), check.project.graph)
    with check.progress.phase("build hls-csim"):
        sim.build()
    with check.progress.phase("run hls-csim"):
        bar = check.progress.bar("hls-csim", len(check.x))
        ins = events.input_slots(check.project.graph)
        comparison = _compare(
            "hls-csim",
            lambda v: events.join(sim.predict_int(events.split(ins, v), bar)),
            check.x,
            check.reference,
        )

    def diagnose(bad: np.ndarray) -> list[str]:
        graph = check.project.graph
        traced = sim.trace_int(events.split(events.input_slots(graph), bad[None]))
        return trace_diagnosis(graph, "hls-csim", traced, bad)

    return [comparison], diagnose


def _check_rtl(check: Check) -> Checked:
    from trigc.sim.bulk import build_harness, run_rtl  # noqa: PLC0415

    rtl_dir = check.project.backend_dir("rtl")
    built = build_harness(rtl_dir)
    check.progress.record("build verilator", built.seconds, "cached" if built.cached else "")
    with check.progress.phase("run rtl"):
        ins = events.input_slots(check.project.graph)
        comparison = _compare(
            "rtl",
            lambda v: events.join(run_rtl(rtl_dir, events.split(ins, v))),
            check.x,
            check.reference,
        )
    return [comparison], lambda bad: []


def _check_emu(check: Check) -> Checked:
    from trigc.emu import load  # noqa: PLC0415

    emulator = load(check.project)
    if emulator.build is not None:
        detail = "cached" if emulator.build.cached else ""
        check.progress.record("build emu", emulator.build.seconds, detail)
    with check.progress.phase("run emu"):
        comparison = _compare("emu", emulator.predict_int, check.x, check.reference)
    return [comparison], lambda bad: []


CHECKS: dict[str, Callable[[Check], Checked]] = {
    "keras": _check_keras,
    "onnx": _check_onnx,
    "hls": _check_hls,
    "rtl": _check_rtl,
    "emu": _check_emu,
}
"""Representation -> its check, each run in its own thread."""


def format_result(result: VerifyResult) -> str:
    """The human-readable summary printed by ``trigc verify``."""
    lines = [f"{result.vectors} vectors ({result.edge_cases} edge cases, the rest random)"]
    for c in result.comparisons:
        verdict = "identical" if c.identical == c.total else "MISMATCH"
        if c.informative:
            verdict = "float reference (information only)"
        lines.append(
            f"  ir == {c.name:<9} {c.identical:>8}/{c.total:<8} {verdict}  ({c.seconds:.1f} s)"
        )
    for p in result.protocol:
        lines.append("  " + str(p).replace("\n", "\n  "))
    lines += [f"note: {n}" for n in result.notes]
    lines += result.diagnosis
    exact = [c for c in result.comparisons if not c.informative] or result.protocol
    if not result.ok:
        lines.append("FAIL: outputs differ")
    elif exact:
        lines.append("PASS: every output identical, bit for bit")
    else:
        lines.append("PASS, but nothing was compared bit for bit (only a float reference ran)")
    return "\n".join(lines)
