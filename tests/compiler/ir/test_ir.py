"""The IR data structures and the integer executor."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import random_dense_graph, random_inputs
from trigc.compiler.errors import TrigcError
from trigc.compiler.ir.executor import run_float, run_int
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor
from trigc.compiler.passes import infer_precision


def _small_graph(out_type: FixedType) -> Graph:
    w = Const(np.array([[1, -2], [3, 4]]), FixedType(6, 1))  # 1/32, -2/32, ...
    b = Const(np.array([1, 2]), FixedType(6, 1))
    return Graph(
        "g",
        (
            Node("x", "input", (), Tensor("x", (2,), FixedType(8, 3))),
            Node("fc", "dense", ("x",), Tensor("fc", (2,), out_type), {"weight": w, "bias": b}),
        ),
        ("fc",),
    )


def test_dense_exact_value_by_hand():
    g = _small_graph(FixedType(20, 10))
    # x = [1, 2]/32; y0 = (1*1 + 2*3)/1024 + 1/32 = 39/1024, y1 = (-2 + 8)/1024 + 2/32 = 70/1024
    out = run_int(g, np.array([[1, 2]]))["fc"]
    assert out.tolist() == [[39, 70]]


def test_dense_output_cast_rounds_and_saturates():
    g = _small_graph(FixedType(4, 0, True, "RND", "SAT"))  # frac 4: 39/1024 -> 0.6/16 -> 1
    assert run_int(g, np.array([[1, 2], [127, 127]]))["fc"].tolist() == [[1, 1], [7, 5]]


def test_run_on_real_values_requires_grid():
    g = _small_graph(FixedType(20, 10))
    assert run_float(g, np.array([[1 / 32, 2 / 32]]))[0].tolist() == [[39 / 1024, 70 / 1024]]
    with pytest.raises(ValueError, match="not on the grid"):
        run_float(g, np.array([[0.01, 0.0]]))


def test_executor_rejects_bad_shapes_and_ranges():
    g = _small_graph(FixedType(20, 10))
    with pytest.raises(TrigcError, match="expects shape"):
        run_int(g, np.zeros((1, 3), dtype=np.int64))
    with pytest.raises(TrigcError, match="outside the range"):
        run_int(g, np.array([[128, 0]]))


def test_const_is_immutable_and_compares_by_value():
    c = Const(np.array([1, 2, 3]), FixedType(4, 2))
    with pytest.raises(ValueError):
        c.values[0] = 5
    assert c == Const(np.array([1, 2, 3]), FixedType(4, 2))
    assert c != Const(np.array([1, 2, 4]), FixedType(4, 2))
    with pytest.raises(TypeError):
        Const(np.array([0.5]), FixedType(4, 2))


def test_int64_and_python_int_paths_agree():
    """A graph wide enough to need Python integers gives the same results as int64 maths."""
    g = infer_precision.run(random_dense_graph(seed=4))
    x = random_inputs(g, 200)
    narrow = run_int(g, x)[g.outputs[0]]
    wide = run_int(g, x.astype(object))[g.outputs[0]]
    assert np.array_equal(np.asarray(narrow, dtype=object), np.asarray(wide, dtype=object))


def test_graph_lookup_errors_name_the_tensor():
    g = _small_graph(FixedType(20, 10))
    with pytest.raises(KeyError, match="nope"):
        g.node("nope")
    assert [n.name for n in g.consumers("x")] == ["fc"]
