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

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def run(x: np.ndarray) -> np.ndarray:
        feed = {name: np.ascontiguousarray(shaped(x), dtype=np.float32)}
        return np.asarray(session.run(None, feed)[0])

    return run


def _qonnx_runner(model: object) -> Runner:
    from qonnx.core.modelwrapper import ModelWrapper  # noqa: PLC0415
    from qonnx.core.onnx_exec import execute_onnx  # noqa: PLC0415
    from qonnx.transformation.infer_shapes import InferShapes  # noqa: PLC0415

    def run(x: np.ndarray) -> np.ndarray:
        fixed = type(model)()  # type: ignore[operator]
        fixed.CopyFrom(model)
        graph = fixed.graph
        constants = {t.name for t in graph.initializer}
        inputs = [v for v in graph.input if v.name not in constants]
        for value in inputs + list(graph.output):
            value.type.tensor_type.shape.dim[0].dim_value = len(x)
        wrapper = ModelWrapper(fixed).transform(InferShapes())
        out = execute_onnx(wrapper, {inputs[0].name: x.astype(np.float32)})
        return np.asarray(out[graph.output[0].name])

    return run
