"""Input vectors from the files physicists have: ROOT trees, HDF5 datasets, NumPy and CSV.

``--inputs`` names one of

* ``events.root:tree`` with ``--branches a,b,c`` (read with uproot; one flat branch per input
  element, in order);
* ``data.h5:dataset`` (h5py; ``.hdf5`` too);
* ``x.npy`` or ``data.npz:array`` (the array may be omitted when the file holds one);
* ``x.csv`` (numbers separated by commas, one vector per row; a header row is skipped).

Values must lie on the input type's grid, or ``--quantize-inputs`` rounds them as ``ap_fixed``
assignment does (the input type's rounding, then its overflow mode) and reports how many
moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import TrigcError
from ..ir.fixed import FixedType, cast
from ..ir.graph import Graph
from . import events
from .stimuli import read_npy

SUFFIXES = (".root", ".h5", ".hdf5", ".npy", ".npz", ".csv")


@dataclass(frozen=True)
class InputVectors:
    """Mantissas ``(n, *shape)`` and how many values quantization moved (``None``: none was
    asked for)."""

    mantissas: np.ndarray
    moved: int | None = None
    source: str = ""


def _split(spec: str) -> tuple[Path, str | None]:
    text = str(spec)
    for suffix in SUFFIXES:
        at = text.find(suffix + ":")
        if at >= 0:
            return Path(text[: at + len(suffix)]), text[at + len(suffix) + 1 :]
    return Path(text), None


def read_values(spec: str | Path, branches: list[str] | None = None) -> np.ndarray:
    """The real values a ``--inputs`` spec names, as float64 ``(n, ...)``."""
    path, key = _split(str(spec))
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "no such file"
        raise TrigcError(f"{path}: {what} (--inputs {spec})")
    suffix = path.suffix.lower()
    try:
        if suffix == ".root":
            values = _root(path, key, branches, str(spec))
        elif suffix in (".h5", ".hdf5"):
            values = _hdf5(path, key, str(spec))
        elif suffix == ".npz":
            with np.load(path) as npz:
                names = list(npz.files)
                if key is None and len(names) != 1:
                    raise TrigcError(
                        f"--inputs {spec}: the file holds {names}; name one as {path}:ARRAY"
                    )
                name = key or names[0]
                if name not in names:
                    raise TrigcError(f"--inputs {spec}: no array {name!r}; the file holds {names}")
                values = npz[name]
        elif suffix == ".npy":
            values = read_npy(path)
        elif suffix == ".csv":
            values = _csv(path, str(spec))
        else:
            raise TrigcError(
                f"--inputs {spec}: unknown file type {suffix!r}; give a .root, .h5, .npy, .npz "
                "or .csv file"
            )
    except (OSError, ValueError, EOFError, KeyError) as exc:
        raise TrigcError(f"--inputs {spec}: cannot read {path} ({exc})") from None
    values = np.asarray(values)
    if values.dtype.kind not in "biuf":
        kind = "complex" if values.dtype.kind == "c" else "not"
        raise TrigcError(
            f"{path}: holds {values.dtype} values ({kind} real numbers); input vectors are "
            "real numbers"
        )
    return values.astype(np.float64)


def _root(path: Path, key: str | None, branches: list[str] | None, spec: str) -> np.ndarray:
    import uproot

    if key is None or not branches:
        raise TrigcError(f"--inputs {spec}: give the tree as FILE.root:TREE and --branches a,b,c")
    with uproot.open(path) as f:
        if key not in f:
            raise TrigcError(f"--inputs {spec}: no tree {key!r}; the file has {list(f.keys())}")
        tree = f[key]
        missing = [b for b in branches if b not in tree.keys()]
        if missing:
            raise TrigcError(
                f"--inputs {spec}: no branch(es) {missing} in {key!r}; it has {tree.keys()}"
            )
        arrays = tree.arrays(branches, library="np")
    columns = []
    for b in branches:
        column = arrays[b]
        if column.dtype == object:
            raise TrigcError(
                f"--inputs {spec}: branch {b!r} is jagged (a list per event); give one flat "
                "branch per input element"
            )
        columns.append(column.reshape(len(column), -1))
    return np.concatenate(columns, axis=1)


def _hdf5(path: Path, key: str | None, spec: str) -> np.ndarray:
    import h5py

    with h5py.File(path, "r") as f:
        if key is None:
            names = [k for k in f if isinstance(f[k], h5py.Dataset)]
            if len(names) != 1:
                raise TrigcError(f"--inputs {spec}: name the dataset as {path}:DATASET ({names})")
            key = names[0]
        if key not in f or not isinstance(f[key], h5py.Dataset):
            raise TrigcError(f"--inputs {spec}: no dataset {key!r} in {path}")
        return f[key][()]


def _csv(path: Path, spec: str) -> np.ndarray:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    try:
        float(lines[0].split(",")[0]) if lines else None
        skip = 0
    except ValueError:
        skip = 1
    if len(lines) <= skip:
        raise TrigcError(f"--inputs {spec}: the file holds no rows of numbers")
    return np.loadtxt(path, delimiter=",", skiprows=skip, ndmin=2)


def quantize_values(values: np.ndarray, t: FixedType) -> tuple[np.ndarray, int]:
    """Mantissas of ``values`` in ``t`` as ``ap_fixed`` assignment gives them (rounding, then
    overflow), and how many values were not already on the grid and in range."""
    s = np.ldexp(values, t.frac)
    f = np.floor(s)
    exact = s == f
    half = f + 0.5
    above, tie = s > half, s == half
    up = {
        "TRN": np.zeros(s.shape, bool),
        "TRN_ZERO": s < 0,
        "RND": above | tie,
        "RND_ZERO": above | (tie & (s < 0)),
        "RND_INF": above | (tie & (s > 0)),
        "RND_MIN_INF": above,
        "RND_CONV": above | (tie & (np.fmod(f, 2) != 0)),
    }[t.rounding]
    rounded = np.where(exact, f, f + up)
    limit = float(1 << 62)
    clamped = np.clip(rounded, -limit, limit).astype(np.int64)
    mantissas = cast(clamped, FixedType(64, 64 - t.frac), t)
    moved = int(np.count_nonzero((~exact) | (mantissas != clamped)))
    return mantissas, moved


def read_vectors(
    graph: Graph, spec: str | Path, branches: list[str] | None = None, quantize: bool = False
) -> InputVectors:
    """Input mantissas for ``graph`` from a ``--inputs`` spec (see the module docstring).

    A model with several inputs takes event rows: every input flattened, side by side in the
    model's order (:mod:`trigc.compiler.vectors.events`), one row per event."""
    path = _split(str(spec))[0]
    values = read_values(spec, branches)
    if len(graph.inputs) > 1:
        return _event_rows(graph, values, spec, path, quantize)
    (node,) = graph.inputs
    shape, t = node.output.shape, node.output.type
    if values.ndim == len(shape):
        values = values[None]
    if values.size and values.shape[1:] != shape:
        flat = int(np.prod(shape))
        if values.ndim == 2 and values.shape[1] == flat:
            values = values.reshape(len(values), *shape)
        else:
            raise TrigcError(
                f"{path}: vectors of shape {values.shape[1:]}, the model takes {shape} "
                f"(--inputs {spec})"
            )
    _check_values(values, spec, path)
    mantissas, moved = _on_grid(values, t, path, quantize)
    return InputVectors(mantissas, moved, str(spec))


