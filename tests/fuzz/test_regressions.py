"""Shrunk reproducers of what the fuzzer found; each docstring starts with its reproduction."""

from __future__ import annotations

import numpy as np
import pytest

from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import Graph, Node, Tensor
from trigc.compiler.ir.ranges import output_ranges
from trigc.compiler.vectors.stimuli import make_vectors

from .build_hgq import HgqSpec
from .cases import hgq_case, keras_case, legacy_case
from .check import run_case
from .specs import ModelSpec, Q, layer

pytestmark = pytest.mark.slow

NARROW_INPUT = Q("quantized_bits", 4, 0, keep_negative=True, alpha=1, symmetric=True)


def _dense(units: int, kq: Q | None, activation: object = None):
    return layer("dense", units=units, kq=kq, bq=None, use_bias=False, activation=activation)


def _assert_ok(case) -> None:
    outcome = run_case(case, vectors=500)
    assert outcome.status == "ok" and not outcome.reason, (outcome.status, outcome.detail)


def test_symmetric_input_quantizer_vectors():
    """run_case(keras_case(ModelSpec((3,), (dense 2,), input_quant=quantized_bits(4, 0,
    symmetric=1)))): the edge vectors held -2**(W-1), which the model's symmetric input
    quantizer never produces, so Keras and the IR were handed different inputs."""
    spec = ModelSpec((3,), (_dense(2, Q("quantized_bits", 4, 0, alpha=1)),), NARROW_INPUT)
    _assert_ok(keras_case(spec))


def test_symmetric_input_range_starts_at_minus_max():
    """output_ranges(graph) of that model: a SAT_SYM input's range starts at -max_int, not
    at -2**(W-1), so precision inference does not reserve a bit for a value that never
    comes, and the verifier's range checks hold."""
    from trigc.compiler.frontends.keras3.reader import lower_keras
    from trigc.compiler.pipeline import run_pipeline

    from .build_keras import build_keras

    spec = ModelSpec((3,), (_dense(2, Q("quantized_bits", 4, 0, alpha=1)),), NARROW_INPUT)
    graph, _ = run_pipeline(lower_keras(build_keras(spec))[0])
    t = graph.inputs[0].output.type
    assert t.overflow == "SAT_SYM" and t.lowest_int == -t.max_int == -7
    r = output_ranges(graph)[graph.inputs[0].output.name]
    assert (int(r.lo.min()), int(r.hi.max())) == (-7, 7)
    x, _ = make_vectors(graph, 200, 0)
    assert int(np.min(x)) == -7


def test_legacy_kernel_alpha_none_is_auto_po2():
    """run_case(legacy_case(ModelSpec((4,), (dense 3 with quantized_bits(4, 0, alpha=None),),
    style='large'))): QKeras turns a kernel quantizer's alpha=None into 'auto_po2'; the
    legacy frontend read it as alpha=1 and the large weights differed."""
    spec = ModelSpec(
        (4,),
        (_dense(3, Q("quantized_bits", 4, 0, alpha=None)),),
        input_type="fixed<8,3>",
        seed=7,
        style="large",
    )
    _assert_ok(legacy_case(spec))


def test_auto_po2_kernel_wider_than_18_bits(tmp_path):
    """QDense(4, kernel_quantizer=quantized_bits(8, 0, alpha='auto_po2')) with column scales
    2**-12 .. 2**4: per-channel power-of-two scales spread the quantized kernel over more
    than 18 bits, which trigc refused as inexact; it is exact (and held exactly)."""
    import keras
    from qkeras import QActivation, QDense, quantized_bits

    from trigc.compiler.frontends.keras3.reader import lower_keras

    from .check import Case

    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            QActivation(quantized_bits(8, 3, alpha=1), name="in_q"),
            QDense(4, kernel_quantizer=quantized_bits(8, 0, alpha="auto_po2"), name="fc"),
        ]
    )
    rng = np.random.default_rng(3)
    kernel = rng.normal(0, 0.5, (6, 4)) * 2.0 ** np.array([-12, -4, 0, 4])
    model.get_layer("fc").set_weights([kernel.astype(np.float32), np.zeros(4, np.float32)])
    graph, _ = lower_keras(model)
    (dense,) = [n for n in graph.nodes if n.op == "dense"]
    assert isinstance(dense.consts["weight"].type, FixedType)
    assert dense.consts["weight"].type.width > 18

    def write(tmp):
        model.save(tmp / "po2.keras")
        return tmp / "po2.keras", None

    _assert_ok(Case("keras", write))


