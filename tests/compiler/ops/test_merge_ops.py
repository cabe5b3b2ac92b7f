"""Reshape, add, subtract, multiply, concatenate and argmax: executor ≡ C simulation ≡ RTL.

One IR graph holds every op (one hls4ml compile for all of them): a 2-D input flattened,
element-wise merges of tensors with different fractional bits and signedness, a product of
a tensor with itself, model-given saturating and rounding output types, a concatenation
feeding a dense layer, and a reshape with a cast as a second output.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiler.ops.threeway import assert_three_way, build_all, input_vectors
from trigc.compiler.errors import IRError
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType as T
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.ir.legality import check_legal
from trigc.compiler.passes import append_argmax, infer_precision

INFER, MODEL = {"precision": "infer"}, {"precision": "model"}


def node(name, op, inputs, shape, out_t=None, consts=None, **attrs) -> Node:
    t = T.parse(out_t) if out_t else T(1, 1)
    return Node(
        name,
        op,
        inputs,
        Tensor(name, shape, t),
        consts or {},
        {**attrs, **(MODEL if out_t else INFER)},
        name,
    )


def merge_graph() -> Graph:
    rng = np.random.default_rng(3)
    w = rng.integers(-16, 16, (16, 5))
    w[rng.random(w.shape) < 0.3] = 0
    dense_consts = {
        "weight": Const(w, T(5, 1)),
        "bias": Const(rng.integers(-8, 8, 5), T(4, 2)),
    }
    nodes = [
        Node("x", "input", (), Tensor("x", (2, 4), T(8, 3)), attrs=MODEL),
        Node("y", "input", (), Tensor("y", (8,), T(6, 2, False)), attrs=MODEL),
        node("flat", "reshape", ("x",), (8,)),
        node("sum", "add", ("flat", "y"), (8,)),
        node("diff", "subtract", ("flat", "y"), (8,), "fixed<7,3,RND,SAT>"),
        node("prod", "multiply", ("sum", "diff"), (8,), "fixed<10,5,RND_CONV,SAT_SYM>"),
        node("square", "multiply", ("flat", "flat"), (8,)),
        node("cat", "concatenate", ("prod", "y"), (16,), axis=0),
        node("fc", "dense", ("cat",), (5,), "fixed<12,5,RND,SAT>", dense_consts),
        node("grid", "reshape", ("square",), (4, 2), "fixed<9,4,TRN,WRAP>"),
    ]
    graph = Graph("merges", tuple(nodes), ("fc", "grid"))
    return check_legal(infer_precision.run(check_legal(graph, "structural")))


def test_executor_semantics():
    graph = merge_graph()
    x = np.array([[[-128, 127, 5, -3], [0, 1, -1, 64]]])
    y = np.array([[63, 0, 1, 2, 3, 4, 5, 6]])
    got = run_int(graph, x, y, keep_all=True)
    flat = x.reshape(1, 8)
    # x has 5 fractional bits, y 4: the sum is exact at 5
    assert np.array_equal(got["sum"], flat + (y << 1))
    assert graph.tensor("sum").type.frac == 5
    assert np.array_equal(got["square"], flat * flat)
    assert graph.tensor("square").type.frac == 10
    assert np.array_equal(got["cat"][:, 8:], y << (graph.tensor("cat").type.frac - 4))
    assert got["grid"].shape == (1, 4, 2)


def test_shape_errors_name_the_node():
    x = Node("x", "input", (), Tensor("x", (4,), T(8, 3)))
    y = Node("y", "input", (), Tensor("y", (3,), T(8, 3)))
    bad = [
        node("s", "add", ("x", "y"), (4,)),
        node("c", "concatenate", ("x", "y"), (8,), axis=0),
        node("c", "concatenate", ("x", "y"), (7,), axis=1),
        node("r", "reshape", ("x",), (3,)),
    ]
    for n in bad:
        with pytest.raises(IRError, match=f"'{n.name}'"):
            check_legal(Graph("g", (x, y, n), (n.name,)), "structural")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_all(merge_graph(), tmp_path_factory.mktemp("merges"))


@pytest.mark.slow
@pytest.mark.sim
def test_merges_are_bit_exact_in_every_representation(built):
    want = assert_three_way(built, n=3000)
    assert len(np.unique(want["fc"])) > 50


@pytest.mark.slow
def test_csim_trace_matches_every_tensor(built):
    from tests.compiler.ops.threeway import input_vectors

    xs = input_vectors(built.graph, 300, seed=2)
    want = run_int(built.graph, *xs, keep_all=True)
    traced = built.csim.trace_int(xs)
    for name, values in want.items():
        assert np.array_equal(traced[name], values), name


def test_hls_concatenates_2d_tensors_on_their_own_axis():
    from trigc.compiler.backends.hls import hls4ml_layers

    x = Node("x", "input", (), Tensor("x", (2, 3), T(8, 3)), attrs=MODEL)
    cat = node("cat", "concatenate", ("x", "x"), (2, 6), "fixed<8,3>", axis=1)
    graph = check_legal(Graph("g", (x, cat), ("cat",)))
    (layer,) = [la for la in hls4ml_layers(graph).layers if la["class_name"] == "Concatenate"]
    assert (layer["op"], layer["axis"]) == ("concatenate2d", 2)  # hls4ml counts the batch
    assert run_int(graph, np.arange(6).reshape(1, 2, 3))["cat"].tolist() == [
        [[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]
    ]


@pytest.mark.sim
def test_rtl_concatenates_along_any_axis(tmp_path):
    nodes = [
        Node("x", "input", (), Tensor("x", (2, 3), T(8, 3)), attrs=MODEL),
        Node("y", "input", (), Tensor("y", (2, 2), T(5, 1, False)), attrs=MODEL),
        node("inner", "concatenate", ("x", "y"), (2, 5), axis=1),
        node("outer", "concatenate", ("x", "x"), (4, 3), "fixed<6,2,RND,SAT>", axis=0),
    ]
    graph = Graph("axes", tuple(nodes), ("inner", "outer"))
    graph = check_legal(infer_precision.run(check_legal(graph, "structural")))
    assert_three_way(build_all(graph, tmp_path, hls=False), n=500)


def argmax_graph() -> Graph:
    """A dense layer with a narrow, wrapping output (many ties) and a 2-bit input, each
    followed by the argmax output option."""
    rng = np.random.default_rng(5)
    consts = {
        "weight": Const(rng.integers(-4, 4, (6, 5)), T(3, 1)),
        "bias": Const(rng.integers(-2, 2, 5), T(2, 1)),
    }
    nodes = [
        Node("x", "input", (), Tensor("x", (6,), T(4, 2)), attrs=MODEL),
        Node("c", "input", (), Tensor("c", (4,), T(2, 2)), attrs=MODEL),
        node("fc", "dense", ("x",), (5,), "fixed<3,1,RND,SAT>", consts),
    ]
    graph = append_argmax.run(Graph("argmax", tuple(nodes), ("fc", "c")))
    return check_legal(infer_precision.run(check_legal(graph, "structural")))


def test_argmax_is_the_first_maximum():
    graph = argmax_graph()
    assert graph.outputs == ("fc_argmax", "c_argmax")
    assert str(graph.tensor("fc_argmax").type) == "ufixed<1,1>"
    got = run_int(graph, np.zeros((1, 6), int), np.array([[1, -2, 1, 0]]))
    assert got["c_argmax"].tolist() == [[1, 0, 0, 0]]  # ties: the first one wins


@pytest.mark.slow
@pytest.mark.sim
def test_argmax_is_bit_exact_in_every_representation(tmp_path):
    want = assert_three_way(build_all(argmax_graph(), tmp_path), n=2000)
    for name in ("fc_argmax", "c_argmax"):
        assert np.all(want[name].sum(axis=1) == 1)
        assert len(np.unique(want[name], axis=0)) == want[name].shape[1]  # every class wins


def lut_graph() -> Graph:
    """hls4ml's sigmoid and tanh tables behind a dense layer, with rounding output types."""
    from trigc.compiler.passes.hls4ml_tables import DEFAULT_TABLE_TYPE, hls4ml_table

    rng = np.random.default_rng(9)
    consts = {
        "weight": Const(rng.integers(-8, 8, (4, 6)), T(4, 1)),
        "bias": Const(rng.integers(-4, 4, 6), T(3, 1)),
    }
    nodes = [Node("x", "input", (), Tensor("x", (4,), T(8, 4)), attrs=MODEL)]
    nodes.append(node("fc", "dense", ("x",), (6,), consts=consts))
    for function, span, out_t in (("sigmoid", 16, "ufixed<8,0,RND,SAT>"), ("tanh", 8, None)):
        table = Const(
            np.array(hls4ml_table(function, 1024, DEFAULT_TABLE_TYPE)), DEFAULT_TABLE_TYPE
        )
        attrs = {"function": function, "range": span}
        nodes.append(node(function, "lut", ("fc",), (6,), out_t, {"table": table}, **attrs))
    graph = Graph("luts", tuple(nodes), ("sigmoid", "tanh"))
    return check_legal(infer_precision.run(check_legal(graph, "structural")))


