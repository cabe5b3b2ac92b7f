"""build_report: figures per backend, per layer, and the budget checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trigc.compiler.devices import DEVICES
from trigc.compiler.errors import ProjectError, TrigcError
from trigc.compiler.reports import build_report, load_budget, rtl_figures, yosys
from trigc.compiler.reports.budget import Budget
from trigc.compiler.reports.report import _backend_model_note, budget_checks

from .conftest import DATA
from .vendor_samples import CSYNTH_XML, VIVADO_UTIL_XCUP


def test_rtl_figures_and_checks(tiny_project: Path, canned_synth: list[str]) -> None:
    messages: list[str] = []
    report = build_report(tiny_project, "cms-l1-240", progress=messages.append)
    assert canned_synth == ["xcup"] and messages
    assert report.device.name == "XCVU9P" and report.model == "tiny_mlp"
    (rtl,) = report.implementations
    checks = {c.name: c for c in rtl.checks}
    assert list(checks) == ["latency_ns", "ii", "fmax", "lut", "ff", "dsp", "bram", "uram"]
    assert checks["latency_ns"].value == pytest.approx(3 * 1000 / 240, abs=1e-3)
    assert checks["latency_ns"].passed and checks["latency_ns"].margin > 80
    assert checks["ii"].value == 1 and checks["ii"].limit == 6
    # the hand-written design has an unregistered DSP: about 200 MHz, under the 240 MHz budget
    assert not checks["fmax"].passed and checks["fmax"].margin < 0 and checks["fmax"].estimate
    assert checks["lut"].limit == pytest.approx(0.25 * 1_182_240)
    assert checks["dsp"].value == 10 and checks["dsp"].passed
    assert not rtl.passed and not report.passed
    assert [(layer.name, layer.module) for layer in rtl.layers] == [
        ("fc0", "tiny_mlp_fc0"),
        ("relu0", "tiny_mlp_relu0"),
        ("fc1", "tiny_mlp_fc1"),
    ]
    assert sum(layer.resources["lut"] for layer in rtl.layers) == rtl.resources["lut"]
    assert all(layer.delay_ns and layer.delay_ns > 0 for layer in rtl.layers)
    assert any("CARRY4" in note for note in rtl.notes)
    assert any("RTL backend's own delay model" in note for note in rtl.notes)
    assert rtl.logic_levels == 9 and rtl.critical_path[0] == "FDRE"


def test_budget_object_and_device_override(tiny_project: Path, canned_synth: list[str]) -> None:
    budget = Budget("loose", clock_mhz=150.0, latency_ns=50.0, ii_cycles=1)
    report = build_report(tiny_project, budget, device="xc7vx690tffg1927-2")
    assert canned_synth == ["xc7"] and report.device.name == "XC7VX690T"
    assert report.passed
    assert any("compiled for xcvu9p" in note for note in report.notes)
    assert any("pipelined for 240 MHz" in n for n in report.implementations[0].notes)


def test_declared_layers_come_first(tiny_project: Path, canned_synth: list[str]) -> None:
    manifest_file = tiny_project / "rtl" / "rtl_manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["layers"] = [
        {"name": "fc0", "instance": "fc0", "latency_cycles": 1},
        {"name": "fc1", "instance": "relu0", "latency_cycles": 2},
    ]
    manifest_file.write_text(json.dumps(manifest))
    rtl = build_report(tiny_project, "cms-l1-240").implementations[0]
    assert [(x.name, x.module, x.latency_cycles) for x in rtl.layers] == [
        ("fc0", "tiny_mlp_fc0", 1),
        ("fc1", "tiny_mlp_relu0", 2),
    ]
    assert any("not matched to an IR layer: fc1" in note for note in rtl.notes)


def test_a_flat_design_has_totals_only(tiny_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads((DATA / "tiny_mlp_synth_xcup.json").read_text()) | {"instances": {}}
    monkeypatch.setattr(rtl_figures, "synthesize", lambda *a, **k: yosys._from_json(data))
    rtl = build_report(tiny_project, "cms-l1-240").implementations[0]
    assert rtl.layers == () and rtl.resources["lut"] == 169
    assert any("one flat module" in note for note in rtl.notes)


def test_hls_estimate_and_vendor_reports(tiny_project: Path) -> None:
    (tiny_project / "hls").mkdir()
    report = build_report(tiny_project, "cms-l1-240", backends=("hls",))
    (hls,) = report.implementations
    assert hls.backend == "hls" and hls.estimate
    assert [layer.name for layer in hls.layers] == ["fc0", "relu0", "fc1"]
    assert hls.fmax_mhz == 250.0 and hls.ii == 1
    assert all(c.estimate for c in hls.checks if c.name != "ii")
    # with C synthesis and Vivado reports in the project, their figures replace the estimate
    syn = tiny_project / "hls" / "tiny_mlp_prj" / "solution1" / "syn" / "report"
    syn.mkdir(parents=True)
    (syn / "csynth.xml").write_text(CSYNTH_XML)
    (tiny_project / "hls" / "vivado_synth.rpt").write_text(VIVADO_UTIL_XCUP)
    hls = build_report(tiny_project, "cms-l1-240", backends=("hls",)).implementations[0]
    assert not hls.estimate
    assert hls.latency_cycles == 6 and hls.fmax_mhz == 320.0
    assert hls.resources["lut"] == 1480 and hls.resources["uram"] == 2
    checks = {c.name: c for c in hls.checks}
    assert not checks["lut"].estimate and not checks["latency_ns"].estimate
    assert "csynth.xml" in hls.method and "vivado_synth.rpt" in hls.method


def test_project_errors(tiny_project: Path, tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no firmware for backend.*hls"):
        build_report(tiny_project, "cms-l1-240", backends=("hls",))
    with pytest.raises(ProjectError, match="not a trigc project"):
        build_report(tmp_path, "cms-l1-240")
    with pytest.raises(TrigcError, match="unknown FPGA device"):
        build_report(tiny_project, "cms-l1-240", device="xc2v1000")
    (tiny_project / "rtl" / "rtl_manifest.json").write_text('{"top": 3}')
    with pytest.raises(ProjectError, match="field 'top' missing"):
        build_report(tiny_project, "cms-l1-240")


def test_budget_checks_margins() -> None:
    budget = Budget(
        "b",
        clock_mhz=200.0,
        latency_ns=20.0,
        latency_cycles=3,
        ii_cycles=2,
        resource_fractions={"dsp": 0.5},
        resource_counts={"lut": 100},
    )
    device = DEVICES["XCZU9EG"]
    checks = budget_checks(
        budget, device, {"lut": 120, "dsp": 10}, 5, 1, 250.0, {"resources": True}, "test"
    )
    by_name = {c.name: (c.value, c.limit, c.passed, c.margin) for c in checks}
    assert by_name == {
        "latency_ns": (25.0, 20.0, False, -5.0),
        "latency_cycles": (5, 3, False, -2),
        "ii": (1, 2, True, 1),
        "fmax": (250.0, 200.0, True, 50.0),
        "dsp": (10.0, 1260.0, True, 1250.0),
        "lut_count": (120.0, 100, False, -20.0),
    }


def test_presets_resolve_their_devices() -> None:
    for name in ("cms-l1-240", "cms-l1-360", "atlas-l1"):
        assert load_budget(name).device


def test_the_rtl_backends_own_model_note() -> None:
    model = {"register_ns": 0.55, "uncertainty": 0.125, "lut_ns": 0.55}
    note = _backend_model_note((2.0, 3.0), model)
    # a stage of 3.0 ns of logic needs (3.0 + 0.55) / (1 - 0.125) = 4.057 ns
    assert note is not None and "3.00 ns of logic, Fmax 246 MHz" in note
    assert _backend_model_note((), {}) is None
