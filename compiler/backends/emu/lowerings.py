"""One C++ lowering per IR op: :data:`LOWERINGS` maps an op name to a function writing the
node's buffer, tables and steps into a :class:`~.code.Context`.

Each lowering computes the op's exact value (as :mod:`trigc.compiler.ir.ops` defines it) in a
C++ integer wide enough for the node's exact range, then casts it to the node's output type
with :func:`~.arith.cast_code`; constants that only pass through a cast (table entries, the
one-hot values, ``±1``) are cast here, in Python, with the IR's own :func:`cast`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...ir.fixed import FixedType, cast
from ...ir.graph import Node
from ...ir.ops.conv import window_index
from ...ir.ops.lut import index_shift, index_type
from ...ir.ops.rearrange import source_index
from .arith import INT32, INT64, EmuError, cast_code, holding
from .code import Context, element_loop, event_loop
from .linear import conv_outputs, dense_outputs, lower_linear

Lowering = Callable[[Context, Node], None]


def _cast_constants(values: np.ndarray, frac: int, dst: FixedType) -> np.ndarray:
    """Exact constants with ``frac`` fractional bits, cast to ``dst`` as the IR does."""
    values = np.asarray(values).astype(object)
    return cast(values, FixedType(200, 200 - frac), dst).astype(object)


def _input(ctx: Context, node: Node) -> None:
    ctx.define(node)


def _dense(ctx: Context, node: Node) -> None:
    t = ctx.graph.tensor(node.inputs[0])
    lower_linear(ctx, node, dense_outputs(node, t.shape, t.type.frac))


def _conv(ctx: Context, node: Node) -> None:
    t = ctx.graph.tensor(node.inputs[0])
    lower_linear(ctx, node, conv_outputs(node, t.shape, t.type.frac))


def _elementwise(ctx: Context, node: Node, expr: str) -> None:
    """``y[k] = cast(expr)`` for every element, where ``expr`` reads ``x`` (the input element)
    and is exact in the node's exact range."""
    x = ctx.buffer(node.inputs[0])
    exact = ctx.exact_of(node)
    work = holding(exact.min, exact.max, ctx.what(node))
    c = ctx.output_cast(node)
    y = ctx.define(node)
    body = [
        f"const auto x = {x}[k][e];",
        f"const {work.name} v = {expr};",
        f"{y}[k][e] = {c.text};",
    ]
    ctx.step(node, element_loop(node.output.size, body))


def _shifted(ctx: Context, node: Node, value: str, shift: int) -> str:
    exact = ctx.exact_of(node)
    work = holding(min(exact.min, 0), max(exact.max, 1 << shift), ctx.what(node))
    return f"{work.name}({value}) * ({work.name}(1) << {shift})" if shift else value


def _relu(ctx: Context, node: Node) -> None:
    _elementwise(ctx, node, "(x > 0 ? x : 0)")


def _requantize(ctx: Context, node: Node) -> None:
    if node.output.elements is not None:
        _requantize_per_element(ctx, node)
        return
    _elementwise(ctx, node, "x")


def _requantize_per_element(ctx: Context, node: Node) -> None:
    """One loop per distinct element type, over a table of the elements that have it: each
    element cast to its own type, then scaled to the container's fractional bits; 0-bit
    elements are set to zero."""
    elements, container = node.output.elements, node.output.type
    assert elements is not None
    exact = ctx.exact_of(node)
    x = ctx.buffer(node.inputs[0])
    y = ctx.define(node)
    out = ctx.ctype(node.output.name)
    lines: list[str] = []
    for t, index in elements.groups():
        table = ctx.table(f"{node.name}_elements", INT32, index)
        if t is None:
            body = [f"{y}[{table}[j]][e] = {out.name}(0);"]
        else:
            c = cast_code("x", exact.min, exact.max, exact.frac, t, ctx.what(node))
            shift = container.frac - t.frac
            value = f"{out.name}({out.name}({c.text}) * ({out.name}(1) << {shift}))"
            body = [f"const auto x = {x}[{table}[j]][e];", f"{y}[{table}[j]][e] = {value};"]
        lines += [f"for (int j = 0; j < {len(index)}; ++j) {{", *event_loop(body, "  "), "}"]
    ctx.step(node, lines)


