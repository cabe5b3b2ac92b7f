"""Classifiers ending in hls4ml's tables: Keras decides bit for bit on every tensor before them."""

from __future__ import annotations

import json

import pytest

from trigc.compiler.project import CompileOptions, compile_project, open_project
from trigc.compiler.verify import format_result, verify_project
from trigc.compiler.verify.references.prefix import exact_prefix

keras = pytest.importorskip("keras")
qkeras = pytest.importorskip("qkeras")
pytestmark = pytest.mark.slow  # Keras


def _q(bits: int = 6, integer: int = 1):
    return qkeras.quantized_bits(bits, integer, alpha=1)


def _dense(units: int, name: str, **kwargs):
    return qkeras.QDense(units, kernel_quantizer=_q(), bias_quantizer=_q(), name=name, **kwargs)


def _classifier(kind: str):
    keras.utils.set_random_seed(1)
    inp = keras.Input((6,))
    x = qkeras.QActivation(_q(8, 3), name="qin")(inp)
    x = _dense(5, "d1")(x)
    x = qkeras.QActivation(qkeras.quantized_relu(6, 2), name="r1")(x)
    if kind == "softmax":  # a layer of its own
        y = keras.layers.Activation("softmax", name="sm")(_dense(3, "d2")(x))
    elif kind == "sigmoid":  # the dense layer's own activation
        y = _dense(3, "d2", activation="sigmoid")(x)
    else:  # a table in the middle: only the tensor before it is the model's exact function
        h = keras.layers.Activation("tanh", name="th")(_dense(4, "d2")(x))
        y = _dense(2, "d3")(h)
    return keras.Model(inp, y, name=f"clf_{kind}")


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    root = tmp_path_factory.mktemp("prefix")
    out = {}
    for kind in ("softmax", "sigmoid", "middle"):
        path = root / f"{kind}.keras"
        _classifier(kind).save(path)
        out[kind] = compile_project(path, root / kind, CompileOptions(backends=())).path
    return out


@pytest.mark.parametrize(
    ("kind", "tensors", "before_activation"),
    [("softmax", ("d2",), set()), ("sigmoid", ("d2",), {"d2"}), ("middle", ("d2",), set())],
)
def test_keras_decides_on_the_tensors_before_the_tables(projects, kind, tensors, before_activation):
    prefix = exact_prefix(open_project(projects[kind]))
    assert prefix is not None and prefix.tensors == tensors
    assert set(prefix.before_activation) == before_activation
    result = verify_project(projects[kind], vectors=400, representations=("keras",))
    by_name = {c.name: c for c in result.comparisons}
    assert by_name["keras"].informative  # the float outputs stay information
    prefix_cmp = by_name["keras-prefix"]
    assert (prefix_cmp.identical, prefix_cmp.total, prefix_cmp.informative) == (400, 400, False)
    assert result.ok and format_result(result).endswith("PASS: every output identical, bit for bit")


def test_a_wrong_reading_before_the_table_fails(projects, tmp_path):
    """One weight read wrong: the float comparison alone passed such a project."""
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(projects["softmax"], bad)
    ir = json.loads((bad / "ir.json").read_text())
    (d2,) = [n for n in ir["nodes"] if n["name"] == "d2"]
    d2["consts"]["weight"]["values"][0] += 1
    (bad / "ir.json").write_text(json.dumps(ir))
    result = verify_project(bad, vectors=400, representations=("keras",))
    prefix_cmp = next(c for c in result.comparisons if c.name == "keras-prefix")
    assert not result.ok and prefix_cmp.identical < 400
    assert any("first differs at tensor 'd2'" in note for note in result.notes)
