"""The analytic HLS estimate, checked against its documented formulas by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trigc.compiler.backends.hls.rules import dense_accumulator_type
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.reports.hls_estimate import csd_digits, estimate, t_add

W = np.array([[3, 0], [4, -5], [0, 7]])


def small_graph(x_type: str = "fixed<8,3>", w_type: str = "fixed<6,1>", weights=W) -> Graph:
    """x[3] -> dense(2), exact output -> relu to ufixed<6,2,RND,SAT>."""
    wt = FixedType.parse(w_type)
    x = Node("x", "input", (), Tensor("x", (3,), FixedType.parse(x_type)))
    fc = Node(
        "fc",
        "dense",
        ("x",),
        Tensor("fc", (2,), FixedType(1, 1)),
        {"weight": Const(weights, wt), "bias": Const(np.array([0, 2]), wt)},
    )
    acc = dense_accumulator_type(fc, x.output.type)
    fc = fc.with_output_type(acc)  # exact: the cast costs nothing
    relu = Node(
        "relu", "relu", ("fc",), Tensor("relu", (2,), FixedType.parse("ufixed<6,2,RND,SAT>"))
    )
    return Graph("small", (x, fc, relu), ("relu",))


@pytest.mark.parametrize(
    ("value", "digits"), [(0, 0), (1, 1), (3, 2), (4, 1), (-5, 2), (7, 2), (11, 3), (-32, 1)]
)
def test_csd_digits(value: int, digits: int) -> None:
    assert csd_digits(value) == digits


def test_formulas_on_a_small_graph() -> None:
    graph = small_graph()
    acc = graph.tensor("fc").type
    assert acc.width == 12  # |sum| <= 1600 at 10 fractional bits
    est = estimate(graph, reuse_factor=1, clock_period_ns=5.0, family="xcup", flavor="Vitis")
    fc, relu = est.layers
    # products: 3 (CSD +4 -1: one adder), -5 and 7 (one adder each) of Wx + Ww = 14 bits; 4 a shift
    # adders: column 0 sums 2 terms (1 adder), column 1 two products and the bias (2 adders)
    assert fc.lut == 3 * 14 + 3 * 12
    assert fc.dsp == 0
    assert fc.delay_ns == pytest.approx(1 * t_add(14) + 2 * t_add(12))
    # relu: 6 LUTs per output bit gate, +6 for rounding (RND drops 6 bits), +6 for saturation
    assert relu.lut == 2 * (6 + 6 + 6)
    usable = 5.0 * (1 - 0.27)
    assert est.usable_period_ns == pytest.approx(usable)
    assert est.latency_cycles == math.ceil((fc.delay_ns + 0.7) / usable) == 1
    assert fc.latency_share == pytest.approx(fc.delay_ns / usable, abs=1e-3)
    assert fc.ff == round(fc.delay_ns / usable * 2 * 12)
    assert relu.ff == round(0.7 / usable * 2 * 6) + 2 * 6  # plus the output registers
    assert est.ii == 1
    assert est.resources == {
        "lut": 114.0,
        "ff": fc.ff + relu.ff,
        "dsp": 0.0,
        "bram": 0.0,
        "uram": 0.0,
    }


def test_reuse_factor_shares_general_multipliers() -> None:
    est = estimate(small_graph(), reuse_factor=2, clock_period_ns=5.0)
    fc = est.layers[0]
    # 4 nonzero products over R = 2: 2 shared 8x6 multipliers of ceil(48 / 2) LUTs
    assert fc.lut == 2 * 24 + 3 * 12
    assert est.ii == 2
    # a general LUT multiplier takes two adder levels
    assert fc.delay_ns == pytest.approx(2 * t_add(14) + 2 * t_add(12))
    assert est.latency_cycles == math.ceil((fc.delay_ns + 0.7) / 3.65) + (2 - 1) == 3


def test_wide_operands_use_dsps() -> None:
    est = estimate(small_graph("fixed<12,4>", "fixed<10,2>"), clock_period_ns=5.0)
    # 3, -5 and 7 need a DSP each (12 x 10 fits one 27 x 18 slice); 4 is a shift
    assert est.layers[0].dsp == 3
    wide = estimate(small_graph("fixed<30,4>", "fixed<10,2>"), clock_period_ns=5.0)
    assert wide.layers[0].dsp == 3 * 2  # 30 bits need two slices
    assert estimate(small_graph("fixed<12,4>", "fixed<10,2>"), reuse_factor=3).layers[0].dsp == 2


def test_vivado_uses_a_smaller_clock_uncertainty() -> None:
    est = estimate(small_graph(), clock_period_ns=4.0, flavor="Vivado")
    assert est.usable_period_ns == pytest.approx(4.0 * 0.875)
