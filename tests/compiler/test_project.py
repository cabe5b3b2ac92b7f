"""End to end: trigc compile + trigc verify of a small QKeras model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trigc.compiler.cli import EXIT_FAIL, EXIT_OK, main
from trigc.compiler.project import open_project
from trigc.compiler.verify import verify_project

pytestmark = pytest.mark.slow  # TensorFlow + hls4ml C simulation build


@pytest.fixture(scope="module")
def compiled(tiny_model_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("proj") / "tiny"
    assert main(["compile", str(tiny_model_file), "-o", str(out)]) == EXIT_OK
    return out


def test_project_layout_and_manifest(compiled):
    assert (compiled / "ir.json").is_file()
    assert (compiled / "hls").is_dir()
    manifest = json.loads((compiled / "manifest.json").read_text())
    assert manifest["model"]["source"] == "source/tiny.keras"
    assert manifest["options"]["backends"] == ["hls"]
    assert {row["name"]: row["type"] for row in manifest["layers"]}["relu1"] == (
        "ufixed<6,0,RND_CONV,SAT>"
    )
    assert "hls4ml" in manifest["tools"]
    text = "".join(p.read_text(errors="ignore") for p in compiled.rglob("*") if p.is_file())
    assert str(compiled) not in text, "absolute path of the project leaked into its files"


def test_compile_is_deterministic(tiny_model_file, compiled, tmp_path):
    again = tmp_path / "again"
    assert main(["compile", str(tiny_model_file), "-o", str(again)]) == EXIT_OK
    files = sorted(p.relative_to(compiled) for p in compiled.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (compiled / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_recompile_into_a_project_replaces_it(tiny_model_file, tmp_path):
    out = tmp_path / "p"
    assert main(["compile", str(tiny_model_file), "-o", str(out)]) == EXIT_OK
    assert main(["compile", str(tiny_model_file), "-o", str(out)]) == EXIT_OK
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]  # no leftovers


def test_verify_keras_ir_csim_identical(compiled, capsys):
    assert main(["verify", str(compiled), "--vectors", "3000"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "ir == keras" in out and "ir == hls-csim" in out
    assert "3000/3000" in out and "PASS" in out


def test_verify_detects_a_corrupted_weight(compiled, tmp_path, capsys):
    """Change one weight in the hls project: verify must fail and name the vector."""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(compiled, broken)
    weights = sorted((broken / "hls").rglob("w*.h"))
    assert weights, "no weight headers in the hls project"
    text = weights[0].read_text()
    first_value = text.index("{") + 1
    weights[0].write_text(text[:first_value] + "0.5," + text[first_value:].split(",", 1)[1])
    assert main(["verify", str(broken), "--vectors", "500", "--only", "hls"]) == EXIT_FAIL
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "first vector where hls-csim differs" in out


def test_verify_user_inputs(compiled, tmp_path):
    graph = open_project(compiled).graph
    t = graph.inputs[0].output.type
    x = t.to_float(np.arange(16 * 7).reshape(7, 16) - 50)
    np.save(tmp_path / "x.npy", x)
    result = verify_project(compiled, inputs=tmp_path / "x.npy", representations=("keras",))
    assert result.ok and result.vectors == 7


def test_inexact_model_fails_verify_and_names_the_layer(tmp_path, capsys):
    """--allow-inexact rounds a float (unquantized) kernel: Keras and the IR then differ, and
    verify says so, naming the first layer that differs.  (An alpha='auto' kernel is no
    longer an example: its float32 values are held exactly in at most 48 bits.)"""
    import keras
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    keras.utils.set_random_seed(11)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            QActivation(quantized_bits(6, 2, alpha=1), name="in_q"),
            keras.layers.Dense(6, name="auto_fc"),
            QActivation(quantized_relu(6, 0), name="act"),
            QDense(
                2,
                kernel_quantizer=quantized_bits(6, 0, alpha=1),
                bias_quantizer=quantized_bits(6, 0, alpha=1),
                name="out",
            ),
        ]
    )
    model.save(tmp_path / "auto.keras")
    out = tmp_path / "p"
    assert main(["compile", str(tmp_path / "auto.keras"), "-o", str(out), "--allow-inexact"]) == 0
    capsys.readouterr()
    assert main(["verify", str(out), "--vectors", "300", "--only", "keras"]) == EXIT_FAIL
    text = capsys.readouterr().out
    assert "first vector where keras differs" in text
    assert "first layer that differs: 'auto_fc'" in text
