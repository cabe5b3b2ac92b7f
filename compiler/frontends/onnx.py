"""ONNX and QONNX frontend: a ``.onnx`` file → IR, read with the ``onnx`` package.

Float models (exported from Keras or PyTorch) take their precision from a configuration
(:mod:`.precision_config`, default ``fixed<16,6>``).  QONNX ``Quant`` nodes with a power-of-two
scale and zero point 0 are exact fixed-point casts; on weights they are evaluated here, and
``BipolarQuant`` on weights gives ±scale.  The graph may branch (one input, one output); each
tensor remembers which layer it is the output of, and a graph that is not a chain is lowered
with its wiring.  Supported on the data path: Gemm, MatMul (+ Add), Relu, BatchNormalization,
Mul/Add by a constant per-feature vector, Add/Sub/Mul of two tensors of one shape, Concat
(merges: see :mod:`.onnx_tensor`), Conv (1-D/2-D), MaxPool, AveragePool, GlobalAveragePool,
GlobalMaxPool, Flatten/Reshape (of N-D tensors too; ONNX is channels first and the IR channels
last, see :mod:`.onnx_tensor`), Identity, Dropout, Cast between float types (Keras 3's own ONNX
export writes float32 → float32 casts around every op) and Quant.  Anything else is refused
with the node's name and op type.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InexactError, TrigcError, UnsupportedModelError
from ..ir.fixed import FixedType
from ..ir.graph import Graph
from ..names import identifier
from .builder import FrontendOptions
from .layers import (
    ActivationLayer,
    BatchNormLayer,
    DenseLayer,
    Layer,
    Weights,
    Wiring,
    lower_layers,
)
from .onnx_tensor import MERGES, TensorOps, TensorState, channels_last_input, node_attrs
from .precision_config import PrecisionConfig
from .quantizers import ActivationSpec

SUPPORTED_OPS = (
    "Gemm, MatMul, Add, Mul, Relu, BatchNormalization, Flatten, Reshape, Identity, Dropout, "
    "Cast (float to float), Conv (1-D/2-D), MaxPool, AveragePool, GlobalAveragePool, "
    "GlobalMaxPool, Add/Sub/Mul of two tensors, Concat, Quant (QONNX), "
    "BipolarQuant (QONNX, on weights)"
)
QUANT_OPS = ("Quant", "IntQuant")
# QONNX rounding modes (qonnx.custom_op.general.intquant.resolve_rounding_mode) → ap_fixed.
ROUNDING = {
    "ROUND": "RND_CONV",
    "HALF_EVEN": "RND_CONV",
    "FLOOR": "TRN",
    "DOWN": "TRN_ZERO",
    "HALF_UP": "RND_INF",
    "HALF_DOWN": "RND_ZERO",
}


def _onnx() -> Any:
    import onnx  # noqa: PLC0415

    return onnx


def load_onnx_model(path: Path) -> Any:
    """Read an ONNX file, with a message a user can act on when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise TrigcError(f"{path}: no such file. Pass the path of an ONNX model (.onnx).")
    onnx = _onnx()
    try:
        return onnx.load(str(path))
    except Exception as exc:  # protobuf raises several kinds for a bad file
        raise TrigcError(f"{path}: could not be read as an ONNX model ({exc})") from None


def _where(node: Any) -> str:
    return f"node {node.name or node.output[0]!r} ({node.op_type})"


def _power_of_two_exponent(scale: np.ndarray, where: str) -> np.ndarray:
    scale = np.asarray(scale, dtype=np.float64)
    mant, exp = np.frexp(scale)
    if not np.all((mant == 0.5) & (scale > 0)):
        raise InexactError(
            f"{where}: scale {scale.reshape(-1)[:4].tolist()} is not a power of two, so the "
            "quantized values are not fixed-point numbers and no fixed-point firmware can "
            "reproduce them bit for bit. Export with power-of-two scales."
        )
    return (exp - 1).astype(np.int64)


