"""The training recipe end to end on a tiny synthetic data set (one epoch per stage), its
command-line errors, and byte-reproducible model files."""

from __future__ import annotations

import json
import re
import zipfile

import numpy as np
import pytest

from trigc.models.data.classes import CLASS_NAMES
from trigc.models.data.features import FEATURE_NAMES


def _tiny_dataset(path, per_class=(200, 40), seed=0):
    from trigc.models.data.generate import save_dataset

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(CLASS_NAMES), len(FEATURE_NAMES)))
    data = {}
    for split, n in zip(("train", "test"), per_class, strict=True):
        y = np.repeat(np.arange(len(CLASS_NAMES)), n)
        x = centres[y] + rng.normal(size=(len(y), len(FEATURE_NAMES)))
        data[f"x_{split}"], data[f"y_{split}"] = x.astype(np.float32), y.astype(np.int8)
    data["feature_names"] = np.array(FEATURE_NAMES)
    data["class_names"] = np.array(CLASS_NAMES)
    data["metadata"] = np.array(json.dumps({"seed": seed}))
    return save_dataset(data, path)


@pytest.mark.slow
def test_recipe_writes_three_models_and_their_results(tmp_path):
    from trigc.models.jet_tagger.train import main

    data = _tiny_dataset(tmp_path / "jets.npz")
    out = tmp_path / "tagger"
    assert main(["--data", str(data), "--out", str(out), "--epochs-scale", "0.01"]) == 0
    names = ("jet_tagger_float", "jet_tagger_q6", "jet_tagger_q6_pruned")
    for name in names:
        assert (out / f"{name}.keras").is_file()
    assert (out / "roc.svg").read_text().startswith("<svg")
    results = json.loads((out / "results.json").read_text())
    assert results["test_jets"] == 5 * 40
    assert results["recipe"]["float_epochs"] == 1
    for name in names:
        assert len(results[name]["auc"]) == len(CLASS_NAMES)
    for name in names[1:]:
        assert results[name]["ir_identical_jets"] == results["test_jets"]
    assert results["jet_tagger_q6_pruned"]["kernel_zero_fraction"] == pytest.approx(0.6, abs=1e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "no/such/jets.npz"], "no such file"),
        (["--sparsity", "1.0"], r"must be in \[0, 1\)"),
        (["--epochs-scale", "0"], "must be positive"),
    ],
)
def test_command_line_mistakes_are_named(tmp_path, capsys, args, message):
    from trigc.models.jet_tagger.train import main

    data = tmp_path / "jets.npz"
    data.write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:
        main(["--data", str(data), "--out", str(tmp_path), *args])
    assert exit_info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


@pytest.mark.slow
def test_saved_models_are_byte_reproducible(tmp_path):
    """Two models with the same weights (distinct Python objects, saved at different times)
    give the same file, which loads back to the same model."""
    from trigc.compiler.frontends.keras3.reader import load_keras_model
    from trigc.models.jet_tagger.saving import ZIP_EPOCH, save_reproducibly
    from trigc.quantize import build_qmodel, uniform_spec

    spec = uniform_spec(4, (3, 2), 6)
    first = save_reproducibly(build_qmodel(spec, seed=0), tmp_path / "a.keras")
    second = save_reproducibly(build_qmodel(spec, seed=0), tmp_path / "b.keras")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {ZIP_EPOCH}
        assert "date_saved" not in json.loads(archive.read("metadata.json"))
    x = np.linspace(-2, 2, 4 * 9, dtype=np.float32).reshape(9, 4)
    original = build_qmodel(spec, seed=0).predict(x, verbose=0)
    assert np.array_equal(load_keras_model(first).predict(x, verbose=0), original)
    with pytest.raises(ValueError, match=r"\.keras files only"):
        save_reproducibly(build_qmodel(spec, seed=0), tmp_path / "c.h5")
