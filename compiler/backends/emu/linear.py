"""Dense and convolution layers in the emulator: sums of constant multiples of input elements.

Both become a list of :class:`Output` s (one per output element, in order): the bias and the
non-zero ``(input element, weight)`` terms, with the alignment of products and bias to the
exact sum's fractional bits folded into the constants, so the C++ holds no shifts.  Pruned
weights cost nothing.  Small layers are unrolled (one expression per output, its accumulator in
a register: the compiler vectorizes each over the events of a block); layers with more than
:data:`UNROLL_TERMS` terms read the same terms from tables instead, so that the source stays
small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...ir.graph import Node
from ...ir.ops.conv import window_index
from .arith import INT64, CInt, holding
from .code import Context, event_loop

UNROLL_TERMS = 40_000
"""Above this many multiplications a layer is written as loops over constant tables."""


@dataclass(frozen=True)
class Output:
    """One output element: ``bias + sum(weight * x[index])``."""

    bias: int
    terms: tuple[tuple[int, int], ...]


def _align(node: Node, x_frac: int) -> tuple[int, int, int]:
    """Shifts that bring the products and the bias to the exact sum's fractional bits."""
    w, b = node.consts["weight"], node.consts["bias"]
    prod_frac = x_frac + w.type.frac
    frac = max(prod_frac, b.type.frac)
    return frac - prod_frac, frac - b.type.frac, frac


def dense_outputs(node: Node, in_shape: tuple[int, ...], x_frac: int) -> list[Output]:
    w = np.asarray(node.consts["weight"].values).astype(object)
    b = np.asarray(node.consts["bias"].values).astype(object)
    w_shift, b_shift, _ = _align(node, x_frac)
    n_in, n_out = w.shape
    positions = int(np.prod(in_shape[:-1], dtype=np.int64))
    columns = [
        [(i, int(w[i, o]) << w_shift) for i in range(n_in) if w[i, o] != 0] for o in range(n_out)
    ]
    return [
        Output(int(b[o]) << b_shift, tuple((p * n_in + i, c) for i, c in columns[o]))
        for p in range(positions)
        for o in range(n_out)
    ]


def conv_outputs(node: Node, in_shape: tuple[int, ...], x_frac: int) -> list[Output]:
    w = np.asarray(node.consts["weight"].values).astype(object)
    b = np.asarray(node.consts["bias"].values).astype(object)
    w_shift, b_shift, _ = _align(node, x_frac)
    c_in, c_out = w.shape[-2], w.shape[-1]
    taps = w.reshape(-1, c_in, c_out)
    index = window_index(node.attrs, in_shape)
    n_taps = taps.shape[0]
    windows = index.reshape(-1, n_taps)
    outputs = []
    for q in windows:
        for o in range(c_out):
            terms = tuple(
                (int(q[t]) * c_in + ci, int(taps[t, ci, o]) << w_shift)
                for t in range(n_taps)
                if q[t] >= 0
                for ci in range(c_in)
                if taps[t, ci, o] != 0
            )
            outputs.append(Output(int(b[o]) << b_shift, terms))
    return outputs


def lower_linear(ctx: Context, node: Node, outputs: list[Output]) -> None:
    """Write the sums of ``outputs`` (``outputs[k]`` is output element ``k``)."""
    (src,) = node.inputs
    x, r = ctx.buffer(src), ctx.input_range(src)
    magnitude = np.maximum(np.abs(r.lo), np.abs(r.hi)).reshape(-1)
    bound = max(
        (abs(o.bias) + sum(abs(c) * int(magnitude[i]) for i, c in o.terms) for o in outputs),
        default=0,
    )
    acc = holding(-bound, bound, ctx.what(node))
    cast = ctx.output_cast(node, "a")
    y = ctx.define(node)
    n_terms = sum(len(o.terms) for o in outputs)
    if n_terms <= UNROLL_TERMS:
        lines: list[str] = []
        for k, o in enumerate(outputs):
            terms = "".join(_term(acc, f"{x}[{i}][e]", c) for i, c in o.terms)
            if o.bias or not terms:
                expr = acc.literal(o.bias) + terms
            else:  # no zero bias: the first term without its " + "
                expr = terms[3:] if terms.startswith(" + ") else f"-{terms[3:]}"
            lines += event_loop([f"const {acc.name} a = {expr};", f"{y}[{k}][e] = {cast.text};"])
        ctx.step(node, lines)
        return
    table_type = acc if acc.bits <= 64 else INT64
    base = f"{node.name}_"
    starts = np.cumsum([0] + [len(o.terms) for o in outputs])
    start = ctx.table(base + "start", INT64, starts)
    source = ctx.table(base + "source", INT64, [i for o in outputs for i, _ in o.terms])
    weight = ctx.table(base + "weight", table_type, [c for o in outputs for _, c in o.terms])
    bias = ctx.table(base + "bias", table_type, [o.bias for o in outputs])
    ctx.step(
        node,
        [
            f"for (int k = 0; k < {len(outputs)}; ++k) {{",
            f"  {acc.name} sum[kBlock];",
            f"  for (int e = 0; e < kBlock; ++e) sum[e] = {acc.name}({bias}[k]);",
            f"  for (std::int64_t t = {start}[k]; t < {start}[k + 1]; ++t) {{",
            f"    const {acc.name} c = {weight}[t];",
            f"    const auto* xs = {x}[{source}[t]];",
            f"    for (int e = 0; e < kBlock; ++e) sum[e] += {acc.name}(xs[e]) * c;",
            "  }",
            *event_loop([f"const {acc.name} a = sum[e];", f"{y}[k][e] = {cast.text};"], "  "),
            "}",
        ],
    )


def _term(acc: CInt, x: str, c: int) -> str:
    sign = " + " if c > 0 else " - "
    magnitude = abs(c)
    if magnitude == 1:
        return f"{sign}{acc.name}({x})"
    return f"{sign}{acc.name}({x}) * {acc.literal(magnitude)}"