class _Quant:
    """A QONNX Quant node's parameters."""

    def __init__(self, node: Any, consts: dict[str, np.ndarray]) -> None:
        where = _where(node)
        attrs = node_attrs(node)
        scale, zeropt, bits = (consts[n] for n in node.input[1:4])
        if np.any(np.asarray(zeropt) != 0):
            raise UnsupportedModelError(f"{where}: zero point {zeropt} is not 0; not supported")
        if np.asarray(bits).size != 1 or float(bits) != int(bits):
            raise UnsupportedModelError(f"{where}: bit width {bits} must be one integer")
        self.where = where
        self.bits = int(bits)
        self.signed = bool(attrs.get("signed", 1))
        self.narrow = bool(attrs.get("narrow", 0))
        mode = attrs.get("rounding_mode", "ROUND")
        self.mode = mode.decode() if isinstance(mode, bytes) else str(mode)
        if self.mode.upper() not in ROUNDING:
            raise UnsupportedModelError(
                f"{where}: rounding_mode {self.mode!r} has no ap_fixed equivalent; supported: "
                f"{', '.join(ROUNDING)}"
            )
        self.scale = np.asarray(scale, dtype=np.float64)
        self.exp = _power_of_two_exponent(self.scale, where)
        if self.narrow and not self.signed:
            raise UnsupportedModelError(
                f"{where}: unsigned narrow range (maximum 2^bits-2) is not a fixed-point type"
            )

    @property
    def lo(self) -> int:
        return -(2 ** (self.bits - 1)) + self.narrow if self.signed else 0

    @property
    def hi(self) -> int:
        return 2 ** (self.bits - 1) - 1 if self.signed else 2**self.bits - 1

    def fixed_type(self) -> FixedType:
        """The per-tensor fixed-point type this Quant casts to."""
        if self.exp.size != 1:
            raise UnsupportedModelError(
                f"{self.where}: a per-channel scale on activations is not supported"
            )
        if self.bits == 1 and self.signed:
            raise UnsupportedModelError(
                f"{self.where}: a 1-bit signed Quant is a binary activation, not yet supported"
            )
        frac = -int(self.exp.reshape(-1)[0])
        overflow = "SAT_SYM" if self.narrow else "SAT"
        rounding = ROUNDING[self.mode.upper()]
        return FixedType(self.bits, self.bits - frac, self.signed, rounding, overflow)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """QONNX's ``int_quant`` on constants, exactly in float64."""
        y = np.asarray(x, dtype=np.float64) / self.scale
        if self.bits == 1 and self.signed:
            return np.where(y >= 0, 1.0, -1.0) * self.scale
        y = np.clip(y, self.lo, self.hi)
        rounding = ROUNDING[self.mode.upper()]
        funcs = {
            "RND_CONV": np.round,
            "TRN": np.floor,
            "TRN_ZERO": np.fix,
            "RND_INF": lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5),
            "RND_ZERO": lambda v: np.sign(v) * np.ceil(np.abs(v) - 0.5),
        }
        return funcs[rounding](y) * self.scale


