"""The CLI on each input format's mistakes: one clear paragraph naming the file (and layer or
node), exit 2, no traceback, nothing written."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from tests.compiler.frontends import legacy_keras_files as lk
from tests.compiler.frontends import onnx_models as om
from trigc.compiler.cli import EXIT_OK, EXIT_USAGE, main


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def _nothing_written(tmp_path) -> bool:
    return not (tmp_path / "out").exists() and not any(
        p.name.startswith(".") for p in tmp_path.iterdir()
    )


@pytest.fixture
def legacy_pair(tmp_path):
    layers = [lk.dense("fc", np.ones((4, 2)) / 4, np.zeros(2))]
    cfg = lk.sequential_config("m", 4, layers)
    return lk.write_json_and_weights(tmp_path / "m.json", tmp_path / "w.h5", cfg, layers)


def test_unknown_file_type(tmp_path, capsys):
    model = tmp_path / "model.pb"
    model.write_bytes(b"\x00")
    code, _, err = _run(["compile", model, "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE
    assert "model.pb: unknown model file type '.pb'" in err
    assert ".keras" in err and ".h5" in err and ".json" in err and ".onnx" in err
    assert _nothing_written(tmp_path)


def test_weights_only_with_json(tmp_path, capsys, legacy_pair):
    model = om.save(om.keras_style_mlp(np.random.default_rng(0)), tmp_path / "k.onnx")
    code, _, err = _run(
        ["compile", model, "--weights", legacy_pair[1], "-o", tmp_path / "out"], capsys
    )  # noqa: E501
    assert code == EXIT_USAGE and "--weights goes with a Keras 2 architecture file" in err
    code, _, err = _run(["compile", legacy_pair[0], "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE and "m.json: an architecture JSON holds no weights" in err
    code, _, err = _run(["compile", legacy_pair[1], "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE and "w.h5: holds weights only" in err
    assert _nothing_written(tmp_path)


def test_unsupported_onnx_node(tmp_path, capsys):
    inits = [om._init("w", np.ones((4, 4)))]
    nodes = [
        helper.make_node("MatMul", ["input", "w"], ["h"], "mm"),
        helper.make_node("Erf", ["h"], ["output"], "/head/Erf"),
    ]
    path = om.save(om._model(nodes, inits, 4, 4, "s"), tmp_path / "s.onnx")
    code, _, err = _run(["compile", path, "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE
    assert "s.onnx: node '/head/Erf' (Erf) is not supported. Supported ops:" in err
    assert _nothing_written(tmp_path)


def test_not_an_onnx_file(tmp_path, capsys):
    bogus = tmp_path / "m.onnx"
    bogus.write_text("not protobuf at all")
    code, _, err = _run(["compile", bogus, "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE and "m.onnx: could not be read as an ONNX model" in err
    assert _nothing_written(tmp_path)


def test_bad_config(tmp_path, capsys, legacy_pair):
    cfg = tmp_path / "cfg.yml"
    cfg.write_text("Model:\n  Precision: fixed<16>\n")
    argv = ["compile", legacy_pair[0], "--weights", legacy_pair[1], "--config", cfg]
    code, _, err = _run([*argv, "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE and "cfg.yml Model.Precision" in err
    assert _nothing_written(tmp_path)


def test_config_gives_reuse_factor_and_is_recorded(tmp_path, capsys, legacy_pair):
    import json

    cfg = tmp_path / "cfg.yml"
    cfg.write_text("Model:\n  Precision: fixed<12,4>\n  ReuseFactor: 2\n")
    argv = ["compile", legacy_pair[0], "--weights", legacy_pair[1], "--config", cfg]
    code, out, _ = _run([*argv, "-o", tmp_path / "out"], capsys)
    assert code == EXIT_OK, out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["options"]["reuse_factor"] == 2
    assert manifest["options"]["precision_config"]["default"] == "fixed<12,4>"
    assert manifest["model"]["format"] == "keras2-json"
    assert manifest["model"]["weights"] == "source/w.h5"
    assert manifest["model"]["reference_exact"] is False
    assert sorted(p.name for p in (tmp_path / "out" / "source").iterdir()) == ["m.json", "w.h5"]


def test_errors_inside_a_layer_name_the_file(tmp_path, capsys):
    layers = [lk.dense("head", np.ones((4, 2)) / 4, np.zeros(2), activation="elu")]
    path = lk.write_h5(tmp_path / "m.h5", lk.sequential_config("m", 4, layers), layers)
    code, _, err = _run(["compile", path, "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE
    assert "m.h5: layer 'head' (Dense): activation 'elu' is not supported" in err
    assert _nothing_written(tmp_path)


def test_corrupt_keras2_files(tmp_path, capsys):
    bogus_h5 = tmp_path / "m.h5"
    bogus_h5.write_text("not hdf5")
    code, _, err = _run(["compile", bogus_h5, "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE and "m.h5: not an HDF5 file" in err
    bogus_json = tmp_path / "m.json"
    bogus_json.write_text("{not json")
    code, _, err = _run(
        ["compile", bogus_json, "--weights", bogus_h5, "-o", tmp_path / "out"], capsys
    )  # noqa: E501
    assert code == EXIT_USAGE and "m.json: not valid JSON" in err
    assert _nothing_written(tmp_path)
