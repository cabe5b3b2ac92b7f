"""Folding scale/shift into dense: equivalence before/after, and when not to fold."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tests.conftest import random_dense_graph, random_inputs
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.ir.legality import check_legal
from trigc.compiler.ir.text import from_text, to_text
from trigc.compiler.passes import fold_batchnorm, infer_precision


def _with_batchnorm(
    graph: Graph, after: str, seed: int = 0, bn_type: FixedType | None = None
) -> Graph:
    rng = np.random.default_rng(seed)
    nodes = list(graph.nodes)
    index = next(i for i, n in enumerate(nodes) if n.name == after)
    n = nodes[index].output.shape[-1]
    bn = Node(
        "bn",
        "scale_shift",
        (after,),
        Tensor("bn", (n,), bn_type or FixedType(1, 1)),
        {
            "scale": Const(rng.integers(-64, 64, n), FixedType(8, 2)),
            "shift": Const(rng.integers(-128, 128, n), FixedType(10, 3)),
        },
        {"precision": "model" if bn_type else "infer"},
        "bn",
    )
    rest = [
        n2 if n2.name != nodes[index + 1].name else replace(n2, inputs=("bn",))
        for n2 in nodes[index + 1 :]
    ]
    return graph.replace_nodes([*nodes[: index + 1], bn, *rest])


def test_fold_is_bit_exact():
    for seed in range(4):
        g = _with_batchnorm(
            random_dense_graph(seed=seed), "fc0", seed, FixedType(12, 4, True, "RND_CONV", "SAT")
        )
        before = infer_precision.run(g)
        after = check_legal(infer_precision.run(fold_batchnorm.run(g)), "typed")
        assert [n.op for n in after.nodes].count("scale_shift") == 0
        x = random_inputs(g, 1000, seed)
        assert np.array_equal(
            run_int(before, x)[before.outputs[0]], run_int(after, x)[after.outputs[0]]
        )


def test_no_fold_after_a_quantized_dense_output():
    g = _with_batchnorm(random_dense_graph(), "relu0")  # relu in between: cannot fold
    assert fold_batchnorm.run(g) is g


def test_fold_as_text_in_and_text_out():
    """w' = w * s and b' = b * s + t, exactly, in the types they need (IR text in and out)."""
    graph = from_text(
        """
        graph g
          %x = input(precision='model') : fixed<6,2> [2]
          %fc = dense(%x, bias=fixed<4,2>[2]{1, -3}, weight=fixed<4,1>[2x2]{3, -1, 0, 2},
              precision='infer') : fixed<1,1> [2]
          %bn = scale_shift(%fc, scale=fixed<6,2>[2]{5, -8}, shift=fixed<5,3>[2]{7, 0},
              precision='model') : fixed<12,4,RND_CONV,SAT> [2]
          %act = relu(%bn, precision='infer') : fixed<1,1> [2]
          return %act
        """
    )
    assert to_text(fold_batchnorm.run(graph), values=True) == (
        "graph g\n"
        "  %x = input(precision='model') : fixed<6,2> [2]\n"
        "  %bn = dense(%x, bias=ufixed<7,1>[2]{117, 24}, weight=fixed<5,-2>[2x2]{15, 8, 0, -16}, "
        "precision='model') : fixed<12,4,RND_CONV,SAT> [2]\n"
        "  %act = relu(%bn, precision='infer') : fixed<1,1> [2]\n"
        "  return %act\n"
    )
