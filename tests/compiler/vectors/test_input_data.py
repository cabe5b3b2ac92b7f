"""``--inputs`` from ROOT (uproot), HDF5 (h5py), .npy/.npz and CSV, and ``--quantize-inputs``
with ap_fixed semantics; verify and patterns take them."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import h5py
import numpy as np
import pytest
import uproot

from trigc.compiler.cli import main
from trigc.compiler.errors import TrigcError
from trigc.compiler.ir.fixed import OVERFLOW_MODES, ROUNDING_MODES, cast
from trigc.compiler.ir.fixed import FixedType as T
from trigc.compiler.ir.graph import Graph, Node, Tensor
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.vectors.input_data import quantize_values, read_vectors

ROOT = Path(__file__).parents[3]
JET_TAGGER = ROOT / "models" / "jet_tagger" / "jet_tagger_q6_pruned.keras"
JETS = ROOT / "models" / "data" / "jets.npz"


def _graph(t: str = "fixed<8,3>", n: int = 4) -> Graph:
    x = Node("x", "input", (), Tensor("x", (n,), T.parse(t)))
    y = Node("y", "requantize", ("x",), Tensor("y", (n,), T.parse("fixed<16,8>")))
    return Graph("g", (x, y), ("y",))


@pytest.fixture
def values() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(-128, 128, (50, 4)) / 32.0  # on the grid of fixed<8,3>


def test_every_file_kind_gives_the_same_mantissas(values, tmp_path):
    graph = _graph()
    want = (values * 32).astype(np.int64)
    np.save(tmp_path / "x.npy", values)
    np.savez(tmp_path / "d.npz", x=values, other=values[:3])
    np.savez(tmp_path / "one.npz", values)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["group_x"] = values
    (tmp_path / "x.csv").write_text(
        "a,b,c,d\n" + "\n".join(",".join(repr(float(v)) for v in row) for row in values)
    )
    with uproot.recreate(tmp_path / "events.root") as f:
        f["events"] = {f"f{k}": values[:, k] for k in range(4)}
    specs = [
        (tmp_path / "x.npy", None),
        (f"{tmp_path / 'd.npz'}:x", None),
        (tmp_path / "one.npz", None),
        (f"{tmp_path / 'd.h5'}:group_x", None),
        (tmp_path / "x.csv", None),
        (f"{tmp_path / 'events.root'}:events", ["f0", "f1", "f2", "f3"]),
    ]
    for spec, branches in specs:
        got = read_vectors(graph, spec, branches)
        np.testing.assert_array_equal(got.mantissas, want, err_msg=str(spec))
        assert got.moved is None


def test_bad_specs_say_what_to_do(values, tmp_path):
    graph = _graph()
    np.savez(tmp_path / "d.npz", x=values, other=values)
    with pytest.raises(TrigcError, match=r"holds \['x', 'other'\]; name one"):
        read_vectors(graph, tmp_path / "d.npz")
    with uproot.recreate(tmp_path / "e.root") as f:
        f["events"] = {"f0": values[:, 0]}
    with pytest.raises(TrigcError, match="--branches"):
        read_vectors(graph, f"{tmp_path / 'e.root'}:events")
    with pytest.raises(TrigcError, match=r"no branch\(es\) \['nope'\]"):
        read_vectors(graph, f"{tmp_path / 'e.root'}:events", ["nope"])
    np.save(tmp_path / "off.npy", values + 1e-3)
    with pytest.raises(TrigcError, match="not on the grid.*--quantize-inputs"):
        read_vectors(graph, tmp_path / "off.npy")


def _exact_cast(v: float, t: T) -> int:
    ratio = Fraction(v)
    frac = ratio.denominator.bit_length() - 1
    return int(cast(np.array([ratio.numerator], dtype=object), T(300, 300 - frac), t)[0])


@pytest.mark.parametrize("rounding", ROUNDING_MODES)
def test_quantize_inputs_rounds_and_saturates_like_ap_fixed(rounding):
    rng = np.random.default_rng(3)
    v = np.concatenate([rng.uniform(-12, 12, 300), np.arange(-40, 40) / 8 + 1 / 16, [1e30, -1e30]])
    for k, overflow in enumerate(OVERFLOW_MODES):
        t = T(6, 3, k % 2 == 0, rounding, overflow)
        got, moved = quantize_values(v, t)
        want = np.array([_exact_cast(float(x), t) for x in v])
        np.testing.assert_array_equal(got, want, err_msg=str(t))
        assert moved == int(np.count_nonzero(t.to_float(want) != v))


@pytest.mark.slow
def test_verify_and_patterns_take_the_jet_data_and_a_root_file(tmp_path, capsys):
    project = compile_project(JET_TAGGER, tmp_path / "p", CompileOptions(backends=("rtl",)))
    spec = f"{JETS}:x_test"
    assert main(["verify", str(project.path), "--only", "keras", "--inputs", spec]) == 2
    assert "--quantize-inputs" in capsys.readouterr().err
    args = ["verify", str(project.path), "--only", "keras", "--inputs", spec, "--quantize-inputs"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "50000/50000" in out and "--quantize-inputs:" in out and "were off the grid" in out
    x = np.load(JETS)["x_test"][:300]
    with uproot.recreate(tmp_path / "jets.root") as f:
        f["jets"] = {f"feature{k}": x[:, k] for k in range(16)}
    branches = ",".join(f"feature{k}" for k in range(16))
    root_spec = f"{tmp_path / 'jets.root'}:jets"
    args = ["patterns", str(project.path), "--inputs", root_spec, "--branches", branches,
            "--quantize-inputs", "--format", "apx"]  # fmt: skip
    assert main(args) == 0
    lines = (project.path / "board" / "input.apx.txt").read_text().splitlines()
    assert len(lines) == 3 + 6 + 300 + 6  # header, idle, one frame per jet, idle
