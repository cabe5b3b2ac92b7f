"""The size of a fully parallel design, estimated from the IR before any netlist is built.

A linear layer (``dense``, ``conv``, ``scale_shift``) costs one adder input per non-zero CSD
digit of each aligned weight, for every row (or output pixel) it is applied to; an adder of
``n`` bits is ``n`` LUTs (one LUT and one carry bit per bit on UltraScale+ and 7 series).  The
estimate takes each adder as wide as its input plus its weight's magnitude, and the sharing of
two-digit subexpressions (:mod:`.cse`) as the fraction :data:`SHARED_FRACTION` of the adders
left, as measured.  Calibrated on two designs (within 5% of Yosys on the demo tagger and the
pruned jet tagger; ``bench/rtl_size_scaling.py --accuracy`` prints both), it is meant for one
decision: whether the design can fit at all, which :func:`check_size` makes in a
fraction of a second, before a netlist of millions of cells would take minutes to build.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...devices import find_device
from ...errors import TrigcError
from ...ir.graph import Graph, Node
from ..options import BackendOptions

SHARED_FRACTION = 0.5
"""Adders left after subexpression sharing, as a fraction of one adder per CSD digit
(one adder per digit overestimated Yosys's LUTs 1.5x on both calibration designs)."""


@dataclass(frozen=True)
class LayerSize:
    """One IR node's estimate: adder inputs (CSD digits over all rows) and LUTs."""

    node: str
    terms: int
    luts: int


@dataclass(frozen=True)
class SizeEstimate:
    """The design's estimate: per layer, and the totals."""

    layers: tuple[LayerSize, ...]

    @property
    def terms(self) -> int:
        return sum(layer.terms for layer in self.layers)

    @property
    def luts(self) -> int:
        return sum(layer.luts for layer in self.layers)

    def largest(self, n: int = 3) -> tuple[LayerSize, ...]:
        return tuple(sorted(self.layers, key=lambda layer: -layer.luts)[:n])


def csd_weights(values: np.ndarray) -> np.ndarray:
    """The number of non-zero canonical-signed-digit digits of each integer in ``values``
    (the weight of its non-adjacent form: ``popcount(x ^ 3x)`` for ``x = |value|``)."""
    magnitude = np.abs(np.asarray(values, dtype=object if _wide(values) else np.int64))
    if magnitude.dtype == object:
        return np.array([bin(int(v) ^ 3 * int(v)).count("1") for v in magnitude.flat]).reshape(
            magnitude.shape
        )
    return np.bitwise_count(magnitude ^ (3 * magnitude)).astype(np.int64)


def _wide(values: np.ndarray) -> bool:
    """Whether 3x could overflow int64."""
    if values.dtype == object:
        return True
    return values.size > 0 and int(np.max(np.abs(values.astype(np.float64)))) >= 1 << 60


def _bit_lengths(values: np.ndarray) -> np.ndarray:
    magnitude = np.abs(values.astype(np.float64))
    return np.where(magnitude > 0, np.floor(np.log2(np.maximum(magnitude, 1))) + 1, 0)


def _linear(weights: np.ndarray, rows: int, in_width: float) -> tuple[int, int]:
    """(terms, LUTs) of ``rows`` applications of a weight matrix (inputs x outputs)."""
    digits = csd_weights(weights)
    terms = int(digits.sum())
    outputs = int(np.count_nonzero(digits.sum(axis=0))) if digits.ndim > 1 else digits.size
    adders = max(terms - outputs, 0) * SHARED_FRACTION
    width = in_width + float(np.mean(_bit_lengths(weights)[digits > 0])) if terms else 0.0
    return terms * rows, int(round(adders * width * rows))


def _input_width(graph: Graph, node: Node) -> float:
    """The width of the node's input elements: its type's, or with per-element types (HGQ)
    the mean width of the elements that have bits."""
    if not node.inputs:
        return 0
    t = graph.tensor(node.inputs[0])
    if t.elements is None:
        return t.type.width
    widths = t.elements.width[t.elements.width > 0]
    return float(widths.mean()) if widths.size else 0.0


def _dense_weights(graph: Graph, node: Node) -> np.ndarray:
    """The dense layer's weights without the rows of inputs that are 0 bits wide everywhere
    (their products vanish)."""
    w = node.consts["weight"].values
    elements = graph.tensor(node.inputs[0]).elements
    if elements is None:
        return w
    alive = np.any(elements.width.reshape(-1, w.shape[0]) > 0, axis=0)
    return np.where(alive[:, None], w, 0)


def layer_size(graph: Graph, node: Node) -> LayerSize:
    """The estimate of one node: linear layers and products; everything else is a cast or a
    selection, counted as one LUT per output bit."""
    in_width = _input_width(graph, node)
    out_bits = node.output.size * node.output.type.width
    if node.output.elements is not None:
        out_bits = (
            node.output.size
            // max(node.output.elements.width.size, 1)
            * int(node.output.elements.total_bits)
        )
    if node.op == "dense":
        w = _dense_weights(graph, node)
        rows = node.output.size // w.shape[-1]
        terms, luts = _linear(w.reshape(w.shape[0], -1), rows, in_width)
    elif node.op == "conv":
        w = node.consts["weight"].values
        kernel = w.reshape(-1, w.shape[-1])
        terms, luts = _linear(kernel, node.output.size // w.shape[-1], in_width)
    elif node.op == "scale_shift":
        scale = node.consts["scale"].values.reshape(1, -1)
        terms, luts = _linear(scale, node.output.size // scale.size, in_width)
        luts += out_bits
    elif node.op == "multiply":
        other = graph.tensor(node.inputs[1]).type.width
        terms, luts = node.output.size * other, node.output.size * in_width * other
    else:
        return LayerSize(node.name, 0, out_bits if node.op != "input" else 0)
    return LayerSize(node.name, terms, luts + out_bits)


def estimate_size(graph: Graph) -> SizeEstimate:
    """The size of the fully parallel design of ``graph``."""
    return SizeEstimate(tuple(layer_size(graph, node) for node in graph.nodes))


def size_limit(options: BackendOptions) -> tuple[int, str] | None:
    """The LUT limit of the design and where it comes from: ``--max-luts``, else the part's
    LUTs; None for a part trigc has no figures of."""
    if options.max_luts is not None:
        return options.max_luts, "--max-luts"
    try:
        device = find_device(options.part)
    except TrigcError:
        return None
    return device.lut, f"the whole {device.name}"


def check_size(graph: Graph, options: BackendOptions) -> SizeEstimate:
    """The estimate, or a :class:`TrigcError` naming what to do when it exceeds the limit
    (:func:`size_limit`)."""
    estimate = estimate_size(graph)
    limit = size_limit(options)
    if limit is None or estimate.luts <= limit[0]:
        return estimate
    limit, limit_source = limit
    largest = ", ".join(
        f"{layer.node} ~{layer.luts:,} LUTs ({layer.terms:,} weight digits)"
        for layer in estimate.largest()
    )
    raise TrigcError(
        f"the rtl backend builds every multiplication in parallel, and this model's design "
        f"would need about {estimate.luts:,} LUTs ({estimate.terms:,} non-zero weight digits "
        f"over all rows), more than {limit_source} ({limit:,} LUTs); largest layers: "
        f"{largest}. To fit: prune (trigc.quantize), quantize the weights to fewer bits, or use "
        f"the hls backend alone with a reuse factor (--backend hls "
        f"--reuse-factor N), which time-multiplexes the multiplications"
    )
