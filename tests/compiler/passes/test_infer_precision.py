"""Precision inference: exact, never-overflowing, as narrow as the weights allow."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import random_dense_graph, random_inputs
from trigc.compiler.errors import IRError
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import Graph
from trigc.compiler.ir.legality import check_legal
from trigc.compiler.ir.text import from_text, to_text
from trigc.compiler.passes import infer_precision


def _exact_reference(graph: Graph, x: np.ndarray) -> np.ndarray:
    """The same network in Python fractions-free exact integers with no casts on dense outputs."""
    wide = graph.replace_nodes(
        [
            n.with_output_type(FixedType(120, 120 - 40)) if n.op == "dense" else n
            for n in graph.nodes
        ]
    )
    out = run_int(wide, x.astype(object))[graph.outputs[0]]
    # rescale from frac 40 to the inferred frac
    frac = graph.tensor(graph.outputs[0]).type.frac
    return np.asarray(out, dtype=object) >> (40 - frac)


@pytest.mark.parametrize("seed", range(5))
def test_inferred_types_are_exact(seed):
    g = infer_precision.run(random_dense_graph(seed=seed))
    check_legal(g, "typed")
    x = random_inputs(g, 500, seed)
    t = g.inputs[0].output.type
    x = np.concatenate(
        [x, np.full((1, x.shape[1]), t.min_int), np.full((1, x.shape[1]), t.max_int)]
    )
    got = np.asarray(run_int(g, x)[g.outputs[0]], dtype=object)
    assert np.array_equal(got, _exact_reference(g, x))


def test_accumulator_width_follows_actual_weights():
    """A neuron with one weight of 1/32 on a fixed<10,4> input needs only a few bits."""
    graph = from_text(
        """
        graph g
          %x = input() : fixed<10,4> [4]
          %fc = dense(%x, bias=fixed<6,1>[1]{0}, weight=fixed<6,1>[4x1]{1, 0, 0, 0},
              precision='infer') : fixed<1,1> [1]
          return %fc
        """
    )
    # x/32: the same mantissa, 5 more fractional bits
    assert to_text(infer_precision.run(graph)).splitlines()[2] == (
        "  %fc = dense(%x, bias=fixed<6,1>[1] nnz=0/1, weight=fixed<6,1>[4x1] nnz=1/4, "
        "precision='inferred') : fixed<10,-1> [1]"
    )


def test_verifier_rejects_a_type_that_can_overflow():
    g = infer_precision.run(random_dense_graph(seed=1))
    fc = g.nodes[1]
    narrow = fc.output.type
    bad = g.replace_nodes(
        [
            fc.with_output_type(FixedType(narrow.width - 1, narrow.integer - 1)) if n is fc else n
            for n in g.nodes
        ]
    )
    with pytest.raises(IRError, match="cannot hold its exact values"):
        check_legal(bad, "typed")


def test_verifier_rejects_uninferred_types():
    with pytest.raises(IRError, match="uninferred"):
        check_legal(random_dense_graph(), "typed")
