"""Fixtures of the report tests: the hand-written ``tiny_mlp`` project and a canned synthesis."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trigc.compiler.reports import rtl_figures, yosys

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """A copy of ``data/tiny_mlp``: ir.json, manifest.json and a pipelined 4-3-2 MLP in rtl/."""
    project = tmp_path / "tiny_mlp"
    shutil.copytree(DATA / "tiny_mlp", project)
    return project


@pytest.fixture
def canned_synth(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace Yosys by the stored result of synthesizing tiny_mlp for xcup (fast tests).

    Returns the list of families synthesis was asked for.
    """
    asked: list[str] = []
    data = json.loads((DATA / "tiny_mlp_synth_xcup.json").read_text())

    def fake(files, top, family, progress=lambda s: None, use_cache=True):
        asked.append(family)
        return yosys._from_json(data | {"family": family})

    monkeypatch.setattr(rtl_figures, "synthesize", fake)
    return asked


def write_budget(path: Path, **fields: object) -> Path:
    """A budget YAML file with the schema line and ``fields``."""
    import yaml

    path.write_text(yaml.safe_dump({"schema": "trigc-budget/1", "name": "test", **fields}))
    return path
