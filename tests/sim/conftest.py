"""Shared fixtures of the simulation tests: the hand-written DUTs and simulator availability."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from trigc.sim.verilator import Icarus, SimulatorNotFoundError, find_icarus

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def icarus() -> Icarus:
    """Icarus Verilog; tests that need it are skipped, with the install hint, when absent."""
    try:
        return find_icarus()
    except SimulatorNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def dot4_dir() -> Path:
    """4-input dot product, latency 2, 32-bit input bus (see data/dot4/dot4.v)."""
    return DATA / "dot4"


@pytest.fixture(scope="session")
def two_port_dir() -> Path:
    """Two inputs and two outputs on 85/77-bit buses, latency 3 (see data/two_port)."""
    return DATA / "two_port"


@pytest.fixture
def copy_design(tmp_path: Path) -> Callable[..., Path]:
    """Copy an RTL folder (with its ir.json) into tmp_path, changing Verilog or manifest.

    ``copy_design(src, name, replace={old: new}, **manifest_fields)``: each ``old`` string must
    occur in one Verilog file, so a mutant never silently equals the original.
    """

    def copy(src: Path, name: str, replace: dict[str, str] | None = None, **fields: object) -> Path:
        dst = shutil.copytree(src, tmp_path / name)
        for old, new in (replace or {}).items():
            hits = [f for f in sorted(dst.glob("*.v")) if old in f.read_text()]
            assert len(hits) == 1, f"{old!r} must occur in exactly one Verilog file: {hits}"
            hits[0].write_text(hits[0].read_text().replace(old, new))
        if fields:
            path = dst / "rtl_manifest.json"
            manifest = json.loads(path.read_text())
            manifest.update(fields)
            path.write_text(json.dumps(manifest))
        return dst

    return copy
