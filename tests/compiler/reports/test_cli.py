"""The ``trigc report`` glue: arguments, output and exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from tests.compiler.frontends import onnx_models as om
from trigc.compiler.cli import main
from trigc.compiler.cli import main as trigc
from trigc.compiler.cli.report import add_report_parser, cmd_report
from trigc.compiler.errors import TrigcError

from .conftest import write_budget


def meets(tmp_path: Path) -> Path:
    """A budget the tiny MLP meets: 150 MHz, 100 ns, 1 % of a VU9P."""
    return write_budget(
        tmp_path / "meets.yaml",
        clock_mhz=150,
        latency_ns=100,
        ii_cycles=1,
        device="xcvu9p",
        resources={"lut": 0.01, "ff": 0.01, "dsp": 0.01},
    )


def misses(tmp_path: Path) -> Path:
    """A budget it misses: no more than 100 LUTs."""
    return write_budget(tmp_path / "misses.yaml", clock_mhz=150, resource_counts={"lut": 100})


def test_parser_defines_the_documented_options() -> None:
    parser = argparse.ArgumentParser(prog="trigc")
    add_report_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", "out", "--budget", "cms-l1-240", "--device", "xcvu13p"])
    assert (args.project, args.budget, args.device) == (Path("out"), "cms-l1-240", "xcvu13p")
    assert (args.quiet, args.json, args.backend) == (False, False, None)
    with pytest.raises(SystemExit):
        parser.parse_args(["report", "out"])  # --budget is required


def test_exit_codes(tiny_project: Path, tmp_path: Path, canned_synth, capsys) -> None:
    assert main(["report", str(tiny_project), "--budget", str(meets(tmp_path))]) == 0
    captured = capsys.readouterr()
    assert "budget test on XCVU9P: PASS" in captured.out
    layer_rows = [line.split() for line in captured.out.splitlines() if line.startswith("    ")]
    assert ["layer", "LUT", "FF", "CARRY", "DSP", "cycles"] in layer_rows
    assert any(row[0] == "fc0" for row in layer_rows) and any(r[0] == "total" for r in layer_rows)
    assert "... rtl: measuring" in captured.err
    assert (tiny_project / "report" / "report.html").is_file()
    assert main(["report", str(tiny_project), "--budget", str(misses(tmp_path)), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "FAIL  LUT (absolute) (estimate)" in captured.out and captured.err == ""
    assert main(["report", str(tiny_project), "--budget", "cms-l1-240", "--quiet"]) == 1


def test_json_output(tiny_project: Path, canned_synth, capsys) -> None:
    assert main(["report", str(tiny_project), "--budget", "cms-l1-240", "--json"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["passed"] is False and data["implementations"][0]["backend"] == "rtl"
    assert "..." in captured.err  # progress never pollutes the JSON on stdout


def test_errors_are_trigc_errors(tiny_project: Path, tmp_path: Path, capsys) -> None:
    bad = write_budget(tmp_path / "bad.yaml", clock_mhz=240, resources={"lut": 2})
    parser = argparse.ArgumentParser(prog="trigc")
    add_report_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", str(tiny_project), "--budget", str(bad)])
    with pytest.raises(TrigcError, match="field 'resources.lut'"):
        cmd_report(args)
    assert main(["report", str(tiny_project), "--budget", str(bad)]) == 2
    assert "field 'resources.lut'" in capsys.readouterr().err


@pytest.mark.synth
def test_exit_codes_with_real_synthesis(tiny_project: Path, tmp_path: Path) -> None:
    """The same verdicts from Yosys itself (cached in ~/.cache/trigc/yosys)."""
    assert main(["report", str(tiny_project), "--budget", str(meets(tmp_path)), "--quiet"]) == 0
    assert main(["report", str(tiny_project), "--budget", str(misses(tmp_path)), "--quiet"]) == 1


@pytest.mark.synth
def test_trigc_compile_and_report_exit_codes(tmp_path: Path, capsys) -> None:
    """Through the ``trigc`` console script: 0 within budget, 1 over it, 2 for a bad budget."""
    model = om.save(om.qonnx_mlp(np.random.default_rng(5)), tmp_path / "mlp.onnx")
    out = tmp_path / "mlp"
    compile_args = ["compile", str(model), "-o", str(out), "--backend", "rtl", "--force"]
    assert trigc([*compile_args, "--budget", str(meets(tmp_path)), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "budget test on XCVU9P: PASS" in captured.out and captured.err == ""
    assert "rtl: latency" in captured.out
    assert trigc([*compile_args, "--budget", str(misses(tmp_path))]) == 1
    captured = capsys.readouterr()
    assert "FAIL  LUT (absolute) (estimate)" in captured.out and "... yosys:" in captured.err
    assert trigc(["report", str(out), "--budget", str(misses(tmp_path)), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["passed"] is False
    assert trigc(["report", str(out), "--budget", str(meets(tmp_path)), "--quiet"]) == 0
    capsys.readouterr()
    bad = write_budget(tmp_path / "bad.yaml", clock_mhz=240, resources={"lut": 2})
    other = tmp_path / "other"
    args = ["compile", str(model), "-o", str(other), "--backend", "rtl", "--budget", str(bad)]
    assert trigc(args) == 2
    captured = capsys.readouterr()
    assert "field 'resources.lut'" in captured.err and "Traceback" not in captured.err
    assert not other.exists()  # a bad budget fails before anything is written
