"""Run an ONNX file as the reference of ``trigc verify``.

Standard ONNX models run in onnxruntime.  QONNX models (custom ``Quant`` nodes, which
onnxruntime cannot execute) run in QONNX's own node-by-node executor, with the batch size
fixed into the graph because that executor needs concrete shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import layout as lay
from .inputs import graph_inputs, input_dims, input_layout, ir_input_shape
from .quant import QUANT_OPS

Runner = Callable[[np.ndarray], np.ndarray]


def is_qonnx(model: object) -> bool:
    """Whether the model has QONNX custom nodes."""
    nodes = model.graph.node  # type: ignore[attr-defined]
    return any(n.op_type in (*QUANT_OPS, "BipolarQuant", "Trunc") for n in nodes)


def onnx_runner(path: Path) -> Runner:
    """A function from float32 event rows (the IR's inputs, each flattened, side by side; one
    input may keep its own shape) to float output rows; each IR input is laid out as the
    model's (:mod:`.layout`)."""
    import onnx  # noqa: PLC0415

    model = onnx.load(str(path))
    feeds = []  # (name, ONNX dims, layout, IR shape)
    for value in graph_inputs(model):
        dims = tuple(int(d) for d in input_dims(value))  # type: ignore[arg-type]
        layout = input_layout(model, value)
        feeds.append((value.name, dims, layout, ir_input_shape(dims, layout)))

    def shaped(x: np.ndarray) -> dict[str, np.ndarray]:
        rows = np.asarray(x).reshape(len(x), -1)
        out, start = {}, 0
        for name, dims, layout, shape in feeds:
            size = int(np.prod(shape))
            part = rows[:, start : start + size]
            start += size
            if layout is None:  # the IR's input is the flattened ONNX input
                out[name] = part.reshape(len(x), *dims)
            else:
                out[name] = lay.to_onnx(part.reshape(len(x), *shape), shape, layout)
        return out

    def joined(ys: list[np.ndarray], n: int) -> np.ndarray:
        return np.concatenate([np.asarray(y, np.float64).reshape(n, -1) for y in ys], axis=1)

    if is_qonnx(model):
        run_qonnx = _qonnx_runner(model)
        return lambda x: joined(run_qonnx(shaped(x)), len(x))
    import onnxruntime as ort  # noqa: PLC0415

    if _static_batch(model):  # exported for one batch size: let onnxruntime take any
        batched = _with_batch(model, "batch")
        session = ort.InferenceSession(
            batched.SerializeToString(), providers=["CPUExecutionProvider"]
        )
    else:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    def run(x: np.ndarray) -> np.ndarray:
        feed = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in shaped(x).items()}
        return joined(session.run(None, feed), len(x))

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


def _qonnx_runner(model: object) -> Callable[[dict[str, np.ndarray]], list[np.ndarray]]:
    from qonnx.core.modelwrapper import ModelWrapper  # noqa: PLC0415
    from qonnx.core.onnx_exec import execute_onnx  # noqa: PLC0415
    from qonnx.transformation.infer_shapes import InferShapes  # noqa: PLC0415

    def run(feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        n = len(next(iter(feed.values())))
        fixed = _with_batch(model, n)
        graph = fixed.graph  # type: ignore[attr-defined]
        wrapper = ModelWrapper(fixed).transform(InferShapes())
        out = execute_onnx(wrapper, {k: v.astype(np.float32) for k, v in feed.items()})
        return [np.asarray(out[value.name]) for value in graph.output]

    return run