def _per_column(values: np.ndarray, n: int, where: str) -> np.ndarray:
    """A constant broadcast over the features: shape (), (1,), (n,), (1, n) → (n,)."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    if flat.size not in (1, n):
        raise UnsupportedModelError(
            f"{where}: constant of shape {np.shape(values)} is not one value per feature ({n})"
        )
    return np.broadcast_to(flat, (n,)).copy()


class _Reader(TensorOps):
    """Walks the ONNX graph in order, folding constants and collecting the layer chain."""

    def __init__(self, model: Any, path: Path) -> None:
        onnx = _onnx()
        self.path = path
        graph = model.graph
        self.consts: dict[str, np.ndarray] = {
            t.name: onnx.numpy_helper.to_array(t).astype(np.float64) for t in graph.initializer
        }
        self.quantized: dict[str, FixedType | None] = {}  # const name → nominal type
        inputs = [i for i in graph.input if i.name not in self.consts]
        if len(inputs) != 1 or len(graph.output) != 1:
            raise UnsupportedModelError(
                f"{path.name}: the graph has {len(inputs)} inputs and {len(graph.output)} "
                "outputs; trigc supports one input and one output for now"
            )
        self.input = inputs[0]
        self.model = model
        self.layers: list[Layer] = []
        self.sources: list[tuple[str, ...]] = []  # what each layer reads (layers or input)
        self.any_quant = False
        self.uses = Counter(n for node in graph.node for n in node.input)
        self.uses.update(o.name for o in graph.output)
        # The tensor the node being read reads: the layer it comes from, its IR shape, whether
        # ONNX holds it channels first, and the permutation a Flatten of a channels-first
        # tensor left for the next dense layer.
        self.src = self.input.name
        self.channels_first = channels_last_input(model)
        self.perm: np.ndarray | None = None
        self.shape = self.input_shape()
        self.state = {self.src: TensorState(self.src, self.shape, self.channels_first, None)}

    def input_shape(self) -> tuple[int, ...]:
        dims = self.input.type.tensor_type.shape.dim
        values = [d.dim_value if d.HasField("dim_value") else None for d in dims]
        if len(values) < 2 or any(v is None for v in values[1:]):
            raise UnsupportedModelError(
                f"{self.path.name}: input {self.input.name!r} has shape {values}; only flat "
                "inputs [batch, features] (or flattened right away) are supported for now"
            )
        if channels_last_input(self.model):
            return (*values[2:], values[1])
        return (int(np.prod(values[1:])),)

    @property
    def flat_input(self) -> bool:
        return len(self.input.type.tensor_type.shape.dim) == 2

    def weights(self, name: str) -> Weights:
        values = self.consts[name]
        if name in self.quantized:
            return Weights(values, True, self.quantized[name])
        return Weights(values)

    def fold(self, node: Any) -> None:
        """Evaluate a node whose inputs are all constants."""
        op, where = node.op_type, _where(node)
        ins = [self.consts[n] for n in node.input if n]
        if op == "Constant":
            onnx = _onnx()
            value = node_attrs(node).get("value")
            if value is None:
                raise UnsupportedModelError(f"{where}: only tensor constants are supported")
            self.consts[node.output[0]] = onnx.numpy_helper.to_array(value).astype(np.float64)
            return
        if op in QUANT_OPS:
            q = _Quant(node, self.consts)
            self.consts[node.output[0]] = q.apply(ins[0])
            nominal = None
            if q.exp.size == 1 and not (q.bits == 1 and q.signed):
                nominal = q.fixed_type().with_modes()
            self.quantized[node.output[0]] = nominal
            self.any_quant = True
            return
        if op == "BipolarQuant":
            scale = ins[1]
            _power_of_two_exponent(scale, where)
            self.consts[node.output[0]] = np.where(ins[0] >= 0, 1.0, -1.0) * scale
            self.quantized[node.output[0]] = None
            self.any_quant = True
            return
        if op in ("Identity", "Transpose"):
            perm = node_attrs(node).get("perm")
            out = ins[0] if op == "Identity" else np.transpose(ins[0], perm)
            self.consts[node.output[0]] = out
            if node.input[0] in self.quantized:
                self.quantized[node.output[0]] = self.quantized[node.input[0]]
            return
        raise UnsupportedModelError(
            f"{self.path.name}: {where} on constants is not supported; supported on weights: "
            "Constant, Identity, Transpose, Quant, BipolarQuant"
        )

    def step(self, node: Any) -> None:
        op, where = node.op_type, _where(node)
        data = [n for n in node.input if n and n not in self.consts]
        name = node.name or node.output[0]
        if len(node.output) != 1 and any(node.output[1:]) and op != "MaxPool":
            raise UnsupportedModelError(f"{self.path.name}: {where} has several outputs")
        if len(data) > 1:
            if op not in MERGES:
                raise UnsupportedModelError(
                    f"{self.path.name}: {where} reads several tensors {data}; trigc merges "
                    "tensors with Add, Sub, Mul and Concat only"
                )
            self.merge(node, name, where, [self.state[d] for d in data])
            return
        st = self.state[data[0]]
        self.src, self.shape, self.channels_first, self.perm = (
            st.source,
            st.shape,
            st.channels_first,
            st.perm,
        )
        if (
            data[0] == self.input.name
            and not self.flat_input
            and not self.channels_first
            and op not in ("Flatten", "Reshape")
        ):
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads the {len(self.input.type.tensor_type.shape.dim)}"
                "-D input directly; only flat inputs (or a Flatten/Reshape first) are supported"
            )
        handler = getattr(self, f"_op_{op}", None)
        if handler is None:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} is not supported. Supported ops: {SUPPORTED_OPS}."
            )
        before = len(self.layers)
        handler(node, name, where)
        for k in range(before, len(self.layers)):
            self.sources.append((self.src,) if k == before else (self.layers[k - 1].name,))
        source = self.layers[-1].name if len(self.layers) > before else self.src
        self.state[node.output[0]] = TensorState(source, self.shape, self.channels_first, self.perm)

    def _const_input(self, node: Any, index: int, where: str) -> str:
        if len(node.input) <= index or node.input[index] not in self.consts:
            raise UnsupportedModelError(f"{where}: input {index} must be a constant")
        return node.input[index]

    def _op_Gemm(self, node: Any, name: str, where: str) -> None:
        a = node_attrs(node)
        if a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
            raise UnsupportedModelError(f"{where}: only alpha=1, beta=1, transA=0 is supported")
        w = self.weights(self._const_input(node, 1, where))
        kernel = Weights(w.values.T, w.quantized, w.nominal) if a.get("transB", 0) else w
        kernel = self._dense_rows(kernel, where)
        n_out = kernel.values.shape[1]
        if len(node.input) > 2 and node.input[2]:
            bias = self.weights(self._const_input(node, 2, where))
            bias = Weights(_per_column(bias.values, n_out, where), bias.quantized, bias.nominal)
        else:
            bias = Weights(np.zeros(n_out), True)
        self.layers.append(DenseLayer(name, "Gemm", kernel, bias))

    def _op_MatMul(self, node: Any, name: str, where: str) -> None:
        kernel = self.weights(self._const_input(node, 1, where))
        if kernel.values.ndim != 2:
            raise UnsupportedModelError(f"{where}: the weight must be a matrix")
        kernel = self._dense_rows(kernel, where)
        zeros = Weights(np.zeros(kernel.values.shape[1]), True)
        self.layers.append(DenseLayer(name, "MatMul", kernel, zeros))

    def _dense_rows(self, kernel: Weights, where: str) -> Weights:
        """A dense kernel with its rows in the IR's order of the flat input; the layer's
        output is a flat vector in the same order in ONNX and in the IR."""
        if self.channels_first:
            raise UnsupportedModelError(
                f"{self.path.name}: {where} reads a [batch, C, *spatial] tensor; Flatten it first"
            )
        rows = self.take_perm(kernel.values)
        self.perm = None
        self.shape = (int(kernel.values.shape[1]),)
        return Weights(rows, kernel.quantized, kernel.nominal)

    def _per_feature(self, node: Any, where: str) -> Weights:
        other = [n for n in node.input if n in self.consts]
        if len(other) != 1:
            raise UnsupportedModelError(f"{where}: needs one constant operand")
        w = self.weights(other[0])
        values = _per_column(w.values, self._features(), where)
        return Weights(self.take_perm(values), w.quantized, None)

    def _features(self) -> int:
        """Features (channels of an N-D tensor) of the current tensor."""
        return int(self.shape[-1])

    def _op_Add(self, node: Any, name: str, where: str) -> None:
        b = self._per_feature(node, where)
        last = self.layers[-1] if self.layers else None
        data = next(n for n in node.input if n and n not in self.consts)
        if (
            isinstance(last, DenseLayer)
            and last.cls == "MatMul"
            and last.name == self.src
            and self.uses[data] == 1  # the product is read by this Add only
            and not np.any(last.bias.values)
        ):
            self.layers[-1] = DenseLayer(last.name, "MatMul+Add", last.kernel, b)
            return
        self.layers.append(BatchNormLayer(name, "Add", np.ones_like(b.values), b.values))

    def _op_Mul(self, node: Any, name: str, where: str) -> None:
        s = self._per_feature(node, where)
        self.layers.append(BatchNormLayer(name, "Mul", s.values, np.zeros_like(s.values)))

    def _op_Relu(self, node: Any, name: str, where: str) -> None:
        self.layers.append(ActivationLayer(name, "Relu", ActivationSpec("relu")))

    def _op_BatchNormalization(self, node: Any, name: str, where: str) -> None:
        gamma, beta, mean, var = (
            self.consts[self._const_input(node, i, where)] for i in (1, 2, 3, 4)
        )
        eps = float(node_attrs(node).get("epsilon", 1e-5))
        gamma, beta, mean, var = (self.take_perm(v.reshape(-1)) for v in (gamma, beta, mean, var))
        self.layers.append(
            BatchNormLayer.from_statistics(
                name, "BatchNormalization", gamma, beta, mean, var, eps, where
            )
        )

    def _op_Quant(self, node: Any, name: str, where: str) -> None:
        for i in (1, 2, 3):
            self._const_input(node, i, where)
        t = _Quant(node, self.consts).fixed_type()
        self.any_quant = True
        self.layers.append(
            ActivationLayer(name, node.op_type, ActivationSpec("requantize", t), True)
        )

    _op_IntQuant = _op_Quant

    def _op_BipolarQuant(self, node: Any, name: str, where: str) -> None:
        raise UnsupportedModelError(
            f"{self.path.name}: {where} on activations is a binary activation, not yet supported"
        )

    def _identity(self, node: Any, name: str, where: str) -> None:
        pass

    _op_Identity = _op_Dropout = _identity

    def _op_Cast(self, node: Any, name: str, where: str) -> None:
        onnx = _onnx()
        to = node_attrs(node).get("to")
        floats = (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE)
        if to not in floats:
            target = onnx.TensorProto.DataType.Name(to) if to is not None else "unset"
            raise UnsupportedModelError(
                f"{self.path.name}: {where} casts to {target}; only casts between float types "
                "(which leave values on the fixed-point grid unchanged) are supported"
            )

    def _op_Flatten(self, node: Any, name: str, where: str) -> None:
        if node_attrs(node).get("axis", 1) != 1:
            raise UnsupportedModelError(f"{where}: only axis=1 is supported")
        if self.channels_first:
            self.flatten_channels_first(name, "Flatten")

    def _op_Reshape(self, node: Any, name: str, where: str) -> None:
        shape = self.consts[self._const_input(node, 1, where)].astype(np.int64).tolist()
        if self.channels_first:
            n = int(np.prod(self.shape))
            if len(shape) != 2 or shape[1] not in (n, -1):
                raise UnsupportedModelError(
                    f"{where}: reshape of a [batch, C, *spatial] tensor to {shape}; only "
                    f"flattening to [batch, {n}] is supported"
                )
            self.flatten_channels_first(name, "Reshape")
            return
        n = self._features()
        if len(shape) != 2 or shape[1] not in (n, -1):
            raise UnsupportedModelError(
                f"{where}: reshape to {shape} is not a flat [batch, {n}] tensor; only flat "
                "tensors are supported for now"
            )


def from_onnx(path: Path, options: FrontendOptions | None = None) -> tuple[Graph, list[str]]:
    """Read an ONNX/QONNX file into an untyped IR graph.

    Without a precision configuration, a float model (no Quant node) uses the default
    ``fixed<16,6>``; a QONNX model infers exact types for what its Quant nodes leave open.
    Returns the graph and the layers the configuration approximated.
    """
    path = Path(path)
    options = options or FrontendOptions()
    model = load_onnx_model(path)
    reader = _Reader(model, path)
    in_shape = reader.shape
    for node in model.graph.node:
        if all(n in reader.consts for n in node.input if n):
            reader.fold(node)
        else:
            reader.step(node)
    out = reader.state.get(model.graph.output[0].name)
    if out is None:
        raise UnsupportedModelError(
            f"{path.name}: the graph output {model.graph.output[0].name!r} is not computed from "
            "the input by supported nodes"
        )
    if not reader.layers or out.source == reader.input.name:
        raise UnsupportedModelError(f"{path.name}: the graph has no node trigc can compile")
    if options.precision is None:
        default = None if reader.any_quant else PrecisionConfig()
        options = FrontendOptions(options.input_type, options.allow_inexact, default)
    name = identifier(model.graph.name or path.stem)
    chain = [(reader.input.name,)] + [(layer.name,) for layer in reader.layers[:-1]]
    wiring = None
    if reader.sources != chain or out.source != reader.layers[-1].name:
        wiring = Wiring(tuple(reader.sources), out.source)
    return lower_layers(name, in_shape, reader.input.name, reader.layers, options, wiring)
