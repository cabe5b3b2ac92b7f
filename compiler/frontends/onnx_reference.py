"""Run an ONNX file as the reference of ``trigc verify``.

Standard ONNX models run in onnxruntime.  QONNX models (custom ``Quant`` nodes, which
onnxruntime cannot execute) run in QONNX's own node-by-node executor, with the batch size
fixed into the graph because that executor needs concrete shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import onnx_layout as lay
from .onnx_quant import QUANT_OPS
from .onnx_reader import input_layout

Runner = Callable[[np.ndarray], np.ndarray]


def is_qonnx(model: object) -> bool:
    """Whether the model has QONNX custom nodes."""
    nodes = model.graph.node  # type: ignore[attr-defined]
    return any(n.op_type in (*QUANT_OPS, "BipolarQuant", "Trunc") for n in nodes)


def onnx_runner(path: Path) -> Runner:
    """A function from float32 inputs ``[batch, features]`` (the IR's input, flattened) to
    float outputs; the IR's input is laid out as the model's (:mod:`.onnx_layout`)."""
    import onnx  # noqa: PLC0415

    model = onnx.load(str(path))
    constants = {t.name for t in model.graph.initializer}
    graph_input = [v for v in model.graph.input if v.name not in constants][0]
    dims = tuple(d.dim_value for d in graph_input.type.tensor_type.shape.dim[1:])
    layout = input_layout(model)

    def shaped(x: np.ndarray) -> np.ndarray:
        if layout is None:  # the IR's input is the flattened ONNX input
            return x.reshape(len(x), *dims)
        shape = tuple(dims[k] for k in np.argsort(lay.ir_axes(layout)))  # the IR's
        return lay.to_onnx(x.reshape(len(x), *shape), shape, layout)

    if is_qonnx(model):
        run_qonnx = _qonnx_runner(model)
        return lambda x: run_qonnx(shaped(x))
    import onnxruntime as ort  # noqa: PLC0415

    if _static_batch(model):  # exported for one batch size: let onnxruntime take any
        batched = _with_batch(model, "batch")
        session = ort.InferenceSession(
            batched.SerializeToString(), providers=["CPUExecutionProvider"]
        )
    else:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def run(x: np.ndarray) -> np.ndarray:
        feed = {name: np.ascontiguousarray(shaped(x), dtype=np.float32)}
        return np.asarray(session.run(None, feed)[0])

    return run


def _static_batch(model: object) -> bool:
    graph = model.graph  # type: ignore[attr-defined]
    constants = {t.name for t in graph.initializer}
    values = [v for v in graph.input if v.name not in constants] + list(graph.output)
    return any(v.type.tensor_type.shape.dim[0].HasField("dim_value") for v in values)


def _with_batch(model: object, batch: int | str) -> object:
    """A copy of ``model`` whose inputs and outputs have batch ``batch`` (a size or a name)
    and no recorded intermediate shapes (exporters record them for the batch they ran)."""
    fixed = type(model)()  # type: ignore[operator]
    fixed.CopyFrom(model)
    graph = fixed.graph
    constants = {t.name for t in graph.initializer}
    for value in [v for v in graph.input if v.name not in constants] + list(graph.output):
        dim = value.type.tensor_type.shape.dim[0]
        if isinstance(batch, int):
            dim.dim_value = batch
        else:
            dim.dim_param = batch
    del graph.value_info[:]
    return fixed


def _qonnx_runner(model: object) -> Runner:
    from qonnx.core.modelwrapper import ModelWrapper  # noqa: PLC0415
    from qonnx.core.onnx_exec import execute_onnx  # noqa: PLC0415
    from qonnx.transformation.infer_shapes import InferShapes  # noqa: PLC0415

    def run(x: np.ndarray) -> np.ndarray:
        fixed = _with_batch(model, len(x))
        graph = fixed.graph  # type: ignore[attr-defined]
        constants = {t.name for t in graph.initializer}
        inputs = [v for v in graph.input if v.name not in constants]
        wrapper = ModelWrapper(fixed).transform(InferShapes())
        out = execute_onnx(wrapper, {inputs[0].name: x.astype(np.float32)})
        return np.asarray(out[graph.output[0].name])

    return run
