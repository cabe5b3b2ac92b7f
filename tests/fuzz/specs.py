"""Random valid models as plain data, drawn by hypothesis strategies (so failures shrink).

A :class:`ModelSpec` describes a model without any framework: its input, a trunk of layers,
optionally two branches merged by one layer, and a tail.  Weights are not part of the spec:
they come from ``seed`` and ``style`` when a builder makes the model, so a spec's ``repr`` is a
one-line reproduction.  :func:`keras_specs` draws what the README says a Keras model may
contain; :func:`mlp_specs` the dense subset the ONNX and legacy builders use too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

WEIGHT_STYLES = ("normal", "sparse", "large", "tiny", "mixed")


@dataclass(frozen=True)
class Q:
    """A QKeras quantizer: ``quantized_bits``, ``quantized_relu``, ``binary`` or ``ternary``."""

    kind: str
    bits: int = 0
    integer: int = 0
    keep_negative: bool = True
    alpha: object = None
    symmetric: bool = False


@dataclass(frozen=True)
class L:
    """One layer: ``kind`` and its parameters as sorted ``(name, value)`` pairs."""

    kind: str
    args: tuple[tuple[str, object], ...] = ()

    def get(self, key: str, default: object = None) -> object:
        return dict(self.args).get(key, default)


def layer(kind: str, **args: object) -> L:
    return L(kind, tuple(sorted(args.items())))


@dataclass(frozen=True)
class ModelSpec:
    """A model: ``input_shape`` (no batch axis), an input quantizer or ``input_type``, layers."""

    input_shape: tuple[int, ...]
    layers: tuple[L, ...]
    input_quant: Q | None = None
    input_type: str | None = None
    branches: tuple[tuple[L, ...], tuple[L, ...]] | None = None
    merge: str | None = None
    tail: tuple[L, ...] = ()
    seed: int = 0
    style: str = "normal"
    sequential: bool = True
    options: tuple[tuple[str, object], ...] = field(default_factory=tuple)

    def all_layers(self) -> tuple[L, ...]:
        branch_layers = self.branches[0] + self.branches[1] if self.branches else ()
        return self.layers + branch_layers + self.tail

    @property
    def quantized(self) -> bool:
        """Whether any quantizer is in the model (else it is a float model: trigc gives it
        hls4ml's default fixed<16,6> and declares the reference inexact)."""
        if self.input_quant is not None:
            return True
        for lay in self.all_layers():
            if lay.get("kq") is not None:
                return True
            if isinstance(lay.get("activation"), Q):
                return True
        return False

    @property
    def approximates(self) -> bool:
        """Whether trigc must declare the Keras reference inexact (hls4ml's tables, or the
        default precision of a float model)."""
        if not self.quantized:
            return True
        for lay in self.all_layers():
            act = lay.get("activation")
            if lay.kind == "softmax" or act in ("sigmoid", "tanh", "softmax"):
                return True
        return False


# ---- quantizers -------------------------------------------------------------------------


@st.composite
def weight_quantizers(draw: st.DrawFn) -> Q:
    kind = draw(st.sampled_from(["quantized_bits"] * 6 + ["binary", "ternary"]))
    if kind != "quantized_bits":
        return Q(kind, alpha=1)
    bits = draw(st.integers(1, 16))
    keep_negative = draw(st.booleans()) if bits > 1 else False
    integer = draw(st.integers(0, max(bits - int(keep_negative), 0)))
    alpha = draw(st.sampled_from([None, 1, 1, 0.5, 2, "auto_po2"]))
    return Q(kind, bits, integer, keep_negative, alpha, draw(st.booleans()))


@st.composite
def activation_quantizers(draw: st.DrawFn) -> Q:
    kind = draw(st.sampled_from(["quantized_relu"] * 3 + ["quantized_bits"] * 2 + ["binary"]))
    if kind == "binary":
        return Q("binary", alpha=1)
    if kind == "quantized_relu":
        bits = draw(st.integers(1, 16))
        return Q(kind, bits, draw(st.integers(0, bits)), False)
    bits = draw(st.integers(2, 16))
    keep_negative = draw(st.booleans())
    integer = draw(st.integers(0, bits - int(keep_negative)))
    alpha = draw(st.sampled_from([None, 1, 0.5, 2]))
    return Q(kind, bits, integer, keep_negative, alpha, draw(st.booleans()))


@st.composite
def input_quantizers(draw: st.DrawFn) -> Q:
    bits = draw(st.integers(2, 16))
    keep_negative = draw(st.booleans())
    return Q(
        "quantized_bits", bits, draw(st.integers(0, bits - int(keep_negative))), keep_negative, 1
    )


@st.composite
def fixed_type_texts(draw: st.DrawFn) -> str:
    width = draw(st.integers(2, 18))
    integer = draw(st.integers(-2, width + 2))
    signed = draw(st.booleans())
    return f"{'fixed' if signed else 'ufixed'}<{width},{integer}>"


# ---- layers -----------------------------------------------------------------------------

ACTIVATION_LAYER_KINDS = ("qact", "act", "relu", "leaky")


@st.composite
def activation_layers(draw: st.DrawFn, allow_tables: bool = True) -> L:
    kind = draw(st.sampled_from(ACTIVATION_LAYER_KINDS))
    if kind == "qact":
        return layer("qact", activation=draw(activation_quantizers()))
    if kind == "act":
        names = ["relu", "linear"] + (["sigmoid", "tanh"] if allow_tables else [])
        return layer("act", activation=draw(st.sampled_from(names)))
    if kind == "relu":
        return layer("relu", max_value=draw(st.sampled_from([None, 1, 2, 6])))
    return layer("leaky", slope=draw(st.sampled_from([0.5, 0.25, 0.125])))


@st.composite
def dense_activations(draw: st.DrawFn) -> object:
    return draw(st.one_of(st.sampled_from([None, "relu", "linear"]), activation_quantizers()))


@st.composite
def dense_layers(draw: st.DrawFn, units: int | None = None) -> L:
    quantized = draw(st.booleans()) or draw(st.booleans())
    kq = draw(weight_quantizers()) if quantized else None
    use_bias = draw(st.booleans()) or draw(st.booleans())
    bq = draw(st.one_of(st.none(), weight_quantizers())) if quantized and use_bias else None
    return layer(
        "dense",
        units=units if units is not None else draw(st.integers(1, 24)),
        kq=kq,
        bq=bq,
        use_bias=use_bias,
        activation=draw(dense_activations()),
    )


def _same_shape_layers() -> st.SearchStrategy[L]:
    return st.one_of(
        activation_layers(allow_tables=False),
        st.just(layer("bn")),
        st.just(layer("dropout")),
    )


@st.composite
def mlp_trunk(draw: st.DrawFn, depth: int) -> tuple[L, ...]:
    layers: list[L] = []
    for _ in range(depth):
        layers.append(draw(dense_layers()))
        extras = draw(st.lists(_same_shape_layers(), max_size=2))
        layers.extend(extras)
    return tuple(layers)


@st.composite
def conv_layers(draw: st.DrawFn, rank: int, spatial: tuple[int, ...]) -> tuple[L, tuple[int, ...]]:
    kernel = tuple(draw(st.integers(1, min(3, s))) for s in spatial)
    strides = tuple(draw(st.integers(1, 2)) for _ in spatial)
    padding = draw(st.sampled_from(["valid", "same"]))
    quantized = draw(st.booleans()) or draw(st.booleans())
    kq = draw(weight_quantizers()) if quantized else None
    bq = draw(st.one_of(st.none(), weight_quantizers())) if quantized else None
    lay = layer(
        "conv",
        rank=rank,
        filters=draw(st.integers(1, 5)),
        kernel=kernel,
        strides=strides,
        padding=padding,
        kq=kq,
        bq=bq,
        use_bias=True,
        activation=draw(dense_activations()),
    )
    if padding == "same":
        out = tuple(-(-s // st_) for s, st_ in zip(spatial, strides, strict=True))
    else:
        out = tuple((s - k) // st_ + 1 for s, k, st_ in zip(spatial, kernel, strides, strict=True))
    return lay, out


@st.composite
def pool_layers(draw: st.DrawFn, rank: int, spatial: tuple[int, ...]) -> tuple[L, tuple[int, ...]]:
    op = draw(st.sampled_from(["max", "avg"]))
    size = tuple(draw(st.sampled_from([s for s in (1, 2, 4) if s <= n])) for n in spatial)
    out = tuple((n - s) // s + 1 for n, s in zip(spatial, size, strict=True))
    return layer("pool", op=op, rank=rank, size=size), out


@st.composite
def cnn_trunk(draw: st.DrawFn, rank: int, spatial: tuple[int, ...]) -> tuple[L, ...]:
    layers: list[L] = []
    for _ in range(draw(st.integers(1, 2))):
        conv, spatial = draw(conv_layers(rank, spatial))
        layers.append(conv)
        layers.extend(draw(st.lists(_same_shape_layers(), max_size=1)))
        if draw(st.booleans()) and min(spatial) >= 2:
            pool, spatial = draw(pool_layers(rank, spatial))
            layers.append(pool)
    end = draw(st.sampled_from(["flatten", "gpool", "reshape"]))
    if end == "gpool":
        count = 1
        for n in spatial:
            count *= n
        # averages are exact over a power-of-two number of elements only (README)
        ops = ["max", "avg"] if count & (count - 1) == 0 else ["max"]
        layers.append(layer("gpool", op=draw(st.sampled_from(ops)), rank=rank))
    else:
        layers.append(layer(end))
    return tuple(layers)


@st.composite
def heads(draw: st.DrawFn) -> tuple[L, ...]:
    """The last layers: a dense layer, sometimes followed by an activation or a softmax."""
    out = [draw(dense_layers(units=draw(st.integers(1, 8))))]
    choice = draw(st.sampled_from(["none"] * 6 + ["table", "softmax", "qact"]))
    if choice == "table":
        out.append(layer("act", activation=draw(st.sampled_from(["sigmoid", "tanh"]))))
    elif choice == "softmax":
        out.append(layer("softmax"))
    elif choice == "qact":
        out.append(layer("qact", activation=draw(activation_quantizers())))
    return tuple(out)


# ---- models -----------------------------------------------------------------------------


@st.composite
def _input(draw: st.DrawFn) -> dict[str, object]:
    if draw(st.booleans()):
        return {"input_quant": draw(input_quantizers())}
    return {"input_type": draw(st.one_of(st.none(), fixed_type_texts()))}


def _chain_spec(draw: st.DrawFn, input_shape: tuple[int, ...], layers: tuple[L, ...]) -> ModelSpec:
    """A chain model: the given input shape and layers, with drawn weights and input."""
    return ModelSpec(
        input_shape=input_shape,
        layers=layers,
        seed=draw(st.integers(0, 2**16)),
        style=draw(st.sampled_from(WEIGHT_STYLES)),
        sequential=draw(st.booleans()),
        **draw(_input()),
    )


@st.composite
def mlp_specs(draw: st.DrawFn) -> ModelSpec:
    """Dense networks of depth 1-6, one to two dozen features wide."""
    depth = draw(st.integers(1, 5))
    input_shape = (draw(st.integers(1, 24)),)
    return _chain_spec(draw, input_shape, draw(mlp_trunk(depth - 1)) + draw(heads()))


@st.composite
def cnn_specs(draw: st.DrawFn) -> ModelSpec:
    rank = draw(st.integers(1, 2))
    spatial = tuple(draw(st.integers(2, 8 if rank == 1 else 5)) for _ in range(rank))
    channels = draw(st.integers(1, 3))
    layers = draw(cnn_trunk(rank, spatial)) + draw(heads())
    return _chain_spec(draw, (*spatial, channels), layers)


@st.composite
def branching_specs(draw: st.DrawFn) -> ModelSpec:
    """trunk → two branches → Add / Subtract / Multiply / Concatenate → head."""
    width = draw(st.integers(1, 12))
    trunk = (draw(dense_layers(units=width)),)
    merge = draw(st.sampled_from(["add", "subtract", "multiply", "concatenate"]))

    @st.composite
    def branch(draw: st.DrawFn) -> tuple[L, ...]:
        units = None if merge == "concatenate" else width
        layers = draw(st.lists(_same_shape_layers(), max_size=2))
        if draw(st.booleans()):
            layers.insert(0, draw(dense_layers(units=units)))
        return tuple(layers)

    return ModelSpec(
        input_shape=(draw(st.integers(1, 16)),),
        layers=trunk,
        branches=(draw(branch()), draw(branch())),
        merge=merge,
        tail=draw(heads()),
        seed=draw(st.integers(0, 2**16)),
        style=draw(st.sampled_from(WEIGHT_STYLES)),
        sequential=False,
        **draw(_input()),
    )


def keras_specs() -> st.SearchStrategy[ModelSpec]:
    """Every kind of model the Keras frontend reads."""
    return st.one_of(mlp_specs(), cnn_specs(), branching_specs())
