"""Dense :class:`~tests.fuzz.specs.ModelSpec` s → ONNX files: QONNX graphs (``Quant`` nodes
with random bit widths, signedness, ``narrow`` and rounding modes, as Brevitas and the QKeras
converters write them) built with ``onnx.helper``, and float models exported from PyTorch by
``torch.onnx.export``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from .specs import ModelSpec, mlp_specs

OPSET = 17
QONNX_DOMAIN = "qonnx.custom_op.general"
ROUNDING = ("ROUND", "FLOOR", "DOWN", "HALF_UP", "HALF_DOWN")


def _init(name: str, values: Any) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=np.float32), name)


class _QonnxWriter:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = [_init("zero", 0.0)]
        self.count = 0

    def quant(self, x: str, bits: int, frac: int, signed: bool, narrow: bool, mode: str) -> str:
        k = self.count = self.count + 1
        out = f"q{k}"
        self.inits += [_init(f"s{k}", 2.0**-frac), _init(f"b{k}", float(bits))]
        self.nodes.append(
            helper.make_node(
                "Quant",
                [x, f"s{k}", "zero", f"b{k}"],
                [out],
                f"Quant_{k}",
                domain=QONNX_DOMAIN,
                signed=int(signed),
                narrow=int(narrow),
                rounding_mode=mode,
            )
        )
        return out

    def random_quant(self, x: str, signed: bool | None = None, weights: bool = False) -> str:
        rng = self.rng
        bits = int(rng.integers(2 if weights else 2, 13))
        frac = int(rng.integers(0, bits + 2))
        signed = bool(rng.integers(0, 2)) if signed is None else signed
        narrow = bool(rng.integers(0, 2)) and signed
        mode = ROUNDING[int(rng.integers(0, len(ROUNDING)))] if not weights else "ROUND"
        return self.quant(x, bits, frac, signed, narrow, mode)


def qonnx_model(spec: ModelSpec) -> onnx.ModelProto:
    """A QONNX MLP with the spec's depth and widths: Quant(input) → (MatMul(Quant(W)) +
    Quant(b) → Relu → Quant)* → MatMul(Quant(W)) + Quant(b)."""
    rng = np.random.default_rng(spec.seed)
    w = _QonnxWriter(rng)
    x = w.random_quant("input")
    n = spec.input_shape[0]
    dense = [lay for lay in spec.layers if lay.kind == "dense"]
    for i, lay in enumerate(dense):
        units = int(lay.get("units"))
        weights = rng.normal(0, 1.0, (n, units))
        weights[rng.random(weights.shape) < 0.4] = 0.0
        w.inits += [_init(f"W{i}", weights), _init(f"B{i}", rng.normal(0, 1.0, units))]
        wq = w.random_quant(f"W{i}", signed=True, weights=True)
        bq = w.random_quant(f"B{i}", signed=True, weights=True)
        w.nodes.append(helper.make_node("MatMul", [x, wq], [f"mm{i}"], f"MatMul_{i}"))
        last = i == len(dense) - 1
        out = "output" if last else f"h{i}"
        w.nodes.append(helper.make_node("Add", [f"mm{i}", bq], [out], f"Add_{i}"))
        if not last:
            w.nodes.append(helper.make_node("Relu", [out], [f"r{i}"], f"Relu_{i}"))
            x = w.random_quant(f"r{i}", signed=bool(rng.integers(0, 2)))
        n = units
    graph = helper.make_graph(
        w.nodes,
        "qonnx_fuzz",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", spec.input_shape[0]])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", n])],
        w.inits,
    )
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid(QONNX_DOMAIN, 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="trigc-fuzz")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write_qonnx(spec: ModelSpec, tmp: Path) -> tuple[Path, Path | None]:
    path = tmp / "model.onnx"
    onnx.save(qonnx_model(spec), str(path))
    return path, None


def torch_module(spec: ModelSpec) -> Any:
    """A PyTorch MLP (Linear, BatchNorm1d, ReLU/LeakyReLU) with the spec's widths."""
    import torch  # noqa: PLC0415

    torch.manual_seed(spec.seed)
    layers: list[Any] = []
    n = spec.input_shape[0]
    for lay in spec.layers:
        if lay.kind == "dense":
            units = int(lay.get("units"))
            layers.append(torch.nn.Linear(n, units, bias=bool(lay.get("use_bias"))))
            n = units
        elif lay.kind == "bn":
            bn = torch.nn.BatchNorm1d(n)
            with torch.no_grad():
                bn.running_mean.uniform_(-1, 1)
                bn.running_var.uniform_(0.5, 2)
            layers.append(bn)
        elif lay.kind in ("relu", "leaky", "qact") or lay.get("activation") == "relu":
            # (LeakyRelu is not yet read from ONNX files: the README's ONNX list)
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers).eval()


def write_torch(spec: ModelSpec, tmp: Path) -> tuple[Path, Path | None]:
    import torch  # noqa: PLC0415

    path = tmp / "model.onnx"
    example = torch.zeros(2, spec.input_shape[0])
    torch.onnx.export(
        torch_module(spec),
        (example,),
        str(path),
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )
    return path, None


def onnx_specs() -> st.SearchStrategy[ModelSpec]:
    """Dense networks for the ONNX builders (their other layers are ignored)."""
    return mlp_specs()