def _check_values(values: np.ndarray, spec: str | Path, path: Path) -> None:
    if len(values) == 0:
        raise TrigcError(f"{path}: holds no vectors (--inputs {spec})")
    bad = ~np.isfinite(values)
    if bad.any():
        raise TrigcError(
            f"--inputs {spec}: vector {int(np.argwhere(bad)[0][0])} is NaN or infinite"
        )


def _on_grid(
    values: np.ndarray, t: FixedType, path: Path, quantize: bool
) -> tuple[np.ndarray, int | None]:
    """Real values → mantissas of ``t``: rounded with ``quantize``, else exactly or refused."""
    if quantize:
        return quantize_values(values, t)
    try:
        mantissas = t.from_float_exact(values, f"{path}: input")
        if mantissas.size and mantissas.min() < t.lowest_int:
            raise ValueError(
                f"{path}: input {float(t.min_value)} is outside the narrow (symmetric) range of {t}"
            )
    except ValueError as exc:
        raise TrigcError(
            f"{exc}; values must lie on the grid of the input type {t} (give --quantize-inputs "
            "to round them with its rounding and overflow modes)"
        ) from None
    return mantissas, None


def _event_rows(
    graph: Graph, values: np.ndarray, spec: str | Path, path: Path, quantize: bool
) -> InputVectors:
    slots = events.input_slots(graph)
    total = events.width(slots)
    if values.ndim == 1 and values.size == total:
        values = values[None]
    if values.ndim != 2 or values.shape[1] != total:
        layout = ", ".join(f"{s.name} {list(s.shape)}" for s in slots)
        raise TrigcError(
            f"{path}: vectors of shape {values.shape[1:]}; the model takes {len(slots)} inputs "
            f"({layout}): rows of {total} values, the inputs flattened side by side in this "
            f"order (--inputs {spec})"
        )
    _check_values(values, spec, path)
    parts, moved = [], 0
    for slot, part in zip(slots, events.split(slots, values), strict=True):
        mantissas, n = _on_grid(part.reshape(len(part), -1), slot.type, path, quantize)
        parts.append(mantissas)
        moved += n or 0
    return InputVectors(events.join(parts), moved if quantize else None, str(spec))
