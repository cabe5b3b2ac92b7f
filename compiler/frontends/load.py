"""Which frontend reads a model file: dispatch by file type.

``.keras``: Keras 3 / qkeras-v3, or HGQ2 (told apart by the layers' modules); ``.h5``: a
Keras 2 / QKeras 0.9 model file (HGQ proxy models among them); ``.json`` with
``weights``: a Keras 2 architecture and its weights file; ``.onnx``: ONNX or QONNX.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..caches import content_key, package_versions, read_entry, write_entry
from ..errors import InexactError, TrigcError, UnsupportedModelError
from ..ir.graph import Graph
from ..ir.serialize import graph_from_dict, graph_to_dict
from ..progress import Progress
from .layers.builder import FrontendOptions

Reader = Callable[[Path, Path | None, FrontendOptions, Progress], tuple[Graph, list[str]]]


def _read_keras(path: Path, weights: Path | None, options: FrontendOptions, progress: Progress):
    with progress.phase("load (Keras)"):
        from .keras3.reader import load_keras_model, lower_keras  # noqa: PLC0415  (imports Keras)

        model = load_keras_model(path)
    with progress.phase("lower"):
        return lower_keras(model, options)


def _read_hgq2(path: Path, weights: Path | None, options: FrontendOptions, progress: Progress):
    from .hgq.hgq2 import from_hgq2  # noqa: PLC0415

    with progress.phase("load + lower (HGQ2 file)"):
        return from_hgq2(path, options)


def _read_legacy(path: Path, weights: Path | None, options: FrontendOptions, progress: Progress):
    from .keras2.reader import from_legacy_keras  # noqa: PLC0415

    with progress.phase("load + lower (Keras 2 file)"):
        return from_legacy_keras(path, weights, options)


def _read_onnx(path: Path, weights: Path | None, options: FrontendOptions, progress: Progress):
    with progress.phase("load + lower (ONNX)"):
        from .onnx.frontend import from_onnx  # noqa: PLC0415  (imports onnx)

        return from_onnx(path, options)


def _onnx_external_data(path: Path) -> tuple[Path, ...]:
    from .onnx.reader import external_data_files  # noqa: PLC0415  (imports onnx)

    return external_data_files(path)


def _no_companions(path: Path) -> tuple[Path, ...]:
    return ()


@dataclass(frozen=True)
class FileFormat:
    """A model file format: its name, its reader, the reference verify runs it with, and the
    files a model file refers to (ONNX's external data, which PyTorch's exporter writes)."""

    name: str
    reader: Reader
    reference: str  # "keras" or "onnx": see trigc.compiler.frontends.{keras,onnx}_reference
    takes_weights: bool = False  # a separate weights file (--weights)
    companions: Callable[[Path], tuple[Path, ...]] = _no_companions


FORMATS: dict[str, FileFormat] = {
    ".keras": FileFormat("keras", _read_keras, "keras"),
    ".h5": FileFormat("keras2-h5", _read_legacy, "keras"),
    ".json": FileFormat("keras2-json", _read_legacy, "keras", takes_weights=True),
    ".onnx": FileFormat("onnx", _read_onnx, "onnx", companions=_onnx_external_data),
}
"""File suffix -> format: the one table of what trigc reads."""
HGQ2_FORMAT = FileFormat("hgq2", _read_hgq2, "keras")
"""A ``.keras`` file of HGQ2 layers (told apart by its configuration, :func:`model_format`):
read without Keras, verified against the float64 NumPy evaluation of the file as read."""
FORMAT_HELP = (
    ".keras (Keras 3 / qkeras-v3, or HGQ2), .h5 (Keras 2 / QKeras 0.9 model file), .json with "
    "--weights (Keras 2 architecture + weights file), .onnx (ONNX / QONNX)"
)
REFERENCES = {f.name: f.reference for f in (*FORMATS.values(), HGQ2_FORMAT)}
"""Format name -> the reference it is verified against."""


@dataclass(frozen=True)
class LoadedModel:
    """An untyped IR graph read from files, and what verify needs to know about it."""

    graph: Graph
    format: str
    files: tuple[Path, ...]
    approximated: tuple[str, ...] = field(default_factory=tuple)
    companions: tuple[Path, ...] = ()  # files the model file names (next to it)


def model_format(path: Path, weights: Path | None = None) -> FileFormat:
    """The format of ``path``; the error lists the supported file types."""
    path = Path(path)
    if path.is_dir():
        raise TrigcError(f"{path}: is a directory; pass a model file: {FORMAT_HELP}")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise TrigcError(
            f"{path}: unknown model file type {path.suffix or '(none)'!r}; trigc reads "
            f"{FORMAT_HELP}"
        )
    if fmt.name == "keras" and path.is_file():
        from .hgq.hgq2 import is_hgq2_file  # noqa: PLC0415

        if is_hgq2_file(path):
            fmt = HGQ2_FORMAT
    if weights is not None and not fmt.takes_weights:
        raise TrigcError(
            f"{path}: --weights goes with a Keras 2 architecture file (.json) only; "
            f"{path.suffix} files hold their own weights"
        )
    return fmt


def read_model(
    path: Path,
    weights: Path | None = None,
    options: FrontendOptions | None = None,
    progress: Progress | None = None,
) -> LoadedModel:
    """Read ``path`` (and ``weights``) with the frontend its file type calls for.

    Errors about the model's contents name the file first.
    """
    path = Path(path)
    try:
        return _read(path, weights, options, progress or Progress())
    except (UnsupportedModelError, InexactError) as exc:
        message = str(exc)
        if message.startswith((str(path), path.name)):
            raise
        raise type(exc)(f"{path.name}: {message}") from None


def _read(
    path: Path, weights: Path | None, options: FrontendOptions | None, progress: Progress
) -> LoadedModel:
    options = options or FrontendOptions()
    fmt = model_format(path, weights)
    if not path.exists():
        raise TrigcError(f"{path}: no such file")
    if path.is_dir():
        raise TrigcError(f"{path}: is a directory, not a model file ({FORMAT_HELP})")
    files = (path, Path(weights)) if weights is not None else (path,)
    companions = fmt.companions(path)
    graph, approximated = _cached_read(fmt, files, companions, options, progress)
    return LoadedModel(graph, fmt.name, files, tuple(approximated), companions)


LIBRARIES = ("keras", "qkeras", "tensorflow", "onnx", "qonnx", "numpy", "h5py")
"""What a frontend's result depends on besides the files, the options and trigc itself."""


def _cached_read(
    fmt: FileFormat,
    files: tuple[Path, ...],
    companions: tuple[Path, ...],
    options: FrontendOptions,
    progress: Progress,
) -> tuple[Graph, list[str]]:
    """The reader's result, from the cache when the same files were read with the same options,
    libraries and trigc source before (a re-compile then needs no Keras or ONNX import)."""
    weights = files[1] if len(files) > 1 else None
    try:
        key = content_key(files + companions, fmt.name, repr(options), package_versions(LIBRARIES))
    except OSError:  # an unreadable or missing file: the reader says which, and how to fix it
        return fmt.reader(files[0], weights, options, progress)
    hit = read_entry("frontend", key, ".json")
    if hit is not None:
        start = progress.elapsed()
        entry = json.loads(hit.read_text())
        graph = graph_from_dict(entry["graph"])
        progress.record("load + lower", progress.elapsed() - start, "cached")
        return graph, list(entry["approximated"])
    graph, approximated = fmt.reader(
        files[0], files[1] if len(files) > 1 else None, options, progress
    )
    entry = {"graph": graph_to_dict(graph), "approximated": list(approximated)}
    write_entry("frontend", key, ".json", json.dumps(entry, sort_keys=True).encode())
    return graph, list(approximated)
