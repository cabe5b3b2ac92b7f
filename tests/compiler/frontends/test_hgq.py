"""HGQ models made by the real libraries: an HGQ2 ``.keras`` file (hgq2 on Keras 3) and an HGQ v1
proxy ``.h5`` (HGQ's ``to_proxy_model`` on Keras 2), both with random per-element bit widths,
some of them 0.

Each is built by :mod:`trigc.quantize.hgq_worker` in its own environment (hgq2 cannot share
trigc's, :mod:`trigc.compiler.hgq_env`), which also runs the saved model on trigc's vectors.
The IR must equal the library's own outputs on every vector, and the compiled RTL, hls4ml
C simulation and emulator must equal the IR (``trigc verify``).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.compiler.ir.test_element_types import _graph
from trigc.compiler import hgq_env
from trigc.compiler.backends import BackendOptions
from trigc.compiler.backends.hls import emit
from trigc.compiler.backends.rtl import RtlSettings
from trigc.compiler.backends.rtl.lower import build_netlist
from trigc.compiler.backends.rtl.netlist import Netlist
from trigc.compiler.errors import TrigcError, UnsupportedModelError
from trigc.compiler.frontends.hgq.hgq2 import is_hgq2_file, read_hgq2
from trigc.compiler.frontends.load import model_format
from trigc.compiler.ir.element_types import ElementTypes
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.verify import verify_project
from trigc.quantize.hgq_worker import run_worker

pytestmark = pytest.mark.slow

MODELS = {  # case -> (environment, worker arguments, file suffix, whether to C-simulate)
    "hgq2-mlp": ("hgq2", ["hgq2", "--kind", "mlp"], ".keras", True),
    "hgq2-batchnorm": ("hgq2", ["hgq2", "--kind", "batchnorm"], ".keras", False),
    "hgq2-conv1d": ("hgq2", ["hgq2", "--kind", "conv1d"], ".keras", False),
    "hgq2-conv2d": ("hgq2", ["hgq2", "--kind", "conv2d"], ".keras", False),
    "hgq2-einsum": ("hgq2", ["hgq2", "--kind", "einsum"], ".keras", False),
    "hgq2-add": ("hgq2", ["hgq2", "--kind", "add"], ".keras", True),
    "hgq1-proxy": ("hgq1", ["hgq1-proxy"], ".h5", True),
}


@pytest.fixture(scope="module", params=sorted(MODELS))
def hgq_model(request, tmp_path_factory) -> tuple[str, Path, bool]:
    env, args, suffix, csim = MODELS[request.param]
    if not hgq_env.available(env):
        pytest.skip(f"the {env} environment is not installed (make install)")
    tmp = tmp_path_factory.mktemp(request.param)
    model = tmp / f"model{suffix}"
    x = tmp / "train_x.npy"
    np.save(x, np.zeros((1, 16)))
    command, *rest = args
    run_worker(env, [command, str(model), *rest, "--x", str(x), "--y", str(tmp / "y.npy")])
    return env, model, csim


def test_ir_equals_the_library_and_every_firmware(hgq_model, tmp_path):
    name, model, csim = hgq_model
    assert model_format(model).name == ("hgq2" if name == "hgq2" else "keras2-h5")
    backends = ("rtl", "hls", "emu") if csim else ("rtl", "emu")
    project = compile_project(str(model), tmp_path / "proj", CompileOptions(backends=backends))
    graph = project.graph
    per_element = [n for n in graph.nodes if n.output.elements is not None]
    assert per_element, "the random bit widths must give per-element types"
    assert sum(n.output.elements.zero_width for n in per_element) > 0  # some elements vanish
    # the library itself ('hgq': the saved model run by hgq2/HGQ on trigc's vectors), the
    # float64 NumPy reading of the file ('numpy') and every firmware, against the IR
    result = verify_project(
        project.path,
        vectors=3000,
        csim_vectors=300,
        protocol_sims=(),
        representations=("keras", *backends),
    )
    names = {c.name: (c.identical, c.total) for c in result.comparisons}
    assert result.ok, names
    assert set(names) >= {"hgq", "numpy", "rtl", "emu"} | ({"hls-csim"} if csim else set())
    assert not next(c for c in result.comparisons if c.name == "hgq").informative
    for identical, total in names.values():
        assert identical == total


def test_rtl_drops_zero_width_elements(hgq_model, tmp_path):
    """A 0-bit element of a quantizer is the constant 0 in the netlist (no signal, no port
    bit), so the products that would read it vanish from the next layer's adder trees."""
    _, model, _ = hgq_model
    graph = compile_project(str(model), tmp_path / "proj", CompileOptions(backends=())).graph
    model_ = RtlSettings().delay_model
    lowered = build_netlist(graph, Netlist(model_, model_.budget_ns(5.0)))
    zeros = 0
    for node in graph.nodes:
        if node.output.elements is None:
            continue
        _, values = lowered.tensors[node.output.name]
        widths = node.output.elements.width.reshape(-1)
        for j in np.flatnonzero(widths == 0):
            assert values[j].is_const and values[j].const == 0
            zeros += 1
        for j in np.flatnonzero(widths > 0):  # the others are signals within their own type
            t = node.output.elements.type_at(int(j))
            shift = node.output.type.frac - t.frac
            assert t.min_int << shift <= values[j].lo and values[j].hi <= t.max_int << shift
    assert zeros > 0


def test_hgq2_reader_refuses_unknown_layers(tmp_path):
    path = tmp_path / "bad.keras"
    config = {
        "class_name": "Functional",
        "config": {
            "name": "bad",
            "layers": [
                {"class_name": "InputLayer", "config": {"name": "in", "batch_shape": [None, 4]}},
                {"module": "hgq.layers", "class_name": "QEinsumDenseBatchnorm",
                 "config": {"name": "e"}, "inbound_nodes": [["in"]]},
            ],
        },
    }  # fmt: skip
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", b"")
    assert is_hgq2_file(path)
    with pytest.raises(UnsupportedModelError, match="QEinsumDenseBatchnorm"):
        read_hgq2(path)


def test_hls_io_stream_refuses_per_element_types(tmp_path):
    """hls4ml's FixedPointQuantizer exists for io_parallel only: a clear refusal, exit 2."""
    graph = _graph(ElementTypes.from_kif([1, 0, 1, 1], [2, 1, 0, 3], [2, 3, -5, 1], "RND", "SAT"))
    with pytest.raises(TrigcError, match="io_parallel only"):
        emit(graph, BackendOptions(io_type="io_stream"), tmp_path / "hls")
    assert not (tmp_path / "hls").exists()
