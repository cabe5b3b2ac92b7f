"""ir.json round trips and the text form."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import random_dense_graph
from trigc.compiler.errors import ProjectError
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.ir.serialize import dumps, graph_from_dict, load_graph, save_graph
from trigc.compiler.ir.text import to_text
from trigc.compiler.passes import infer_precision


def test_round_trip_is_exact_and_deterministic(tmp_path):
    g = infer_precision.run(random_dense_graph(seed=2))
    save_graph(g, tmp_path / "a.json")
    again = load_graph(tmp_path / "a.json")
    assert again == g
    assert dumps(again) == dumps(g)


def test_wide_constants_survive_json():
    big = Const(np.array([2**70, -(2**70)], dtype=object), FixedType(80, 80))
    g = Graph(
        "wide",
        (
            Node("x", "input", (), Tensor("x", (2,), FixedType(4, 4))),
            Node(
                "s",
                "scale_shift",
                ("x",),
                Tensor("s", (2,), FixedType(90, 90)),
                {"scale": big, "shift": big},
            ),
        ),
        ("s",),
    )
    assert graph_from_dict(json.loads(dumps(g))) == g


def test_text_form_golden():
    g = Graph(
        "g",
        (
            Node("x", "input", (), Tensor("x", (2,), FixedType(8, 3))),
            Node(
                "fc",
                "dense",
                ("x",),
                Tensor("fc", (2,), FixedType(12, 4)),
                {
                    "weight": Const(np.array([[1, 0], [3, 4]]), FixedType(6, 1)),
                    "bias": Const(np.array([1, 2]), FixedType(6, 1)),
                },
            ),
            Node(
                "r", "relu", ("fc",), Tensor("r", (2,), FixedType(6, 0, False, "RND_CONV", "SAT"))
            ),
        ),
        ("r",),
    )
    assert to_text(g) == (
        "graph g\n"
        "  %x = input() : fixed<8,3> [2]\n"
        "  %fc = dense(%x, bias=fixed<6,1>[2] nnz=2/2, weight=fixed<6,1>[2x2] nnz=3/4)"
        " : fixed<12,4> [2]\n"
        "  %r = relu(%fc) : ufixed<6,0,RND_CONV,SAT> [2]\n"
        "  return %r\n"
    )


def test_bad_files_are_clear_errors(tmp_path):
    with pytest.raises(ProjectError, match="file not found"):
        load_graph(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ProjectError, match="not valid JSON"):
        load_graph(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text('{"format": "something"}')
    with pytest.raises(ProjectError, match="not a trigc IR"):
        load_graph(tmp_path / "other.json")
