"""Parsers of vendor reports, on files written in the tools' formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from trigc.compiler.reports.vendor import (
    VendorReportError,
    find_reports,
    parse_csynth_rpt,
    parse_csynth_xml,
    parse_vivado_utilization,
    read_report,
)

from .vendor_samples import (
    CSYNTH_XML,
    VITIS_CSYNTH_RPT,
    VIVADO_HLS_CSYNTH_RPT,
    VIVADO_UTIL_HIERARCHICAL,
    VIVADO_UTIL_XC7,
    VIVADO_UTIL_XCUP,
)


def test_vitis_csynth_rpt() -> None:
    figures = parse_csynth_rpt(VITIS_CSYNTH_RPT)
    assert figures.tool == "Vitis HLS 2023.2 C synthesis"
    assert figures.resources == {"bram": 1.0, "dsp": 7.0, "ff": 350.0, "lut": 744.0, "uram": 0.0}
    assert (figures.latency_min_cycles, figures.latency_cycles, figures.ii) == (4, 5, 1)
    assert (figures.target_clock_ns, figures.estimated_clock_ns) == (4.0, 2.917)
    assert figures.part == "xcvu9p-flga2104-2L-e"
    (instance,) = figures.instances
    assert instance.name == "call_ret_dense_fc0_fu_60" and instance.module == "dense_latency_fc0"
    assert instance.resources["lut"] == 300 and instance.resources["bram"] == 1.0


def test_vivado_hls_csynth_rpt() -> None:
    figures = parse_csynth_rpt(VIVADO_HLS_CSYNTH_RPT)
    assert figures.tool.startswith("Vivado HLS 2019.2")
    assert figures.resources["dsp"] == 62 and figures.resources["lut"] == 12046
    assert (figures.latency_cycles, figures.ii) == (9, 1)
    assert (figures.target_clock_ns, figures.estimated_clock_ns) == (5.0, 4.368)
    assert figures.instances == ()


def test_csynth_xml() -> None:
    figures = parse_csynth_xml(CSYNTH_XML)
    assert figures.resources == {"bram": 0.0, "dsp": 5.0, "ff": 512.0, "lut": 1530.0, "uram": 0.0}
    assert (figures.latency_min_cycles, figures.latency_cycles, figures.ii) == (6, 6, 1)
    assert (figures.target_clock_ns, figures.estimated_clock_ns) == (4.0, 3.125)
    assert figures.part == "xcvu9p-flga2104-2L-e"
    assert "2023.2" in figures.tool


def test_vivado_utilization_ultrascale_plus() -> None:
    figures = parse_vivado_utilization(VIVADO_UTIL_XCUP)
    assert figures.resources == {"lut": 1480, "ff": 498, "bram": 1.5, "uram": 2, "dsp": 5}
    assert figures.part == "xcvu9p-flga2104-2L-e"


def test_vivado_utilization_7_series() -> None:
    figures = parse_vivado_utilization(VIVADO_UTIL_XC7)
    assert figures.resources == {"lut": 2200, "ff": 900, "bram": 0, "dsp": 12}


def test_vivado_hierarchical_utilization() -> None:
    figures = parse_vivado_utilization(VIVADO_UTIL_HIERARCHICAL)
    assert figures.resources == {"lut": 1500, "ff": 520, "bram": 2.0, "uram": 0, "dsp": 6}
    assert [(i.name, i.module) for i in figures.instances] == [
        ("fc0", "tiny_mlp_fc0"),
        ("fc1", "tiny_mlp_fc1"),
    ]
    assert figures.instances[1].resources["bram"] == 1.0  # two RAMB18


@pytest.mark.parametrize(
    ("parser", "message"),
    [
        (parse_csynth_rpt, "no '== Utilization Estimates' summary"),
        (parse_csynth_xml, "not valid XML"),
        (parse_vivado_utilization, "no LUT/register/DSP table"),
    ],
)
def test_garbage_is_a_clear_error(parser, message: str) -> None:
    with pytest.raises(VendorReportError, match=message):
        parser("this is not a report", "x.rpt")


def test_find_and_read_reports_in_an_hls4ml_tree(tmp_path: Path) -> None:
    report_dir = tmp_path / "tiny_mlp_prj" / "solution1" / "syn" / "report"
    report_dir.mkdir(parents=True)
    (report_dir / "tiny_mlp_csynth.rpt").write_text(VITIS_CSYNTH_RPT)
    (report_dir / "dense_latency_fc0_csynth.rpt").write_text(VITIS_CSYNTH_RPT)
    assert find_reports(tmp_path, "tiny_mlp") == [report_dir / "tiny_mlp_csynth.rpt"]
    (report_dir / "csynth.xml").write_text(CSYNTH_XML)
    (tmp_path / "vivado_synth.rpt").write_text(VIVADO_UTIL_XCUP)
    found = find_reports(tmp_path, "tiny_mlp")
    assert found == [report_dir / "csynth.xml", tmp_path / "vivado_synth.rpt"]
    assert [read_report(p).tool for p in found] == [
        "HLS 2023.2 C synthesis (csynth.xml)",
        "Vivado report_utilization",
    ]
    assert find_reports(tmp_path / "missing", "tiny_mlp") == []