def _reshape(ctx: Context, node: Node) -> None:
    source = ctx.graph.tensor(node.inputs[0])
    if source.type == node.output.type:  # the same elements in the same order
        ctx.alias(node, source.name)
        return
    _elementwise(ctx, node, "x")


def _leaky_relu(ctx: Context, node: Node) -> None:
    _elementwise(ctx, node, f"(x > 0 ? {_shifted(ctx, node, 'x', node.attrs['shift'])} : x)")


def _relu_max(ctx: Context, node: Node) -> None:
    in_frac = ctx.graph.tensor(node.inputs[0]).type.frac
    frac = max(in_frac, 0)
    top = node.attrs["max_value"] << frac
    work = holding(min(ctx.exact_of(node).min, 0), top, ctx.what(node))
    value = _shifted(ctx, node, "x", frac - in_frac)
    _elementwise(ctx, node, f"detail::clip<{work.name}>({value}, 0, {work.literal(top)})")


def _binary(ctx: Context, node: Node) -> None:
    x = ctx.buffer(node.inputs[0])
    one, minus = _cast_constants(np.array([1, -1]), 0, node.output.type)
    y = ctx.define(node)
    t = ctx.ctype(node.output.name)
    body = [f"{y}[k][e] = {x}[k][e] >= 0 ? {t.literal(one)} : {t.literal(minus)};"]
    ctx.step(node, element_loop(node.output.size, body))


def _merge(ctx: Context, node: Node) -> None:
    a, b = (ctx.graph.tensor(name) for name in node.inputs)
    exact = ctx.exact_of(node)
    shifts = (
        [0, 0] if node.op == "multiply" else [exact.frac - a.type.frac, exact.frac - b.type.frac]
    )
    bounds = [exact.min, exact.max]
    for name, shift in zip(node.inputs, shifts, strict=True):
        r = ctx.input_range(name)
        bounds += [r.min << shift, r.max << shift, 1 << shift]
    work = holding(min(bounds), max(bounds), ctx.what(node))
    pa, pb = (
        f"{work.name}({v}) * ({work.name}(1) << {shift})" if shift else f"{work.name}({v})"
        for v, shift in zip("pq", shifts, strict=True)
    )
    operator = {"add": "+", "subtract": "-", "multiply": "*"}[node.op]
    c = ctx.output_cast(node)
    pa_buf, pb_buf = (ctx.buffer(name) for name in node.inputs)
    y = ctx.define(node)
    body = [
        f"const auto p = {pa_buf}[k][e];",
        f"const auto q = {pb_buf}[k][e];",
        f"const {work.name} v = {pa} {operator} {pb};",
        f"{y}[k][e] = {c.text};",
    ]
    ctx.step(node, element_loop(node.output.size, body))


def _scale_shift(ctx: Context, node: Node) -> None:
    s, t = node.consts["scale"], node.consts["shift"]
    in_t = ctx.graph.tensor(node.inputs[0]).type
    prod_frac = in_t.frac + s.type.frac
    frac = max(prod_frac, t.type.frac)
    scale = [int(v) << (frac - prod_frac) for v in s.values]
    shift = [int(v) << (frac - t.type.frac) for v in t.values]
    r = ctx.input_range(node.inputs[0])
    exact = ctx.exact_of(node)
    x_abs = max(abs(r.min), abs(r.max))
    bound = x_abs * max(map(abs, scale), default=0) + max(map(abs, shift), default=0)
    work = holding(min(-bound, exact.min), max(bound, exact.max), ctx.what(node))
    table_t = work if work.bits <= 64 else INT64
    st = ctx.table(f"{node.name}_scale", table_t, scale)
    tt = ctx.table(f"{node.name}_shift", table_t, shift)
    channels = len(scale)
    x = ctx.buffer(node.inputs[0])
    c = ctx.output_cast(node)
    y = ctx.define(node)
    body = [
        f"const int k = p * {channels} + ch;",
        f"const {work.name} v = {work.name}({x}[k][e]) * {st}[ch] + {tt}[ch];",
        f"{y}[k][e] = {c.text};",
    ]
    ctx.step(
        node,
        [
            f"for (int p = 0; p < {node.output.size // max(channels, 1)}; ++p) {{",
            f"  for (int ch = 0; ch < {channels}; ++ch) {{",
            *event_loop(body, "    "),
            "  }",
            "}",
        ],
    )


