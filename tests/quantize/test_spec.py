"""build_qmodel: layers and quantizers from a QuantSpec; types in trigc's IR; Keras ≡ IR."""

from __future__ import annotations

import pytest

from tests.quantize.conftest import assert_keras_equals_ir
from trigc.compiler.ir.fixed import FixedType
from trigc.quantize.spec import Bits, LayerQuant, QuantSpec, uniform_spec


def test_layer_quant_per_layer_and_last_without_activation():
    spec = QuantSpec(4, (8, 3), (LayerQuant(Bits(8, 1)), LayerQuant(Bits(4, 0))))
    first, last = spec.layer_quant()
    assert first.weight == Bits(8, 1) and first.activation == Bits(6, 0)
    assert last.weight == Bits(4, 0) and last.activation is None


def test_spec_errors_name_the_problem():
    with pytest.raises(ValueError, match="2 LayerQuant for 3 layers"):
        QuantSpec(4, (8, 8, 3), (LayerQuant(), LayerQuant())).layer_quant()
    with pytest.raises(ValueError, match="at least 2 bits"):
        Bits(1)


@pytest.mark.slow
def test_build_qmodel_types_and_bit_exactness():
    from trigc.compiler.project import to_graph
    from trigc.quantize import build_qmodel

    spec = QuantSpec(
        16,
        (12, 8, 5),
        (LayerQuant(Bits(6, 0)), LayerQuant(Bits(8, 1), Bits(8, 2), Bits(5, 1)), LayerQuant()),
        input=Bits(12, 3),
        name="spec_net",
    )
    model = build_qmodel(spec, seed=1)
    assert [layer.name for layer in model.layers] == [
        "input_quant",
        "fc1",
        "relu1",
        "fc2",
        "relu2",
        "output",
    ]
    graph = to_graph(model)
    nodes = {node.name: node for node in graph.nodes}
    assert graph.inputs[0].output.type == FixedType(12, 4, True, "RND_CONV", "SAT")
    assert nodes["fc1"].consts["weight"].type == FixedType(6, 1)
    assert nodes["fc2"].consts["weight"].type == FixedType(8, 2)
    assert nodes["fc2"].consts["bias"].type == FixedType(8, 3)
    assert nodes["relu2"].output.type == FixedType(5, 1, False, "RND_CONV", "SAT")
    assert_keras_equals_ir(model)


@pytest.mark.slow
def test_uniform_spec_builds_the_jet_tagger_shape():
    from trigc.quantize import build_qmodel, format_summary, summary

    model = build_qmodel(uniform_spec(16, (64, 32, 32, 5), 6), seed=0)
    rows = {row.name: row for row in summary(model)}
    text = format_summary(summary(model)).splitlines()
    assert text[0].split() == ["layer", "kind", "units", "kernel", "bias", "activation", "zeros"]
    assert text[-1].startswith("kernel zeros: ") and "/4256 (" in text[-1]
    assert rows["fc1"].kernel_quantizer == "quantized_bits(6,0,0,alpha=1)"
    assert rows["relu3"].activation == "quantized_relu(6,0)"
    assert rows["output"].units == 5 and rows["output"].n_weights == 32 * 5
