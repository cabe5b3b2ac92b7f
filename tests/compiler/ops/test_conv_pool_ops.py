"""Convolutions and pooling, 1-D and 2-D: executor ≡ C simulation ≡ RTL.

One graph with two inputs covers every window op (one hls4ml compile): a 2-D convolution
with 'same' padding, a strided 'valid' one, max and average pooling, a 1-D convolution with
stride and padding, 1-D average pooling and a global max pooling, joined by a concatenation
into a dense layer.  The executor itself is checked against loops written out in the test.
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
from trigc.compiler.passes import infer_precision

INFER, MODEL = {"precision": "infer"}, {"precision": "model"}


def window(name, op, src, in_shape, out_shape, kernel, strides, pads, out_t=None, consts=None):
    t = T.parse(out_t) if out_t else T(1, 1)
    attrs = {"in_shape": list(in_shape), "kernel": kernel, "strides": strides, "pads": pads}
    attrs |= MODEL if out_t else INFER
    return Node(name, op, (src,), Tensor(name, out_shape, t), consts or {}, attrs, name)


def simple(name, op, inputs, shape, out_t=None, consts=None, **attrs):
    t = T.parse(out_t) if out_t else T(1, 1)
    attrs |= MODEL if out_t else INFER
    return Node(name, op, inputs, Tensor(name, shape, t), consts or {}, attrs, name)


def conv_consts(rng, shape, w_t="fixed<4,1>", b_t="fixed<5,2>", sparsity=0.3):
    w = rng.integers(-8, 8, shape)
    w[rng.random(w.shape) < sparsity] = 0
    b = rng.integers(-16, 16, shape[-1])
    return {"weight": Const(w, T.parse(w_t)), "bias": Const(b, T.parse(b_t))}


def conv_graph() -> Graph:
    rng = np.random.default_rng(11)
    nodes = [
        Node("img", "input", (), Tensor("img", (6, 5, 2), T(6, 2)), attrs=MODEL),
        Node("seq", "input", (), Tensor("seq", (9, 3), T(5, 1, False)), attrs=MODEL),
        # 2-D: 3x3 'same' (pads 1/1), then ReLU, max pool 2x2, strided 'valid' 2x2 conv
        window("c1", "conv", "img", (6, 5, 2), (6, 5, 3), [3, 3], [1, 1], [[1, 1], [1, 1]],
               consts=conv_consts(rng, (3, 3, 2, 3))),
        simple("r1", "relu", ("c1",), (6, 5, 3), "ufixed<6,3,RND,SAT>"),
        window("mp", "max_pool", "r1", (6, 5, 3), (3, 2, 3), [2, 2], [2, 2], [[0, 0], [0, 0]]),
        window("c2", "conv", "mp", (3, 2, 3), (1, 2, 2), [2, 1], [2, 1], [[0, 0], [0, 0]],
               "fixed<8,4,RND_CONV,SAT>", conv_consts(rng, (2, 1, 3, 2))),
        window("ap", "avg_pool", "c1", (6, 5, 3), (3, 2, 3), [2, 2], [2, 2], [[0, 0], [0, 0]],
               "fixed<7,3,RND,SAT>"),
        # 1-D: kernel 3, stride 2, 'same' pads (1, 1); average pool 2; global max pool
        window("c3", "conv", "seq", (9, 3), (5, 4), [3], [2], [[1, 1]],
               consts=conv_consts(rng, (3, 3, 4))),
        window("ap1", "avg_pool", "c3", (5, 4), (2, 4), [2], [2], [[0, 0]]),
        window("gmp", "max_pool", "ap1", (2, 4), (1, 4), [2], [1], [[0, 0]]),
        simple("f1", "reshape", ("c2",), (4,)),
        simple("f2", "reshape", ("gmp",), (4,)),
        simple("f3", "reshape", ("ap",), (18,)),
        simple("cat", "concatenate", ("f1", "f2"), (8,), axis=0),
        simple("cat2", "concatenate", ("cat", "f3"), (26,), axis=0),
        simple("fc", "dense", ("cat2",), (3,), "fixed<10,5,RND,SAT>",
               conv_consts(rng, (26, 3), "fixed<5,1>", "fixed<5,2>")),
    ]  # fmt: skip
    graph = Graph("windows", tuple(nodes), ("fc", "mp"))
    return check_legal(infer_precision.run(check_legal(graph, "structural")))


def reference_conv(x, w, b, strides, pads):
    """Zero padding and a loop over output pixels (x: batch, h, w, c; w: kh, kw, c, o)."""
    pad = [(0, 0), *[tuple(p) for p in pads], (0, 0)]
    xp = np.pad(x, pad)
    kh, kw = w.shape[:2]
    oh = (xp.shape[1] - kh) // strides[0] + 1
    ow = (xp.shape[2] - kw) // strides[1] + 1
    y = np.zeros((x.shape[0], oh, ow, w.shape[-1]), dtype=np.int64)
    for i in range(oh):
        for j in range(ow):
            patch = xp[
                :, i * strides[0] : i * strides[0] + kh, j * strides[1] : j * strides[1] + kw
            ]
            y[:, i, j] = np.einsum("bhwc,hwco->bo", patch, w) + b
    return y


def test_executor_matches_written_out_loops():
    graph = conv_graph()
    xs = input_vectors(graph, 50, seed=4)
    got = run_int(graph, *xs, keep_all=True)
    c1 = graph.node("c1")
    w, b = c1.consts["weight"], c1.consts["bias"]
    shift = w.type.frac + graph.tensor("img").type.frac - b.type.frac
    want = reference_conv(xs[0], w.values, b.values << shift, [1, 1], [[1, 1], [1, 1]])
    assert np.array_equal(got["c1"], want)  # the inferred type is exact
    c3 = graph.node("c3")
    w, b = c3.consts["weight"], c3.consts["bias"]
    shift = w.type.frac + graph.tensor("seq").type.frac - b.type.frac
    want = reference_conv(
        xs[1][:, None], w.values[None], b.values << shift, [1, 2], [[0, 0], [1, 1]]
    )
    assert np.array_equal(got["c3"], want[:, 0])
    r1 = got["r1"]
    assert np.array_equal(got["mp"], r1[:, :6, :4].reshape(50, 3, 2, 2, 2, 3).max(axis=(2, 4)))
    # average of 4 = the sum with two more fractional bits, then the cast rounds
    assert graph.tensor("ap").type.frac == 4
    assert got["gmp"].shape == (50, 1, 4)


def test_window_errors_name_the_node():
    x = Node("x", "input", (), Tensor("x", (6, 2), T(8, 3)))
    bad = [
        window("a", "avg_pool", "x", (6, 2), (2, 2), [3], [3], [[0, 0]]),  # 3 elements
        window("m", "max_pool", "x", (6, 2), (3, 2), [2], [2], [[1, 0]]),  # padded
        window("c", "conv", "x", (6, 3), (6, 1), [1], [1], [[0, 0]],
               consts={"weight": Const(np.ones((1, 2, 1), int), T(2, 2)),
                       "bias": Const(np.zeros(1, int), T(2, 2))}),  # wrong in_shape
    ]  # fmt: skip
    for n in bad:
        with pytest.raises(IRError, match=f"'{n.name}'"):
            check_legal(Graph("g", (x, n), (n.name,)), "structural")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_all(conv_graph(), tmp_path_factory.mktemp("windows"))


@pytest.mark.slow
@pytest.mark.sim
def test_windows_are_bit_exact_in_every_representation(built):
    want = assert_three_way(built, n=3000)
    assert len(np.unique(want["fc"].reshape(3000, -1), axis=0)) > 1000


@pytest.mark.slow
def test_csim_trace_matches_every_tensor(built):
    xs = input_vectors(built.graph, 300, seed=2)
    want = run_int(built.graph, *xs, keep_all=True)
    traced = built.csim.trace_int(xs)
    for name, values in want.items():
        assert np.array_equal(traced[name], values), name
