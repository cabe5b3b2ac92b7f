"""hls4ml configuration files as users have them (the input of ``hls4ml convert -c``): every
key trigc reads, the ones it does not honour named in warnings, mistakes explained; and
``trigc compile --config`` with no model argument."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from tests.compiler.frontends import legacy_keras_files as lk
from tests.compiler.frontends import onnx_models as om
from trigc.compiler.cli import EXIT_OK, EXIT_USAGE, main
from trigc.compiler.frontends.config.hls4ml_file import load_hls4ml_file
from trigc.compiler.frontends.config.precision import ConfigError
from trigc.compiler.ir.fixed import FixedType


def _write(tmp_path, data, name="hls4ml.yml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_every_key_is_read(tmp_path):
    (tmp_path / "m.json").write_text("{}")
    (tmp_path / "w.h5").write_bytes(b"")
    path = _write(
        tmp_path,
        {
            "KerasJson": "m.json",
            "KerasH5": "w.h5",
            "OutputDir": "my-hls-test",
            "ProjectName": "myproject",
            "XilinxPart": "xcvu13p-flga2577-2-e",
            "ClockPeriod": 4,
            "Backend": "Vivado",
            "IOType": "io_stream",
            "InputData": "tb_input_features.dat",
            "HLSConfig": {
                "Model": {"Precision": "fixed<12,4>", "ReuseFactor": 2, "Strategy": "Resource"},
                "LayerName": {"fc1": {"ReuseFactor": 4}},
            },
        },
    )
    f = load_hls4ml_file(path)
    assert f.model == tmp_path / "m.json" and f.weights == tmp_path / "w.h5"  # beside the file
    assert (f.output_dir.name, f.project_name, f.part) == (
        "my-hls-test",
        "myproject",
        "xcvu13p-flga2577-2-e",
    )
    assert (f.clock_period_ns, f.hls_flavor, f.io_type) == (4.0, "Vivado", "io_stream")
    assert f.precision.default == FixedType(12, 4)
    assert (f.precision.strategy, f.precision.reuse_factor) == ("Resource", 2)
    assert f.precision.layers["fc1"].reuse_factor == 4
    assert any("InputData is not used" in w for w in f.warnings)


def test_a_precision_only_file_names_no_model(tmp_path):
    f = load_hls4ml_file(_write(tmp_path, {"Model": {"Precision": "fixed<10,3>"}}))
    assert f.model is None and f.precision.default == FixedType(10, 3) and f.warnings == ()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"IOType": "io_serial"}, "IOType 'io_serial'; valid: io_parallel, io_stream"),
        ({"ClockPeriod": "fast"}, "ClockPeriod must be a positive number"),
        ({"PytorchModel": "m.pt"}, "PytorchModel is not read by trigc; export the model to ONNX"),
        ({"KerasJson": "m.json"}, "KerasJson needs KerasH5"),
        (
            {"KerasModel": "a.keras", "OnnxModel": "b.onnx"},
            "give one model, not KerasModel, OnnxModel",
        ),
        (
            {"HLSConfig": {"Model": {"Strategy": "Unrolled"}}},
            "Strategy 'Unrolled' is not supported",
        ),
    ],
)
def test_mistakes_are_explained(tmp_path, data, match):
    with pytest.raises(ConfigError, match=match):
        load_hls4ml_file(_write(tmp_path, data))


def test_compile_with_the_config_alone(tmp_path, capsys, monkeypatch):
    """No model argument and no -o: the file's OnnxModel, OutputDir and ProjectName."""
    monkeypatch.chdir(tmp_path)
    om.save(om.qonnx_mlp(np.random.default_rng(1)), tmp_path / "q.onnx")
    path = _write(
        tmp_path,
        {
            "OnnxModel": "q.onnx",
            "OutputDir": "proj",
            "ProjectName": "myproject",
            "Part": "xcvu13p-flga2577-2-e",
            "ClockPeriod": 4,
            "IOType": "io_stream",
            "HLSConfig": {"Model": {"Strategy": "Resource", "ReuseFactor": 2}},
        },
    )
    code, out, err = _run(["compile", "--config", path, "--backend", "rtl", "--quiet"], capsys)
    assert code == EXIT_OK, err
    manifest = json.loads((tmp_path / "proj" / "manifest.json").read_text())
    options = manifest["options"]
    assert (options["project_name"], options["part"], options["clock_period_ns"]) == (
        "myproject",
        "xcvu13p-flga2577-2-e",
        4.0,
    )
    assert (options["io_type"], options["strategy"], options["reuse_factor"]) == (
        "io_stream",
        "Resource",
        2,
    )
    assert "the rtl backend is fully parallel" in err  # and says so


def test_compile_without_a_model_is_explained(tmp_path, capsys):
    path = _write(tmp_path, {"Model": {"Precision": "fixed<10,3>"}})
    code, _, err = _run(["compile", "--config", path, "-o", tmp_path / "out"], capsys)
    assert code == EXIT_USAGE and "no model: pass a model file, or a --config" in err
    model = om.save(om.qonnx_mlp(np.random.default_rng(1)), tmp_path / "q.onnx")
    code, _, err = _run(["compile", model], capsys)
    assert code == EXIT_USAGE and "no project directory: pass -o DIR" in err


def test_float_models_take_the_hls4ml_default_or_are_refused_with_strict(tmp_path, capsys):
    """One rule in every frontend: a Keras 2 file and an ONNX float model alike."""
    layers = [lk.dense("fc", np.full((4, 2), 0.3), np.zeros(2))]
    h5 = lk.write_h5(tmp_path / "f.h5", lk.sequential_config("f", 4, layers), layers)
    onnx_float = om.save(om.keras_style_mlp(np.random.default_rng(0)), tmp_path / "k.onnx")
    for k, model in enumerate((h5, onnx_float)):
        out = tmp_path / f"p{k}"
        code, stdout, err = _run(["compile", model, "-o", out, "--quiet"], capsys)
        assert code == EXIT_OK, err
        assert "approximate the model" in stdout
        code, _, err = _run(["compile", model, "-o", tmp_path / f"s{k}", "--strict"], capsys)
        assert code == EXIT_USAGE
        assert "has no quantizer and no precision configuration" in err and "--strict" in err
        assert not (tmp_path / f"s{k}").exists()


def test_a_bad_part_in_the_file_is_explained(tmp_path, capsys):
    model = om.save(om.qonnx_mlp(np.random.default_rng(1)), tmp_path / "q.onnx")
    path = _write(
        tmp_path, {"OnnxModel": str(model), "OutputDir": str(tmp_path / "o"), "Part": "banana"}
    )
    code, _, err = _run(["compile", "--config", path], capsys)
    assert code == EXIT_USAGE and "Part 'banana' is not an FPGA part name" in err
    assert not (tmp_path / "o").exists()
