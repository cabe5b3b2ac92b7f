"""Models with several inputs and outputs, end to end: a Keras functional model (particles and
event-level features in, a tagger and a regression head out) and the same network from PyTorch's
two ONNX exporters.  IR = the model = C simulation = RTL = emulator on every vector, the
protocol testbench on the packed ports, ``--inputs`` as event rows, board patterns."""

from __future__ import annotations

import numpy as np
import pytest

from trigc.compiler.cli import EXIT_OK, EXIT_USAGE, main
from trigc.compiler.frontends.config.precision import config_from_dict
from trigc.compiler.frontends.layers.builder import FrontendOptions
from trigc.compiler.frontends.onnx.frontend import from_onnx
from trigc.compiler.frontends.onnx.reference import onnx_runner
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.pipeline import run_pipeline
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.vectors import events
from trigc.compiler.vectors.stimuli import make_vectors
from trigc.compiler.verify import verify_project
from trigc.compiler.verify.diagnosis import first_mismatch_text

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings(
        "ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::UserWarning"
    ),
]


def _keras_two_heads(path):
    import keras
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    def q(bits, integer):
        return quantized_bits(bits, integer, alpha=1)

    def dense(units, name):
        return QDense(units, kernel_quantizer=q(6, 0), bias_quantizer=q(6, 0), name=name)

    keras.utils.set_random_seed(4)
    parts = keras.Input((8,), name="particles")
    event = keras.Input((3,), name="event")
    a = QActivation(quantized_relu(6, 2), name="p_relu")(
        dense(6, "p_fc")(QActivation(q(8, 3), name="parts_q")(parts))
    )
    b = QActivation(q(6, 2), name="event_q")(event)
    h = keras.layers.Concatenate(name="cat")([a, b])
    h = QActivation(quantized_relu(6, 2), name="relu")(dense(8, "fc")(h))
    model = keras.Model([parts, event], [dense(4, "tag")(h), dense(1, "reg")(h)], name="two_heads")
    model.save(path)
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    d = tmp_path_factory.mktemp("multi_io")
    path = _keras_two_heads(d / "two_heads.keras")
    return compile_project(path, d / "p", CompileOptions(backends=("hls", "rtl", "emu")))


def test_the_ir_has_every_input_and_output(project):
    graph = project.graph
    assert [n.output.shape for n in graph.inputs] == [(8,), (3,)]
    assert [graph.tensor(o).shape for o in graph.outputs] == [(4,), (1,)]
    assert [s.size for s in events.input_slots(graph)] == [8, 3]


@pytest.mark.sim
def test_every_representation_and_the_protocol_bench_agree(project):
    result = verify_project(project, vectors=2000, csim_vectors=300, protocol_sims=("icarus",))
    compared = {c.name: (c.identical, c.total) for c in result.comparisons}
    assert compared["keras"] == (2000, 2000)
    assert compared["hls-csim"] == (300, 300)
    assert compared["rtl"] == (2000, 2000) and compared["emu"] == (2000, 2000)
    (bench,) = result.protocol
    assert bench.passed
    assert result.ok


@pytest.mark.sim
def test_inputs_are_event_rows(project, tmp_path, capsys):
    graph = project.graph
    x, _ = make_vectors(graph, 40, 9)
    rows = tmp_path / "rows.npy"
    np.save(rows, events.to_float(events.input_slots(graph), x))
    code = main(
        ["verify", str(project.path), "--inputs", str(rows), "--only", "rtl", "--sim", "none"]
    )
    assert code == EXIT_OK
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((4, 8)))
    code = main(
        ["verify", str(project.path), "--inputs", str(bad), "--only", "rtl", "--sim", "none"]
    )
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "the model takes 2 inputs (particles [8], event_ [3]): rows of 11 values" in err


def test_board_patterns_round_trip(project, capsys):
    assert main(["patterns", str(project.path), "--format", "emp", "--events", "30"]) == EXIT_OK
    board = project.path / "board"
    captured = next(p for p in board.iterdir() if "out" in p.name and p.suffix == ".txt")
    assert main(["check-capture", str(project.path), str(captured)]) == EXIT_OK


def test_the_first_mismatch_names_the_output_that_differs(project):
    graph = project.graph
    x, _ = make_vectors(graph, 3, 0)
    reference = events.run_rows(graph, x)
    wrong = reference.copy()
    wrong[1, -1] += 1  # the regression head of vector 1
    text = "\n".join(first_mismatch_text(graph, "rtl", 1, wrong, x, reference))
    assert "input 'particles'" in text and "input 'event_'" in text
    assert "rtl output 'tag' (identical)" in text and "rtl output 'reg_' (DIFFERS)" in text


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_pytorch_two_input_two_output_export_equals_onnxruntime(tmp_path, dynamo):
    import torch

    from tests.compiler.frontends.export_models import torch_two_heads

    path = torch_two_heads(tmp_path, dynamo)
    options = FrontendOptions(
        FixedType(8, 3), precision=config_from_dict({"Model": {"Precision": "auto"}})
    )
    graph, approximated = from_onnx(path, options)
    graph, _ = run_pipeline(graph)
    assert approximated == [] and len(graph.inputs) == 2 and len(graph.outputs) == 2
    x, _ = make_vectors(graph, 3000, 0)
    y_ir = events.run_rows(graph, x)
    y_ref = onnx_runner(path)(events.to_float(events.input_slots(graph), x).astype(np.float32))
    mantissas, on_grid = events.to_mantissas(events.output_slots(graph), y_ref)
    assert on_grid.all() and np.array_equal(mantissas, y_ir)
    del torch
