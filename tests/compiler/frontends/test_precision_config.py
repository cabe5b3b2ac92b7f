"""hls4ml-style precision configurations: what is read, and what is refused."""

from __future__ import annotations

import pytest

from trigc.compiler.frontends.config.precision import ConfigError, config_from_dict, load_config
from trigc.compiler.ir.fixed import FixedType

HLS4ML_YAML = """\
OutputDir: my-prj
HLSConfig:
  Model:
    Precision: ap_fixed<18,8>
    ReuseFactor: 2
    Strategy: Latency
  LayerName:
    fc1:
      Precision:
        weight: ap_fixed<8,3,AP_RND_CONV,AP_SAT>
        bias: ap_fixed<8,3>
        accum: ap_fixed<24,10>
        result: auto
      ReuseFactor: 2
    fc1_relu:
      Precision: ufixed<8,2>
"""


def test_hls4ml_yaml_with_hlsconfig(tmp_path):
    path = tmp_path / "cfg.yml"
    path.write_text(HLS4ML_YAML)  # a whole hls4ml config: only HLSConfig is read
    cfg = load_config(path)
    assert cfg.reuse_factor == 2
    assert cfg.precision("fc1", "weight") == FixedType(8, 3, True, "RND_CONV", "SAT")
    assert cfg.precision("fc1", "scale") == FixedType(8, 3, True, "RND_CONV", "SAT")
    assert cfg.precision("fc1", "bias") == FixedType(8, 3)
    assert cfg.precision("fc1", "result") is None  # auto: trigc infers the exact type
    assert cfg.precision("fc1_relu", "result") == FixedType(8, 2, False)
    assert cfg.precision("other", "weight") == FixedType(18, 8)
    assert cfg.to_json()["layers"]["fc1"]["result"] == "auto"


def test_defaults_and_dicts():
    cfg = config_from_dict({})
    assert cfg.precision("x", "weight") == FixedType(16, 6)
    cfg = config_from_dict({"Model": {"Precision": {"default": "fixed<10,4>"}}})
    assert cfg.precision("x", "result") == FixedType(10, 4)


@pytest.mark.parametrize(
    ("cfg", "match"),
    [
        ({"Model": {"Precision": "fixed<16>"}}, "Model.Precision"),
        ({"Model": {"ReuseFactor": 0}}, "ReuseFactor must be a positive integer"),
        ({"LayerType": {"Dense": 3}}, "layer 'Dense' must map to Precision"),
        ({"Model": {"Strategy": "Unrolled"}}, "Strategy 'Unrolled' is not supported"),
        ({"LayerName": {"fc": {"Strategy": "distributed"}}}, "fc: Strategy 'distributed' is not"),
        ({"OutputDir": "x"}, r"unknown section\(s\) \['OutputDir'\]"),
        ({"LayerName": {"fc": 3}}, "layer 'fc' must map to Precision"),
    ],
)
def test_bad_configs_are_explained(cfg, match):
    with pytest.raises(ConfigError, match=match):
        config_from_dict(cfg)


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("Model: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_strategies_reuse_factors_and_layer_types():
    cfg = config_from_dict(
        {
            "Model": {"Precision": "fixed<16,6>", "ReuseFactor": 2, "Strategy": "resource"},
            "LayerName": {"fc1": {"ReuseFactor": 4, "Strategy": "Latency"}},
            "LayerType": {"Dense": {"Precision": {"weight": "fixed<8,2>"}}},
        }
    )
    assert (cfg.strategy, cfg.reuse_factor) == ("Resource", 2)
    assert (cfg.layers["fc1"].reuse_factor, cfg.layers["fc1"].strategy) == (4, "Latency")
    assert cfg.precision("fc2", "weight", "Dense") == FixedType(8, 2)
    assert cfg.precision("fc2", "weight", "QDense") == FixedType(8, 2)  # QKeras' class too
    assert cfg.precision("fc2", "weight", "Conv1D") == FixedType(16, 6)
    assert cfg.precision("fc2", "weight") == FixedType(16, 6)
    assert cfg.warnings == ()


def test_keys_trigc_does_not_honour_are_named():
    cfg = config_from_dict(
        {
            "Model": {"Precision": "fixed<16,6>", "BramFactor": 100},
            "LayerName": {
                "fc1": {"Precision": {"accum": "fixed<32,16>", "weight": "fixed<8,2>"}},
                "sm": {"table_size": 2048, "exp_table_t": "fixed<18,8>"},
            },
        },
        "c.yml",
    )
    text = "\n".join(cfg.warnings)
    assert "c.yml Model.BramFactor is not used" in text
    assert "fc1.Precision.accum is not used: trigc's accumulators are exact" in text
    assert "sm.table_size is not honoured" in text and "sm.exp_table_t is not honoured" in text
    assert cfg.precision("fc1", "weight") == FixedType(8, 2)
