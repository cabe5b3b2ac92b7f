"""Constant folding of ONNX nodes with onnx's own reference implementation.

Exporters compute static shapes in the graph (``Shape`` → ``Gather`` → ``Concat`` →
``Reshape``, ``Constant``, ``Cast`` of constants, ``Unsqueeze`` of weights...).  Every standard
node whose inputs are all constants is evaluated here by :class:`onnx.reference.ReferenceEvaluator`
under the model's own opset, so the frontend's handlers only ever see the data path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import UnsupportedModelError


def evaluate(node: Any, inputs: list[np.ndarray | None], opsets: Any, where: str) -> np.ndarray:
    """The first output of ``node`` on constant ``inputs`` (``None`` for an omitted input)."""
    import onnx  # noqa: PLC0415
    from onnx import helper  # noqa: PLC0415
    from onnx.reference import ReferenceEvaluator  # noqa: PLC0415

    names = [n for n in node.input if n]
    feeds = dict(zip(names, [x for x in inputs if x is not None], strict=True))
    graph = helper.make_graph(
        [node],
        "fold",
        [helper.make_tensor_value_info(n, onnx.TensorProto.UNDEFINED, None) for n in feeds],
        [helper.make_tensor_value_info(node.output[0], onnx.TensorProto.UNDEFINED, None)],
    )
    model = helper.make_model(
        graph, opset_imports=[o for o in opsets if o.domain in ("", "ai.onnx")]
    )
    try:
        out = ReferenceEvaluator(model).run([node.output[0]], feeds)[0]
    except Exception as exc:  # the reference raises whatever the op's code raises
        raise UnsupportedModelError(
            f"{where} on constants could not be evaluated by onnx's reference ({exc})"
        ) from None
    return np.asarray(out)