def _concatenate(ctx: Context, node: Node) -> None:
    a, b = (ctx.graph.tensor(name) for name in node.inputs)
    axis = node.attrs["axis"]
    places = np.arange(node.output.size).reshape(node.output.shape)
    split = [a.shape[axis]]
    exact = ctx.exact_of(node)
    lines: list[str] = []
    casts = []
    for t, part in zip((a, b), np.split(places, split, axis=axis), strict=True):
        shift = exact.frac - t.type.frac
        r = ctx.input_range(t.name)
        work = holding(r.min << shift, r.max << shift, ctx.what(node))
        value = f"{work.name}(x) * ({work.name}(1) << {shift})" if shift else "x"
        c = cast_code(
            value, r.min << shift, r.max << shift, exact.frac, node.output.type, ctx.what(node)
        )
        casts.append((t, part.reshape(-1), c))
    y = ctx.define(node)
    for t, places_of_t, c in casts:
        where = ctx.table(f"{node.name}_from_{t.name}", INT32, places_of_t)
        body = [f"const auto x = {ctx.buffer(t.name)}[k][e];", f"{y}[{where}[k]][e] = {c.text};"]
        lines += element_loop(t.size, body)
    ctx.step(node, lines)


def _rearrange(ctx: Context, node: Node) -> None:
    """Each output element copies one input element (or is zero): a table of sources."""
    src = ctx.graph.tensor(node.inputs[0])
    index = source_index(node.attrs, src.shape)
    table = ctx.table(f"{node.name}_from", INT32, index)
    exact = ctx.exact_of(node)
    work = holding(min(exact.min, 0), max(exact.max, 0), ctx.what(node))
    c = ctx.output_cast(node)
    x = ctx.buffer(src.name)
    y = ctx.define(node)
    body = [
        f"const int s = {table}[k];",
        f"const {work.name} v = s >= 0 ? {work.name}({x}[s][e]) : {work.name}(0);",
        f"{y}[k][e] = {c.text};",
    ]
    ctx.step(node, element_loop(node.output.size, body))


def _pool(ctx: Context, node: Node) -> None:
    src = ctx.graph.tensor(node.inputs[0])
    channels = src.shape[-1]
    index = window_index(node.attrs, src.shape)
    n_window = int(np.prod(node.attrs["kernel"]))
    windows = index.reshape(-1, n_window)  # spatial positions, no padding in pooling
    sources = (windows[:, None, :] * channels + np.arange(channels)[None, :, None]).reshape(
        -1, n_window
    )
    table = ctx.table(f"{node.name}_window", INT32, sources)
    exact = ctx.exact_of(node)
    r = ctx.input_range(src.name)
    work = holding(min(exact.min, r.min), max(exact.max, r.max), ctx.what(node))
    c = ctx.output_cast(node)
    x = ctx.buffer(src.name)
    y = ctx.define(node)
    combine = "v = x > v ? x : v;" if node.op == "max_pool" else "v += x;"
    body = [
        f"{work.name} v = {x}[{table}[k * {n_window}]][e];",
        f"for (int j = 1; j < {n_window}; ++j) {{",
        f"  const {work.name} x = {x}[{table}[k * {n_window} + j]][e];",
        f"  {combine}",
        "}",
        f"{y}[k][e] = {c.text};",
    ]
    ctx.step(node, element_loop(node.output.size, body))


def _lut(ctx: Context, node: Node) -> None:
    table = node.consts["table"]
    size = table.values.shape[0]
    src = ctx.graph.tensor(node.inputs[0])
    r = ctx.input_range(src.name)
    index = cast_code(
        "x", r.min, r.max, src.type.frac - index_shift(node), index_type(size), ctx.what(node)
    )
    entries = _cast_constants(table.values, table.type.frac, node.output.type)
    out_t = ctx.ctype(node.output.name)
    name = ctx.table(f"{node.name}_table", out_t, entries)
    x = ctx.buffer(src.name)
    y = ctx.define(node)
    body = [f"const auto x = {x}[k][e];", f"{y}[k][e] = {name}[{index.text} + {size // 2}];"]
    ctx.step(node, element_loop(node.output.size, body))


