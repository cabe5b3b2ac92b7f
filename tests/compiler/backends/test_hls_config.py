"""An hls4ml configuration file with ``Strategy: Resource``, per-layer reuse factors and
strategies and ``IOType: io_stream`` drives ``trigc compile --config`` alone; the hls project
reflects every setting (read back from the generated C++) and C-simulates bit-exactly."""

from __future__ import annotations

import os
import re

import pytest
import yaml

from trigc.compiler.cli import EXIT_OK, main
from trigc.compiler.verify import verify_project

pytestmark = [
    pytest.mark.slow,
    pytest.mark.sim,
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning"),
]


def _model(path):
    import keras
    from qkeras import QActivation, QConv1D, QDense, quantized_bits, quantized_relu

    def q(bits, integer):
        return quantized_bits(bits, integer, alpha=1)

    keras.utils.set_random_seed(12)
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input((16, 2)),
            QActivation(q(6, 2), name="in_q"),
            QConv1D(4, 3, kernel_quantizer=q(4, 0), bias_quantizer=q(4, 0), name="c1"),
            QActivation(quantized_relu(6, 2), name="r1"),
            L.Flatten(name="flat"),
            QDense(8, kernel_quantizer=q(6, 0), bias_quantizer=q(6, 0), name="fc1"),
            QActivation(quantized_relu(6, 2), name="r2"),
            QDense(5, kernel_quantizer=q(6, 0), bias_quantizer=q(6, 0), name="fc2"),
            L.Softmax(name="sm"),
        ],
        name="streamed",
    )
    model.save(path)


def _layer_configs(parameters: str) -> dict[str, str]:
    """parameters.h's config structs, by the layer name hls4ml writes above each."""
    blocks = re.split(r"\n// (\w+)\n", parameters)
    return dict(zip(blocks[1::2], blocks[2::2], strict=True))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    d = tmp_path_factory.mktemp("hls_config")
    _model(d / "streamed.keras")
    config = {
        "KerasModel": "streamed.keras",
        "OutputDir": "streamed_prj",
        "ProjectName": "myproject",
        "Part": "xcvu13p-flga2577-2-e",
        "ClockPeriod": 4,
        "Backend": "Vitis",
        "IOType": "io_stream",
        "HLSConfig": {
            "Model": {"Precision": "fixed<16,6>", "ReuseFactor": 2, "Strategy": "Resource"},
            "LayerName": {
                "fc1": {"ReuseFactor": 4, "Strategy": "Latency"},
                "c1": {"ReuseFactor": 4},  # 24 products: hls4ml takes 3 instead
                "sm": {"Precision": {"result": "ufixed<10,0,RND,SAT>"}},
            },
        },
    }
    (d / "hls4ml.yml").write_text(yaml.safe_dump(config))
    cwd = os.getcwd()
    os.chdir(d)
    try:
        code = main(["compile", "--config", "hls4ml.yml", "--quiet"])
    finally:
        os.chdir(cwd)
    assert code == EXIT_OK
    return d / "streamed_prj"


def test_the_project_is_what_the_configuration_says(project):
    firmware = project / "hls" / "firmware"
    top = (firmware / "myproject.cpp").read_text()
    assert "hls::stream<input_t> &" in top  # io_stream ports
    hls_config = yaml.safe_load((project / "hls" / "hls4ml_config.yml").read_text())
    assert (hls_config["IOType"], hls_config["Part"]) == ("io_stream", "xcvu13p-flga2577-2-e")
    assert hls_config["ClockPeriod"] == 4
    configs = _layer_configs((firmware / "parameters.h").read_text())
    fc1, fc2, c1 = configs["fc1"], configs["fc2"], configs["c1"]
    assert "reuse_factor = 4;" in fc1 and "strategy = nnet::latency;" in fc1
    assert "reuse_factor = 2;" in fc2 and "strategy = nnet::resource;" in fc2
    assert "nnet::DenseResource" in fc2
    assert "reuse_factor = 3;" in c1 and "strategy = nnet::resource;" in c1
    assert "io_type = nnet::io_stream;" in fc1


def test_the_streamed_resource_project_is_bit_exact(project):
    result = verify_project(project, vectors=400, representations=("hls",))
    (csim,) = result.comparisons
    assert csim.total == 400 and csim.identical == csim.total


def test_the_softmax_takes_its_configured_result_precision(project):
    import json

    layers = {
        row["name"]: row for row in json.loads((project / "manifest.json").read_text())["layers"]
    }
    assert layers["sm"]["type"] == "ufixed<10,0,RND,SAT>"


def test_a_reuse_factor_hls4ml_changes_is_recorded(project):
    import json

    manifest = json.loads((project / "manifest.json").read_text())
    hls = manifest["backends"]["hls"]
    assert hls["reuse_factors_changed"] == {"c1": 3}
    assert any("'c1': ReuseFactor 4 does not divide" in w for w in hls["warnings"])
