"""Test vectors for verification: edge cases first, then seeded random values on the input grid."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import TrigcError
from ..ir.graph import Graph, Node


def edge_cases(graph: Graph, inp: Node | None = None) -> np.ndarray:
    """Zeros, minimum, maximum, alternating extremes, and for the first dense layer the
    inputs that drive each neuron to its largest and smallest value (saturating it), of
    input ``inp`` (default: the graph's only input)."""
    if inp is None:
        (inp,) = graph.inputs
    t, n = inp.output.type, inp.output.size
    lo, hi = t.lowest_int, t.max_int  # a narrow (SAT_SYM) input never holds -2**(W-1)
    rows = [
        np.zeros(n),
        np.full(n, lo),
        np.full(n, hi),
        np.where(np.arange(n) % 2, lo, hi),
        np.full(n, 1),
        np.full(n, -1 if t.signed else 2),
    ]
    consumers = graph.consumers(inp.output.name)
    if consumers and consumers[0].op == "dense":
        w = consumers[0].consts["weight"].values
        positions = n // len(w)  # a dense layer over the last axis of an N-D input
        for column in np.asarray(w, dtype=object).T:
            positive = np.tile([v > 0 for v in column], positions)
            rows.append(np.where(positive, hi, lo))
            rows.append(np.where(positive, lo, hi))
    return np.clip(np.array(rows, dtype=np.int64), lo, hi).reshape((-1, *inp.output.shape))


def random_vectors(graph: Graph, count: int, seed: int, inp: Node | None = None) -> np.ndarray:
    """``count`` random vectors: a third over the whole input range, a third within 1/8 of
    it and a third within 1/64, so that both saturating and ordinary values occur."""
    if inp is None:
        (inp,) = graph.inputs
    t = inp.output.type
    rng = np.random.default_rng(seed)
    out = np.empty((count, inp.output.size), dtype=np.int64)
    for k, shrink in enumerate((1, 8, 64)):
        rows = slice(k * count // 3, (k + 1) * count // 3)
        lo = -(-t.lowest_int // shrink) if t.signed else 0
        hi = max(t.max_int // shrink, min(t.max_int, 1))  # a 1-bit signed type's max is 0
        out[rows] = rng.integers(lo, hi + 1, size=(len(range(*rows.indices(count))), out.shape[1]))
    return out.reshape((count, *inp.output.shape))


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not a POSIX system
        return 1 << 40


def check_memory(graph: Graph, count: int) -> None:
    """Refuse ``count`` vectors when the IR executor's tensors alone (8 bytes per element of
    every tensor of every vector) would exceed the machine's memory."""
    per_vector = 8 * sum(max(n.output.size, 1) for n in graph.nodes)
    memory = _physical_memory()
    if count * per_vector > memory:
        most = max(memory // per_vector, 1)
        raise TrigcError(
            f"--vectors {count}: about {count * per_vector / 2**30:.3g} GiB for this model's "
            f"tensors, more than this machine's {memory / 2**30:.3g} GiB; use at most {most} "
            "vectors per run (several runs with different --seed cover more)"
        )


def make_vectors(graph: Graph, count: int, seed: int = 0) -> tuple[np.ndarray, int]:
    """``count`` input mantissa vectors (edge cases first); returns them and the edge count."""
    if count < 1 or seed < 0:
        raise TrigcError(f"need at least 1 vector and a seed >= 0 (got {count}, {seed})")
    check_memory(graph, count)
    if len(graph.inputs) == 1:
        edges = edge_cases(graph)[:count]
        rest = random_vectors(graph, max(count - len(edges), 0), seed)
        return np.concatenate([edges, rest]), len(edges)
    # Several inputs: event rows (trigc.compiler.vectors.events), each input's own edge cases side
    # by side (zeros where one input has fewer), then each input's own random values.
    per_input = [edge_cases(graph, inp).reshape(-1, inp.output.size) for inp in graph.inputs]
    n_edges = min(max(len(e) for e in per_input), count)
    edges = [
        np.concatenate([e, np.zeros((max(n_edges - len(e), 0), e.shape[1]), np.int64)])[:n_edges]
        for e in per_input
    ]
    n_rest = max(count - n_edges, 0)
    rest = [
        random_vectors(graph, n_rest, seed + 7919 * k, inp).reshape(n_rest, inp.output.size)
        for k, inp in enumerate(graph.inputs)
    ]
    rows = [np.concatenate([e, r]) for e, r in zip(edges, rest, strict=True)]
    return np.concatenate(rows, axis=1), n_edges


def read_npy(path: Path) -> np.ndarray:
    what = "expected a .npy array of input vectors, as numpy.save writes it"
    if path.is_dir():
        raise TrigcError(f"{path}: is a directory ({what})")
    try:
        values = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise TrigcError(f"{path}: no such file ({what})") from None
    except (ValueError, EOFError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TrigcError(f"{path}: not a NumPy .npy array ({reason}; {what})") from None
    if not isinstance(values, np.ndarray):  # an .npz archive
        raise TrigcError(f"{path}: an .npz archive, not one .npy array ({what})")
    if values.dtype.kind not in "biuf":
        kind = "complex" if values.dtype.kind == "c" else "not"
        raise TrigcError(
            f"{path}: holds {values.dtype} values ({kind} real numbers); input vectors are "
            "real numbers on the input type's grid"
        )
    return values


def load_vectors(graph: Graph, path: Path) -> np.ndarray:
    """Input vectors from a ``.npy`` file of real values on the input type's grid."""
    path = Path(path)
    values = read_npy(path)
    (inp,) = graph.inputs
    shape = inp.output.shape
    if values.ndim == len(shape):
        values = values[None]
    if values.shape[1:] != shape:
        raise TrigcError(
            f"{path}: vectors of shape {values.shape[1:]}, the model takes {shape} "
            f"(an array of shape (N, {', '.join(map(str, shape))}))"
        )
    if values.shape[0] == 0:
        raise TrigcError(f"{path}: holds no vectors (shape {values.shape})")
    bad = ~np.isfinite(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
    if bad.any():
        k = int(np.argwhere(bad)[0][0])
        raise TrigcError(f"{path}: vector {k} holds NaN or infinite values")
    try:
        mantissas = inp.output.type.from_float_exact(values, f"{path}: input")
        if mantissas.size and mantissas.min() < inp.output.type.lowest_int:
            raise ValueError(
                f"{path}: input {float(inp.output.type.min_value)} is outside the narrow "
                f"(symmetric) range of {inp.output.type}"
            )
        return mantissas
    except ValueError as exc:
        raise TrigcError(
            f"{exc}. Inputs must be exactly representable in the input type {inp.output.type} "
            "(on its grid); quantize them first (round to multiples of its LSB and clip to its "
            "range)."
        ) from None
