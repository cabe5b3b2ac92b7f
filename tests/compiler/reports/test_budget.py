"""Budget files: the presets, the schema and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from trigc.compiler.errors import TrigcError
from trigc.compiler.reports.budget import PRESETS, Budget, BudgetError, load_budget, parse_budget

from .conftest import write_budget


def test_presets_have_the_documented_numbers() -> None:
    cms240, cms360, atlas = (load_budget(name) for name in PRESETS)
    assert (cms240.clock_mhz, cms240.ii_cycles, cms240.latency_ns, cms240.device) == (
        240.0,
        6,
        100.0,
        "xcvu9p",
    )
    assert (cms360.clock_mhz, cms360.ii_cycles, cms360.device) == (360.0, 9, "xcvu13p")
    assert (atlas.clock_mhz, atlas.ii_cycles, atlas.latency_ns) == (240.0, 6, 150.0)
    for budget in (cms240, cms360, atlas):
        # one event per 40 MHz bunch crossing
        assert budget.ii_cycles == round(budget.clock_mhz / 40)
        assert set(budget.resource_fractions) == {"lut", "ff", "dsp", "bram", "uram"}
        assert budget.source and budget.description


def test_a_file_with_percentages_and_counts(tmp_path: Path) -> None:
    path = write_budget(
        tmp_path / "b.yaml",
        clock_mhz=200,
        latency_cycles=20,
        resources={"lut": "12.5%", "dsp": 0.5},
        resource_counts={"uram": 0},
    )
    budget = load_budget(path)
    assert budget.resource_fractions == {"lut": 0.125, "dsp": 0.5}
    assert budget.resource_counts == {"uram": 0}
    assert budget.latency_cycles == 20 and budget.latency_ns is None
    assert budget.clock_period_ns == 5.0
    assert budget.origin == str(path)


def test_to_json_parses_back() -> None:
    budget = load_budget("cms-l1-360")
    data = budget.to_json()
    data.pop("origin")
    assert parse_budget(data, "cms-l1-360") == budget


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"clock_mhz": None}, "field 'clock_mhz' is required"),
        ({"clock_mhz": -5}, "field 'clock_mhz' must be a positive number"),
        ({"clock_mhz": "fast"}, "field 'clock_mhz' must be a positive number"),
        ({"latncy_ns": 100}, "unknown field(s) latncy_ns"),
        ({"ii_cycles": 0}, "field 'ii_cycles' must be an integer >= 1"),
        ({"ii_cycles": 1.5}, "field 'ii_cycles' must be an integer >= 1"),
        ({"resources": {"lut": 1.5}}, "field 'resources.lut' must be a fraction in (0, 1]"),
        ({"resources": {"lut": "lots"}}, "field 'resources.lut'"),
        ({"resources": {"luts": 0.1}}, "field 'resources': unknown resource(s) luts"),
        ({"resources": [0.1]}, "field 'resources' must be a mapping"),
        ({"resource_counts": {"dsp": -1}}, "field 'resource_counts.dsp' must be an integer"),
        ({"device": "xc9999"}, "field 'device': unknown FPGA device 'xc9999'"),
        ({"name": ""}, "field 'name' must be a non-empty string"),
        ({"schema": "trigc-budget/9"}, "field 'schema' must be 'trigc-budget/1'"),
    ],
)
def test_malformed_fields_are_named(tmp_path: Path, fields: dict, message: str) -> None:
    data = {"clock_mhz": 240} | fields
    path = write_budget(tmp_path / "bad.yaml", **{k: v for k, v in data.items() if v is not None})
    with pytest.raises(BudgetError) as info:
        load_budget(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert isinstance(info.value, TrigcError)


def test_unreadable_documents(tmp_path: Path) -> None:
    not_yaml = tmp_path / "x.yaml"
    not_yaml.write_text("clock_mhz: [240\n")
    with pytest.raises(BudgetError, match="not valid YAML"):
        load_budget(not_yaml)
    a_list = tmp_path / "l.yaml"
    a_list.write_text("- 1\n- 2\n")
    with pytest.raises(BudgetError, match="must be a YAML mapping"):
        load_budget(a_list)
    with pytest.raises(BudgetError, match="neither a preset .*cms-l1-240.* nor a file"):
        load_budget("cms-l1-999")


def test_budget_defaults() -> None:
    budget = Budget("b", 100.0)
    assert budget.to_json()["clock_mhz"] == 100.0
    assert "resources" not in budget.to_json()
