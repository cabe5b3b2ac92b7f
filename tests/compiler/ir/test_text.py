"""The IR's text form reads back what it prints: graphs in, graphs out, as text."""

from __future__ import annotations

import pytest

from tests.compiler.backends.test_rtl import multi_io_graph, tiny_graph
from tests.conftest import random_dense_graph
from trigc.compiler.errors import IRError
from trigc.compiler.ir.serialize import graph_to_dict
from trigc.compiler.ir.text import from_text, to_text
from trigc.compiler.passes import infer_precision

TINY = """
graph tiny
  %x = input(precision='model') : fixed<4,2> [2]
  %fc = dense(%x, bias=fixed<3,1>[2]{1, -2}, weight=fixed<3,1>[2x2]{3, -1, 0, 2},
      precision='model') : fixed<8,4> [2]
  %act = relu(%fc) : ufixed<4,2,RND,SAT> [2]
  return %act
"""


def _without_origins(graph) -> dict:
    d = graph_to_dict(graph)
    for node in d["nodes"]:
        node["origin"] = ""
    return d


@pytest.mark.parametrize(
    "make", [tiny_graph, multi_io_graph, lambda: infer_precision.run(random_dense_graph(seed=3))]
)
def test_the_text_with_values_reads_back_to_the_same_graph(make):
    graph = make()
    text = to_text(graph, values=True)
    again = from_text(text)
    assert _without_origins(again) == _without_origins(graph)
    assert to_text(again, values=True) == text and to_text(again) == to_text(graph)


def test_a_graph_written_as_text_and_its_listing():
    graph = from_text(TINY)
    assert [n.op for n in graph.nodes] == ["input", "dense", "relu"]
    assert graph.node("fc").consts["weight"].values.tolist() == [[3, -1], [0, 2]]
    assert to_text(graph) == (
        "graph tiny\n"
        "  %x = input(precision='model') : fixed<4,2> [2]\n"
        "  %fc = dense(%x, bias=fixed<3,1>[2] nnz=2/2, weight=fixed<3,1>[2x2] nnz=3/4, "
        "precision='model') : fixed<8,4> [2]\n"
        "  %act = relu(%fc) : ufixed<4,2,RND,SAT> [2]\n"
        "  return %act\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("%x = input() : fixed<4,2> [2]", "line 1: expected 'graph NAME'"),
        ("graph g\n  %x = input() : fixed<4,2> [2]", "no 'return' line"),
        ("graph g\n  %x = input() fixed<4,2> [2]\n  return %x", "line 2: expected '%out = op"),
        (
            "graph g\n  %x = input() : fixed<4,2> [2]\n"
            "  %y = dense(%x, weight=fixed<3,1>[2x2] nnz=3/4) : fixed<8,4> [2]\n  return %y",
            "constant 'weight' is given as a summary",
        ),
        (
            "graph g\n  %x = input() : fixed<4,2> [2]\n"
            "  %y = dense(%x, weight=fixed<3,1>[2x2]{1, 2, 3}) : fixed<8,4> [2]\n  return %y",
            r"constant 'weight' of shape \[2, 2\] holds 3 values",
        ),
        ("graph g\n  %x = input() : fixd<4,2> [2]\n  return %x", "cannot read fixed-point"),
        ("graph g\n  %x = input(kind=transpose) : fixed<4,2> [2]\n  return %x", "not a Python"),
        ("graph g\n  %x = input(axis=1) : fixed<4,2> [2]\n  return %x", "unknown attribute"),
    ],
)
def test_text_that_is_not_a_graph_is_refused_with_its_line(text, message):
    with pytest.raises(IRError, match=message):
        from_text(text)
