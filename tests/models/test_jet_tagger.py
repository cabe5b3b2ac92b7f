"""The committed jet-tagger models: quantizers, sparsity, and Keras ≡ IR bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.quantize.conftest import assert_keras_equals_ir
from trigc.models.data.features import FEATURE_NAMES

TAGGER = Path(__file__).resolve().parents[2] / "models" / "jet_tagger"
QUANTIZED = ("jet_tagger_q6.keras", "jet_tagger_q6_pruned.keras")


def test_standardization_lists_the_features_in_input_order():
    table = json.loads((TAGGER / "standardization.json").read_text())
    assert tuple(table) == FEATURE_NAMES
    assert all(entry["std"] > 0 for entry in table.values())


def test_results_meet_the_accuracy_and_sparsity_targets():
    results = json.loads((TAGGER / "results.json").read_text())
    float_acc = results["jet_tagger_float"]["accuracy"]
    pruned = results["jet_tagger_q6_pruned"]
    assert pruned["accuracy"] >= float_acc - 0.01
    assert pruned["kernel_zero_fraction"] >= 0.5
    for name in ("jet_tagger_q6", "jet_tagger_q6_pruned"):
        assert results[name]["ir_identical_jets"] == results["test_jets"]


@pytest.mark.slow
@pytest.mark.parametrize("filename", QUANTIZED)
def test_quantized_tagger_is_bit_exact(filename):
    from trigc.compiler.frontends.keras3.reader import load_keras_model
    from trigc.compiler.ir.fixed import FixedType
    from trigc.compiler.project import to_graph
    from trigc.quantize import total_sparsity

    model = load_keras_model(TAGGER / filename)
    graph = to_graph(model)
    assert graph.inputs[0].output.type == FixedType(14, 5, True, "RND_CONV", "SAT")
    weights = [n.consts["weight"].type for n in graph.nodes if n.op == "dense"]
    assert weights == [FixedType(6, 1)] * 4
    if "pruned" in filename:
        assert total_sparsity(model) >= 0.5
    assert_keras_equals_ir(model, n=2000)


@pytest.mark.slow
def test_float_tagger_has_the_baseline_shape():
    from trigc.compiler.frontends.keras3.reader import load_keras_model

    model = load_keras_model(TAGGER / "jet_tagger_float.keras")
    kernels = [layer.get_weights()[0].shape for layer in model.layers]
    assert kernels == [(16, 64), (64, 32), (32, 32), (32, 5)]
    assert np.all(np.isfinite(model.predict(np.zeros((1, 16), np.float32), verbose=0)))


@pytest.mark.slow
def test_pruned_tagger_compiles_and_verifies_against_c_simulation(tmp_path):
    """What `make demo` does, without the RTL (its simulation build is the slow part)."""
    from trigc.compiler.project import compile_project
    from trigc.compiler.verify import verify_project

    project = compile_project(TAGGER / "jet_tagger_q6_pruned.keras", tmp_path / "tagger")
    result = verify_project(project, vectors=2000, representations=("keras", "hls"))
    counts = {c.name: (c.identical, c.total, c.informative) for c in result.comparisons}
    assert counts == {
        "keras": (2000, 2000, False),
        "keras-float32": (2000, 2000, True),  # the input quantizer keeps float32 exact
        "hls-csim": (2000, 2000, False),
    }
    assert not [note for note in result.notes if "float" in note]
    assert result.ok