def test_quantized_relu_of_a_pre_activation_wider_than_float32():
    """run_case(keras_case(ModelSpec((23,), (dense 16 kq=quantized_bits(10, 3, symmetric)
    bq=quantized_bits(6, 3) act=quantized_relu(16, 11), dense 12, dropout, dense 5),
    seed=2, style='sparse'))): qkeras-v3's quantized_relu casts its input to float32, so
    the float64 reference rounded a 30-bit pre-activation onto a tie and differed from the IR
    by one LSB, with no note; the reference now evaluates quantized_relu in float64."""
    import keras
    from qkeras import quantized_relu

    from trigc.compiler.frontends.keras3.reference import Float64QuantizedRelu
    from trigc.compiler.frontends.layers.keras_import import import_keras

    import_keras()
    x = np.array([2.0**10 + 2.0**-6 + 2.0**-19])  # 30 significant bits; LSB of the relu 2**-5
    exact = 2.0**10 + 2.0**-5  # x / 2**-5 = 2**15 + 0.5 + 2**-14: rounds up
    q = quantized_relu(16, 11)
    as_qkeras = float(np.asarray(q(keras.ops.convert_to_tensor(x, "float64")))[0])
    assert as_qkeras == 2.0**10  # float32 made it a tie, rounded to even
    assert float(np.asarray(Float64QuantizedRelu(q)(x))[0]) == exact

    dense = layer  # the spec's layers, as the fuzzer drew them
    spec = ModelSpec(
        (23,),
        (
            dense(
                "dense",
                units=16,
                kq=Q("quantized_bits", 10, 3, alpha=1, symmetric=True),
                bq=Q("quantized_bits", 6, 3),
                use_bias=True,
                activation=Q("quantized_relu", 16, 11, keep_negative=False),
            ),
            dense(
                "dense",
                units=12,
                kq=Q("quantized_bits", 5, 1, keep_negative=False, symmetric=True),
                bq=None,
                use_bias=True,
                activation="linear",
            ),
            layer("dropout"),
            dense(
                "dense",
                units=5,
                kq=Q("quantized_bits", 10, 3, alpha=1, symmetric=True),
                bq=None,
                use_bias=True,
                activation=None,
            ),
        ),
        seed=2,
        style="sparse",
    )
    outcome = run_case(keras_case(spec), vectors=300)
    assert outcome.status == "ok" and not outcome.reason, (outcome.status, outcome.detail)


def test_one_bit_signed_input_vectors():
    """run_case(hgq_case(HgqSpec(n_in=2, units=(1,), rounding='TRN', overflow='WRAP',
    relu=False, shared_input_type=False, seed=10))): an HGQ input quantizer of one signed bit
    (fixed<1,4>: values -8 and 0) gave the input that type, and the random vectors held +1,
    outside it (the stimuli assumed every type holds 1)."""
    t = FixedType(1, 4)
    graph = Graph("g", (Node("x", "input", (), Tensor("x", (2,), t)),), ("x",))
    x, _ = make_vectors(graph, 600)
    assert x.min() >= t.min_int and x.max() <= t.max_int and set(np.unique(x)) == {-1, 0}
    spec = HgqSpec(2, (1,), "TRN", "WRAP", False, False, 10)
    outcome = run_case(hgq_case(spec), backends=("rtl", "emu"), vectors=500)
    assert outcome.status == "ok", (outcome.status, outcome.detail)


def test_sat_zero_interval_wider_than_the_type():
    """run_case(hgq_case(HgqSpec(n_in=5, units=(7, 2), rounding='TRN', overflow='SAT_ZERO',
    relu=False, shared_input_type=True, seed=0))): the exact range of a SAT_ZERO cast whose
    source interval overflows at both ends was [0, 0] (only the ends were cast), so the next
    dense layer got an unsigned accumulator and wrapped its negative sums."""
    spec = HgqSpec(5, (7, 2), "TRN", "SAT_ZERO", False, True, 0)
    outcome = run_case(hgq_case(spec), backends=("emu",), vectors=2000)
    assert outcome.status == "ok", (outcome.status, outcome.detail)


def test_one_signed_bit_under_sat_sym_is_zero_as_in_hgq():
    """run_case(hgq_case(HgqSpec(n_in=6, units=(8,), rounding='TRN', overflow='SAT_SYM',
    relu=True, shared_input_type=True, seed=462))) with HGQ itself as the reference: HGQ
    saturates SAT_SYM to [-(2**(b-1) - 1), 2**(b-1) - 1], which for one signed bit is [0, 0],
    while ap_fixed<1,I,SAT_SYM> keeps -1; trigc read such an element as ap_fixed does."""
    spec = HgqSpec(6, (8,), "TRN", "SAT_SYM", True, True, 462)
    outcome = run_case(hgq_case(spec), backends=("emu",), vectors=300)
    assert outcome.status == "ok", (outcome.status, outcome.detail)
