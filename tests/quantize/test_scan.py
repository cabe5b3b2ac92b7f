"""``trigc scan``: a tiny scan on a 2-worker Dask LocalCluster (real QAT, compile, Yosys and
report per point), resumed without repeating work, a failing point recorded, the table in
CSV/Parquet/JSON, and the Pareto page laid out by headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from tests.compiler.reports.test_html_render import chromium, probe_page
from trigc.compiler.cli import main
from trigc.compiler.errors import TrigcError
from trigc.scan import Engine, ScanSpecError, load_spec, pareto, parse_spec, run
from trigc.scan.engine import jobqueue_cluster
from trigc.scan.spec import file_digest, point_key

pytestmark = [pytest.mark.slow, pytest.mark.synth]

TINY = {
    "name": "tiny",
    "model": {"hidden": [16], "input_bits": [10, 3]},
    "training": {"epochs": 4, "batch_size": 256, "max_jets": 10000},
    # weight_bits 1 is not a quantizer QKeras can build: that point must fail, alone
    "axes": {"weight_bits": [1, 3, 5], "sparsity": [0.0, 0.5]},
    "budget": "cms-l1-240",
}

PROBE = """<script>
const svgs = [...document.querySelectorAll("svg")].map(svg => {
  const box = svg.getBoundingClientRect();
  return {w: box.width, h: box.height, points: svg.querySelectorAll("circle.point").length,
          front: svg.querySelectorAll("circle.front").length};
});
const out = document.createElement("pre");
out.id = "probe";
out.textContent = JSON.stringify(svgs);
document.body.appendChild(out);
</script>"""


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[Path, Path, list[dict]]:
    root = tmp_path_factory.mktemp("scan")
    spec_file = root / "tiny.yaml"
    spec_file.write_text(yaml.safe_dump(TINY))
    out = root / "tiny"
    lines: list[str] = []
    result = run(spec_file, out, Engine(workers=2), progress=lines.append)
    assert lines[0] == "scan tiny: 6 points, 0 cached, 6 to run"
    assert any("2 running" in line for line in lines[1:])  # two workers at once
    return spec_file, out, result.records


def test_every_point_is_measured_or_recorded_as_failed(scanned):
    _, out, records = scanned
    assert [r["label"] for r in records] == [
        f"w{w}a6-s{s}-240MHz-rtl" for w in (1, 3, 5) for s in (0, 50)
    ]
    failed = [r for r in records if r["status"] != "ok"]
    assert [r["weight_bits"] for r in failed] == [1, 1]
    assert all("at least 2 bits" in r["error"] for r in failed)
    ok = [r for r in records if r["status"] == "ok"]
    for r in ok:
        assert r["ir_identical_jets"] == r["test_jets"] == 50_000  # the IR is the model
        assert r["accuracy"] > 0.3 and r["auc"] > 0.6  # learned something (chance: 0.2, 0.5)
        assert r["lut"] > 0 and r["latency_ns"] > 0
        assert (out / r["folder"] / r["report"]).is_file()
        assert (out / r["folder"] / "project" / "rtl").is_dir()
    # pruning removes weights and the LUTs they cost
    by = {(r["weight_bits"], r["sparsity"]): r for r in ok}
    assert by[(5, 0.5)]["sparsity_achieved"] >= 0.45
    assert by[(5, 0.5)]["lut"] < by[(5, 0.0)]["lut"]


def test_tables_agree_and_mark_the_pareto_front(scanned):
    _, out, records = scanned
    table = pq.read_table(out / "results.parquet").to_pylist()
    as_json = json.loads((out / "results.json").read_text())["points"]
    csv_lines = (out / "results.csv").read_text().splitlines()
    assert len(table) == len(as_json) == len(csv_lines) - 1 == 6
    assert [row["label"] for row in table] == [r["label"] for r in records]
    front = pareto(records, "lut")
    assert front and [row["pareto_lut"] for row in table] == [i in front for i in range(6)]
    accuracies = [records[i]["accuracy"] for i in front]
    assert accuracies == sorted(accuracies)  # more LUTs on the front buy accuracy


def test_a_resumed_scan_does_no_work_twice(scanned):
    spec_file, out, records = scanned
    stamps = {p: p.stat().st_mtime_ns for p in out.glob("points/*/result.json")}
    lines: list[str] = []
    again = run(spec_file, out, Engine(workers=2), progress=lines.append)
    assert lines == ["scan tiny: 6 points, 6 cached, 0 to run"]
    assert {p: p.stat().st_mtime_ns for p in out.glob("points/*/result.json")} == stamps
    assert [r["status"] for r in again.records] == [r["status"] for r in records]


def test_the_cli_exits_1_when_a_point_failed(scanned, capsys):
    spec_file, out, _ = scanned
    assert main(["scan", str(spec_file), "-o", str(out)]) == 1  # all cached: no work
    printed = capsys.readouterr().out
    assert "failed  ValueError: Bits(1, 0)" in printed and "results:" in printed


def test_pareto_page_renders_and_links_every_report(scanned, tmp_path):
    chromium()
    _, out, records = scanned
    page = (out / "index.html").read_text()
    for r in records:
        if r["status"] == "ok":
            assert f"{r['folder']}/{r['report']}" in page
    svgs = probe_page(page, PROBE, out / "probe.html")
    assert len(svgs) == 2
    for svg in svgs:
        assert svg["w"] > 400 and svg["h"] > 200 and svg["points"] == 4 and svg["front"] >= 1


def test_the_cache_key_follows_what_a_point_depends_on(scanned):
    spec_file, _, _ = scanned
    spec = load_spec(spec_file)
    point = spec.points()[2]
    digest = file_digest(spec.data)
    key = point_key(spec, point, "v1", digest)
    assert key == point_key(load_spec(spec_file), point, "v1", digest)
    assert key != point_key(spec, point, "v2", digest)  # the code changed
    longer = parse_spec({**TINY, "training": {**TINY["training"], "epochs": 2}})
    assert key != point_key(longer, point, "v1", digest)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"axes": {"bitz": [4]}}, r"axes: unknown key\(s\) \['bitz'\]"),
        ({"axes": {"sparsity": [1.5]}}, r"sparsity 1.5 must be in \[0, 1\)"),
        ({"data": "missing.npz"}, r"data file .*missing.npz not found"),
        ({"training": {"epoch": 3}}, r"training: unknown key\(s\) \['epoch'\]"),
    ],
)
def test_bad_specs_name_the_key(change, message):
    with pytest.raises(ScanSpecError, match=message):
        parse_spec({**TINY, **change})


def test_a_bad_spec_is_a_usage_error_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("axes: {weight_bits: [4]}\nbudgett: x\n")
    assert main(["scan", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown key(s) ['budgett']" in err and "Traceback" not in err
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(
    ("kind", "settings", "expected"),
    [
        (
            "slurm",
            {"memory": "8GB", "walltime": "02:00:00"},
            ["#SBATCH --mem=8G", "#SBATCH -t 02:00:00", "dask_worker"],
        ),
        (
            "htcondor",
            {"memory": "8GB", "disk": "5GB"},
            ["MY.DaskWorkerMemory = 8000000000", "MY.DaskWorkerDisk = 5000000000", "dask_worker"],
        ),
    ],
)
def test_jobqueue_job_scripts_carry_the_site_settings(kind, settings, expected):
    """The batch job each worker is submitted as (no batch system needed to write it)."""
    cluster = jobqueue_cluster(kind, settings)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for text in expected:
        assert text in script, (kind, text, script)


def test_unknown_jobqueue_settings_are_named():
    with pytest.raises(TrigcError, match="jobqueue settings for slurm"):
        jobqueue_cluster("slurm", {"no_such_setting": 1})
