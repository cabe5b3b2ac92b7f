"""A model built, pruned and fine-tuned with trigc.quantize compiles with nothing copied by hand
and verifies bit for bit: Keras ≡ IR ≡ hls4ml C simulation ≡ RTL."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.verify import verify_project

pytestmark = pytest.mark.slow  # trains a model, builds the C simulation and the RTL harness
VECTORS = 2000


@pytest.fixture(scope="module")
def api_project(tmp_path_factory):
    """A 16-24-12-5 model: 6-bit spec, pruned to 50 %, fine-tuned, compiled to rtl + hls."""
    import keras

    from trigc.quantize import (
        PolynomialDecay,
        build_qmodel,
        prune_low_magnitude,
        strip_pruning,
        total_sparsity,
        uniform_spec,
    )

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2048, 16)).astype(np.float32)
    y = np.argmax(x[:, :5] - 0.5 * x[:, 5:10], axis=1)
    model = build_qmodel(uniform_spec(16, (24, 12, 5), 6, name="api_net"), seed=3)
    pruning = prune_low_magnitude(model, 0.5, PolynomialDecay(end_step=32, frequency=8))
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x, y, epochs=3, batch_size=128, callbacks=[pruning], verbose=0)
    strip_pruning(model)
    assert total_sparsity(model) >= 0.5
    out = tmp_path_factory.mktemp("api") / "api_net"
    return compile_project(model, out, CompileOptions(backends=("rtl", "hls")))


def test_types_and_sparsity_come_from_the_model(api_project):
    manifest = json.loads((api_project / "manifest.json").read_text())
    layers = {row["name"]: row for row in manifest["layers"]}
    assert layers["model_input"]["type"] == str(FixedType(14, 5, True, "RND_CONV", "SAT"))
    assert layers["relu1"]["type"] == str(FixedType(6, 0, False, "RND_CONV", "SAT"))
    dense = [row for row in manifest["layers"] if row["op"] == "dense"]
    assert [row["weight_type"] for row in dense] == [str(FixedType(6, 1))] * 3
    assert sum(r["weight_nonzero"] for r in dense) <= sum(r["weight_size"] for r in dense) // 2


def test_keras_and_c_simulation_match_the_ir(api_project):
    result = verify_project(
        api_project, vectors=VECTORS, representations=("keras", "hls"), protocol_sims=()
    )
    counts = {c.name: (c.identical, c.total, c.informative) for c in result.comparisons}
    assert counts == {
        "keras": (VECTORS, VECTORS, False),
        "keras-float32": (VECTORS, VECTORS, True),
        "hls-csim": (VECTORS, VECTORS, False),
    }
    # The default input quantizer keeps every sum within float32: Keras itself is exact.
    assert not [note for note in result.notes if "float32" in note]
    assert result.ok


@pytest.mark.sim
def test_rtl_matches_the_ir(api_project):
    result = verify_project(
        api_project, vectors=VECTORS, representations=("rtl",), protocol_sims=()
    )
    assert [(c.name, c.identical, c.total) for c in result.comparisons] == [
        ("rtl", VECTORS, VECTORS)
    ]
