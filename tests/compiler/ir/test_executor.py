"""The executor's fast paths: chunked execution, float matmul, narrowed casts, all exact."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import random_dense_graph, random_inputs
from trigc.compiler.ir import executor
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.ops.base import Exact, cast_exact, exact_matmul
from trigc.compiler.passes import infer_precision


def test_chunked_execution_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = infer_precision.run(random_dense_graph((8, 6, 3), seed=4))
    x = random_inputs(graph, 1000)
    whole = run_int(graph, x, keep_all=True)
    monkeypatch.setattr(executor, "CHUNK_ROWS", 64)
    chunked = run_int(graph, x, keep_all=True)
    assert whole.keys() == chunked.keys()
    for name, values in whole.items():
        assert values.dtype == chunked[name].dtype
        assert np.array_equal(values, chunked[name]), name
    assert run_int(graph, x[:0])[graph.outputs[0]].shape == (0, 3)


@pytest.mark.parametrize("bits", [23, 24, 52, 53, 61])
def test_exact_matmul_at_the_float_limits(bits: int) -> None:
    rng = np.random.default_rng(bits)
    n, x_bits = 16, bits // 2
    w_bits = bits - x_bits - 4  # 16 terms: every partial sum stays below 2**bits
    x = rng.integers(-(1 << x_bits) + 1, 1 << x_bits, size=(200, n))
    w = rng.integers(-(1 << w_bits) + 1, 1 << w_bits, size=(n, 4))
    x[0], w[:, 0] = (1 << x_bits) - 1, (1 << w_bits) - 1  # the largest sum the bound allows
    bound = int(np.max(np.abs(x))) * int(np.max(np.sum(np.abs(w), axis=0)))
    assert bound < 1 << bits
    got = exact_matmul(x, w, bound)
    assert got.tolist() == (x.astype(object) @ w.astype(object)).tolist()


def test_cast_exact_of_wide_values_keeps_exactness() -> None:
    values = np.array([[(1 << 61) + 3, -(1 << 61) - 5, 0, 7]], dtype=np.int64)
    dst = FixedType(8, 3, True, "RND_CONV", "SAT")
    got = cast_exact(Exact(values, 58), dst)
    expected = cast_exact(Exact(values.astype(object), 58), dst)
    assert got.tolist() == expected.tolist()


def test_real_values_given_as_mantissas_are_refused_not_answered():
    """A float array is the real values a user has, not mantissas: reading it as mantissas
    would give the outputs of other inputs without a word."""
    from trigc.compiler.errors import TrigcError

    g = infer_precision.run(random_dense_graph())
    x = random_inputs(g, 5, 0)
    reals = g.inputs[0].output.type.to_float(x)
    with pytest.raises(TrigcError, match=r"input 'x': got an array of float64.*run_float"):
        run_int(g, reals)
    assert np.array_equal(run_int(g, x)[g.outputs[0]], run_int(g, x.astype(object))[g.outputs[0]])
