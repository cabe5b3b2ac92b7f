"""One point of a scan, a pure function of its inputs: train with quantization in the loop
(and pruning), evaluate on the test split through trigc's bit-exact IR, compile, synthesize
with Yosys and measure against the budget.  Runs in a Dask worker; returns plain data."""

from __future__ import annotations

import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .spec import Point, ScanSpec


def _train(spec: ScanSpec, point: Point, data: dict[str, Any]) -> Any:
    from trigc.models.jet_tagger.train import Recipe, Standardizer, fit, split_validation
    from trigc.quantize import (
        Bits,
        LayerQuant,
        PolynomialDecay,
        QuantSpec,
        build_qmodel,
        prune_low_magnitude,
        strip_pruning,
    )

    t = spec.training
    x, y = data["x_train"], data["y_train"]
    if t.max_jets is not None and t.max_jets < len(y):
        # a random subset: the data set is stored class by class
        keep = np.random.default_rng(t.seed).permutation(len(y))[: t.max_jets]
        x, y = x[keep], y[keep]
    standardize = Standardizer.fit(x)
    train, val = split_validation(standardize(x), y, 0.1, t.seed)
    w = Bits(point.weight_bits, 0)
    act = Bits(point.activation_bits, 0)
    n_classes = len(data["class_names"])
    qspec = QuantSpec(
        x.shape[1],
        (*spec.model.hidden, n_classes),
        LayerQuant(w, w, act),
        Bits(*spec.model.input_bits),
        name=f"scan_{point.label}".replace("-", "_").replace(".", "_"),
    )
    model = build_qmodel(qspec, seed=t.seed)
    recipe = Recipe(seed=t.seed, batch_size=t.batch_size, patience=max(t.epochs, 1))
    if point.sparsity > 0:
        steps = -(-len(train[1]) // t.batch_size)
        prune_epochs = max(t.epochs // 2, 1)
        schedule = PolynomialDecay(end_step=prune_epochs * steps, frequency=max(steps // 4, 1))
        pruning = prune_low_magnitude(model, point.sparsity, schedule)
        fit(model, train, val, t.epochs, t.learning_rate, recipe, [pruning], False)
        model = strip_pruning(model)
    else:
        fit(model, train, val, t.epochs, t.learning_rate, recipe)
    return model, standardize


def _evaluate(model: Any, standardize: Any, data: dict[str, Any]) -> dict[str, Any]:
    from trigc.models.jet_tagger.train import evaluate

    x, y = standardize(data["x_test"]), data["y_test"]
    result = evaluate(model, x, y, exact=True)
    return {
        "accuracy": float(result["ir_accuracy"]),
        "keras_accuracy": float(result["accuracy"]),
        "auc": float(np.mean(result["auc"])),
        "ir_identical_jets": int(result["ir_identical_jets"]),
        "test_jets": len(y),
        "sparsity_achieved": float(result["kernel_zero_fraction"]),
    }


def _implement(spec: ScanSpec, point: Point, model: Any, workdir: Path) -> dict[str, Any]:
    from trigc.compiler.backends import BackendOptions
    from trigc.compiler.project import CompileOptions, compile_project
    from trigc.compiler.reports.report import build_report
    from trigc.compiler.reports.writers import write_report

    options = CompileOptions(
        backends=(point.backend,),
        backend=BackendOptions(clock_period_ns=1000.0 / point.clock_mhz),
    )
    project = compile_project(model, workdir / "project", options)
    report = build_report(project, spec.budget, device=spec.device)
    write_report(report, workdir / "report")
    (impl,) = report.implementations
    cycles = impl.latency_cycles
    return {
        "lut": float(impl.resources.get("lut", 0.0)),
        "ff": float(impl.resources.get("ff", 0.0)),
        "dsp": float(impl.resources.get("dsp", 0.0)),
        "latency_cycles": cycles,
        "latency_ns": None if cycles is None else cycles * 1000.0 / point.clock_mhz,
        "ii": impl.ii,
        "fmax_mhz": impl.fmax_mhz,
        "budget_passed": bool(impl.passed),
        "report": "report/report.html",
    }


def run_point(spec: ScanSpec, point: Point, workdir: Path) -> dict[str, Any]:
    """Train, evaluate, compile and measure one point in ``workdir``; a failure is a result
    (status ``failed`` with its error), never an exception."""
    start = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {"label": point.label, **asdict(point)}
    try:
        from trigc.models.data.generate import load_dataset

        data = load_dataset(spec.data)
        model, standardize = _train(spec, point, data)
        record |= _evaluate(model, standardize, data)
        record |= _implement(spec, point, model, workdir)
        record["status"] = "ok"
    except Exception as exc:  # a failed point is recorded and the scan goes on
        record["status"] = "failed"
        record["error"] = f"{type(exc).__name__}: {exc}"
        (workdir / "error.txt").write_text("".join(traceback.format_exception(exc)))
    record["seconds"] = time.perf_counter() - start
    return record