def _softmax(ctx: Context, node: Node) -> None:
    exp_c, inv_c = node.consts["exp_table"], node.consts["inv_table"]
    sum_t = FixedType.parse(node.attrs["sum_type"])
    width = node.attrs["input_width"]
    exp_bits = exp_c.values.shape[0].bit_length() - 1
    inv_bits = inv_c.values.shape[0].bit_length() - 1
    n = node.output.shape[-1]
    exp_values = [int(v) for v in exp_c.values]
    inv_values = [int(v) for v in inv_c.values]
    what = ctx.what(node)
    e_t = holding(min(exp_values), max(exp_values), what)
    sum_lo, sum_hi = n * min(min(exp_values), 0), n * max(max(exp_values), 0)
    s_t = holding(sum_lo, sum_hi, what)
    exact = ctx.exact_of(node)
    p_t = holding(exact.min, exact.max, what)
    inv_t = holding(min(inv_values), max(inv_values), what)
    sum_cast = cast_code("s", sum_lo, sum_hi, exp_c.type.frac, sum_t, what)
    out_cast = ctx.output_cast(node)
    exp_table = ctx.table(f"{node.name}_exp", e_t if e_t.bits <= 64 else INT64, exp_values)
    inv_table = ctx.table(f"{node.name}_inv", inv_t if inv_t.bits <= 64 else INT64, inv_values)
    x = ctx.buffer(node.inputs[0])
    y = ctx.define(node)
    body = [
        f"{e_t.name} ex[{n}];",
        f"{s_t.name} s = 0;",
        f"for (int i = 0; i < {n}; ++i) {{",
        f"  ex[i] = {exp_table}[detail::top_bits<{width}, {exp_bits}>({x}[r * {n} + i][e])];",
        "  s += ex[i];",
        "}",
        f"const auto sum = {sum_cast.text};",
        f"const {p_t.name} inv = {inv_table}[detail::top_bits<{sum_t.width}, {inv_bits}>(sum)];",
        f"for (int i = 0; i < {n}; ++i) {{",
        f"  const {p_t.name} v = {p_t.name}(ex[i]) * inv;",
        f"  {y}[r * {n} + i][e] = {out_cast.text};",
        "}",
    ]
    rows = node.output.size // n
    ctx.step(node, [f"for (int r = 0; r < {rows}; ++r) {{", *event_loop(body, "  "), "}"])


def _argmax(ctx: Context, node: Node) -> None:
    one, zero = _cast_constants(np.array([1, 0]), 0, node.output.type)
    n = node.output.shape[-1]
    t = ctx.ctype(node.output.name)
    x = ctx.buffer(node.inputs[0])
    y = ctx.define(node)
    body = [
        "int best = 0;",
        f"for (int i = 1; i < {n}; ++i) {{",
        f"  if ({x}[r * {n} + i][e] > {x}[r * {n} + best][e]) best = i;",
        "}",
        f"for (int i = 0; i < {n}; ++i) {{",
        f"  {y}[r * {n} + i][e] = i == best ? {t.literal(one)} : {t.literal(zero)};",
        "}",
    ]
    rows = node.output.size // n
    ctx.step(node, [f"for (int r = 0; r < {rows}; ++r) {{", *event_loop(body, "  "), "}"])


LOWERINGS: dict[str, Lowering] = {
    "input": _input,
    "dense": _dense,
    "conv": _conv,
    "relu": _relu,
    "requantize": _requantize,
    "reshape": _reshape,
    "leaky_relu": _leaky_relu,
    "relu_max": _relu_max,
    "binary": _binary,
    "add": _merge,
    "subtract": _merge,
    "multiply": _merge,
    "scale_shift": _scale_shift,
    "concatenate": _concatenate,
    "rearrange": _rearrange,
    "max_pool": _pool,
    "avg_pool": _pool,
    "lut": _lut,
    "softmax": _softmax,
    "argmax": _argmax,
}


def lower_node(ctx: Context, node: Node) -> None:
    """Write one node, or say which op the emulator cannot run."""
    lowering = LOWERINGS.get(node.op)
    if lowering is None:
        raise EmuError(
            f"{ctx.what(node)}: the C++ emulator has no lowering for op {node.op!r}; it runs "
            f"{', '.join(sorted(LOWERINGS))}. Lower it in a pass first or use another backend."
        )
    lowering(ctx, node)