def test_lut_reads_the_table_like_hls4ml():
    graph = lut_graph()
    table = graph.node("tanh").consts["table"].values
    fc_frac = graph.tensor("fc").type.frac
    x = np.array([[0, 0, 0, 0]])
    got = run_int(graph, x, keep_all=True)
    fc = got["fc"][0]
    # index = trunc(v * 1024 / 8) + 512, clipped; v = fc / 2**fc_frac
    want = [table[min(max(int(v * 128 / 2**fc_frac) + 512, 0), 1023)] for v in fc.tolist()]
    assert got["tanh"][0].tolist() == want


@pytest.mark.slow
@pytest.mark.sim
def test_luts_are_bit_exact_in_every_representation(tmp_path):
    want = assert_three_way(build_all(lut_graph(), tmp_path), n=3000)
    assert len(np.unique(want["tanh"])) > 50


def softmax_graph() -> Graph:
    """hls4ml's latency softmax (its own exp and inverse tables) over 5 classes."""
    from trigc.compiler.passes.hls4ml_tables import SOFTMAX_TABLE_TYPE as TT
    from trigc.compiler.passes.hls4ml_tables import hls4ml_softmax_tables

    in_t = T(8, 3, True, "RND", "SAT")
    exp_table, inv_table = hls4ml_softmax_tables(in_t, 256, TT, TT, 1024, TT)
    consts = {
        "exp_table": Const(np.array(exp_table), TT),
        "inv_table": Const(np.array(inv_table), TT),
    }
    attrs = {"sum_type": str(TT), "input_width": 8}
    nodes = [
        Node("x", "input", (), Tensor("x", (5,), T(8, 3)), attrs=MODEL),
        node("q", "requantize", ("x",), (5,), str(in_t)),
        node("sm", "softmax", ("q",), (5,), "ufixed<10,0,RND,SAT>", consts, **attrs),
        node("raw", "softmax", ("x",), (5,), None, consts, **attrs),
    ]
    graph = Graph("softmax", tuple(nodes), ("sm", "raw"))
    return check_legal(infer_precision.run(check_legal(graph, "structural")))


def test_softmax_follows_hls4ml_latency_algorithm():
    """Where the sum of exponentials is not tiny, the tables approximate softmax; the IR
    reproduces hls4ml's steps exactly, including its coarse inverse of small sums."""
    graph = softmax_graph()
    x = input_vectors(graph, 500, seed=1)[0]
    got = graph.tensor("raw").type.to_float(run_int(graph, x)["raw"])
    real = np.exp(x / 32.0) / np.exp(x / 32.0).sum(axis=1, keepdims=True)
    total = np.exp(x / 32.0).sum(axis=1)
    fair = (total > 8) & (total < 120)  # the inverse table: steps of 0.25, saturates at 128
    assert fair.sum() > 50 and np.max(np.abs(got - real)[fair]) < 0.04
    zeros = run_int(graph, np.zeros((1, 5), int))["raw"]  # exp(0) = 1, 1 / 5 from the table
    assert graph.tensor("raw").type.to_float(zeros).tolist() == [[0.2001953125] * 5]


@pytest.mark.slow
@pytest.mark.sim
def test_softmax_is_bit_exact_in_every_representation(tmp_path):
    want = assert_three_way(build_all(softmax_graph(), tmp_path), n=3000)
    assert len(np.unique(want["sm"])) > 100
