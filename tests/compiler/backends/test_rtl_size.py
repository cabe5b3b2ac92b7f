"""The rtl backend's size guard: the estimate from the IR, and the refusal before any netlist."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.rtl import generate
from trigc.compiler.backends.rtl.csd import csd_cost
from trigc.compiler.backends.rtl.size import check_size, csd_weights, estimate_size, size_limit
from trigc.compiler.cli import EXIT_USAGE, main
from trigc.compiler.errors import TrigcError
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.ir.graph import Const, Graph, Node, Tensor

IN = FixedType.parse("fixed<8,3>")


def _dense(weights: np.ndarray) -> Graph:
    x = Node("x", "input", (), Tensor("x", (weights.shape[0],), IN))
    w = Const(weights, FixedType.parse("fixed<8,3>"))
    b = Const(np.zeros(weights.shape[1], dtype=np.int64), FixedType.parse("fixed<8,3>"))
    fc = Node(
        "fc",
        "dense",
        ("x",),
        Tensor("fc", (weights.shape[1],), FixedType.parse("fixed<24,10>")),
        {"weight": w, "bias": b},
    )
    return Graph("g", [x, fc], ("fc",))


@given(st.lists(st.integers(-(1 << 70), 1 << 70), min_size=1, max_size=20))
def test_csd_weights_equal_the_csd_digits(values):
    wide = np.array(values, dtype=object)
    assert csd_weights(wide).tolist() == [csd_cost(v) for v in values]
    narrow = np.array([v % (1 << 40) - (1 << 39) for v in values], dtype=np.int64)
    assert csd_weights(narrow).tolist() == [csd_cost(int(v)) for v in narrow]


def test_zero_weights_cost_nothing_and_the_estimate_grows_with_digits():
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, size=(16, 8))
    full = estimate_size(_dense(w)).layers[1]
    pruned_w = w.copy()
    pruned_w[:8] = 0
    pruned = estimate_size(_dense(pruned_w)).layers[1]
    assert (
        pruned.terms == int(csd_weights(pruned_w).sum()) < full.terms == int(csd_weights(w).sum())
    )
    assert pruned.luts < full.luts
    zero = estimate_size(_dense(np.zeros((16, 8), dtype=np.int64))).layers[1]
    assert zero.terms == 0


def test_the_limit_is_max_luts_else_the_part():
    assert size_limit(BackendOptions(max_luts=1234)) == (1234, "--max-luts")
    limit, source = size_limit(BackendOptions(part="xcvu13p-flga2577-2-e"))
    assert limit == 1_728_000 and "XCVU13P" in source.upper()
    assert size_limit(BackendOptions(part="xc7a35t-csg324-1")) is None  # no figures: no guard


def test_a_design_over_the_limit_is_refused_before_its_netlist():
    w = np.random.default_rng(1).integers(-127, 128, size=(64, 64))
    graph = _dense(w)
    luts = estimate_size(graph).luts
    with pytest.raises(TrigcError) as info:
        generate(graph, BackendOptions(max_luts=luts - 1))
    message = str(info.value)
    assert f"about {luts:,} LUTs" in message and "--max-luts" in message
    assert "prune" in message and "--backend hls" in message
    assert check_size(graph, BackendOptions(max_luts=luts)).luts == luts
    generate(graph, BackendOptions(max_luts=luts))  # at the limit: built


@pytest.mark.slow
def test_compile_refuses_a_model_too_large_for_the_part_in_seconds(tmp_path, capsys):
    """A float 16-1024-1024-1024-5 MLP at fixed<16,6> needs millions of LUTs fully parallel."""
    import keras

    keras.utils.set_random_seed(0)
    layers = [keras.Input((16,))]
    for _ in range(3):
        layers += [keras.layers.Dense(1024), keras.layers.Activation("relu")]
    keras.Sequential([*layers, keras.layers.Dense(5)]).save(tmp_path / "wide.keras")
    (tmp_path / "cfg.yml").write_text("Model:\n  Precision: fixed<16,6>\n")
    argv = ["compile", tmp_path / "wide.keras", "--config", tmp_path / "cfg.yml"]
    code = main([str(a) for a in [*argv, "--backend", "hls,rtl", "-o", tmp_path / "out"]])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert "Traceback" not in err and "more than the whole XCVU9P" in err
    assert "--backend hls --reuse-factor" in err
    assert not (tmp_path / "out").exists()  # refused before any backend wrote
