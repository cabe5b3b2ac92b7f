"""Running a scan on Dask: a ``LocalCluster`` by default, an existing scheduler, or a batch
farm through ``dask-jobqueue``; results cached by point so a re-run does only what is missing.

Each point's result lives in ``OUT/points/KEY/result.json`` (``KEY``: a hash of the point, the
spec's model/training/budget, trigc's code and the data file), next to its project and report.
A point whose result is on disk is not submitted again, whether it succeeded or failed with an
error of its own (``retry_failed`` runs those again); a point whose worker died is recorded as
failed but not kept, so the next run tries it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from trigc.compiler.errors import TrigcError

from .point import run_point
from .spec import Point, ScanSpec, file_digest, point_key

JOBQUEUES = ("htcondor", "slurm")
CODE_ROOTS = ("compiler", "quantize", "models", "firmware_templates")


@dataclass(frozen=True)
class Engine:
    """Where points run: ``workers`` local processes, or ``scheduler``, or ``jobqueue``."""

    workers: int | None = None
    scheduler: str | None = None
    jobqueue: str | None = None


def code_version() -> str:
    """A hash of trigc's Python sources and templates: a changed compiler invalidates results."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    for top in CODE_ROOTS:
        for path in sorted((root / top).rglob("*")):
            if path.suffix in (".py", ".j2", ".v", ".yaml") and path.is_file():
                h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


JOBQUEUE_DEFAULTS = {"cores": 1, "processes": 1, "memory": "4GB"}
"""One single-threaded worker per batch job unless the spec's ``jobqueue`` says otherwise."""


def jobqueue_cluster(kind: str, settings: dict[str, Any]) -> Any:
    """A dask-jobqueue cluster for ``kind`` (``htcondor`` or ``slurm``), not yet scaled: its
    ``job_script()`` is what each batch job runs."""
    if kind not in JOBQUEUES:
        raise TrigcError(f"--jobqueue {kind!r}: valid batch systems are {', '.join(JOBQUEUES)}")
    import dask_jobqueue

    defaults = dict(JOBQUEUE_DEFAULTS)
    if kind == "htcondor":
        defaults["disk"] = "2GB"  # HTCondorCluster requires a disk request
    cls = {"htcondor": dask_jobqueue.HTCondorCluster, "slurm": dask_jobqueue.SLURMCluster}[kind]
    try:
        return cls(**{**defaults, **settings})
    except (TypeError, ValueError) as exc:
        raise TrigcError(f"the spec's jobqueue settings for {kind}: {exc}") from None


def _client(engine: Engine, spec: ScanSpec, pending: int) -> Any:
    from dask.distributed import Client, LocalCluster

    if engine.scheduler:
        return Client(engine.scheduler)
    if engine.jobqueue:
        cluster = jobqueue_cluster(engine.jobqueue, spec.jobqueue)
        cluster.scale(jobs=max(1, min(pending, engine.workers or pending)))
        return Client(cluster)
    workers = engine.workers or os.cpu_count() or 1
    cluster = LocalCluster(
        n_workers=max(1, min(workers, pending)),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    )
    return Client(cluster)


def _work(spec: ScanSpec, point: Point, folder: str) -> dict[str, Any]:
    """What a worker runs: one point, its result written next to its files."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    path = Path(folder)
    record = run_point(spec, point, path)
    (path / "result.json").write_text(json.dumps(record, indent=1, sort_keys=True))
    try:
        import keras

        keras.backend.clear_session()
    except ImportError:  # pragma: no cover - keras is a dependency
        pass
    return record


def _cached(folder: Path, retry_failed: bool) -> dict[str, Any] | None:
    try:
        record = json.loads((folder / "result.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return None if retry_failed and record.get("status") != "ok" else record


def run_points(
    spec: ScanSpec,
    out: Path,
    engine: Engine | None = None,
    progress: Callable[[str], None] = print,
    retry_failed: bool = False,
) -> list[dict[str, Any]]:
    """Every point's record (from the cache or computed now), in the order of the axes."""
    engine = engine or Engine()
    points = spec.points()
    version, digest = code_version(), file_digest(spec.data)
    keys = [point_key(spec, p, version, digest) for p in points]
    folders = [out / "points" / k for k in keys]
    records: list[dict[str, Any] | None] = [_cached(f, retry_failed) for f in folders]
    todo = [i for i, r in enumerate(records) if r is None]
    progress(
        f"scan {spec.name}: {len(points)} points, {len(points) - len(todo)} cached, "
        f"{len(todo)} to run"
    )
    if todo:
        client = _client(engine, spec, len(todo))
        try:
            futures = {
                client.submit(
                    _work, spec, points[i], str(folders[i]), key=f"point-{keys[i]}", pure=False
                ): i
                for i in todo
            }
            _collect(client, futures, points, records, progress, time.perf_counter())
        finally:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    for i, record in enumerate(records):
        assert record is not None
        record["key"] = keys[i]
        record["folder"] = f"points/{keys[i]}"
    return records  # type: ignore[return-value]


def _collect(
    client: Any,
    futures: dict[Any, int],
    points: list[Point],
    records: list,
    progress: Callable[[str], None],
    start: float,
) -> None:
    from dask.distributed import as_completed

    done = failed = 0
    total = len(futures)
    for future in as_completed(list(futures)):
        i = futures[future]
        try:
            record = future.result()
        except Exception as exc:  # the worker itself died: still a recorded failure
            point = points[i]
            record = {
                "label": point.label,
                **asdict(point),
                "status": "failed",
                "error": f"{type(exc).__name__}: {exc}",
            }
        records[i] = record
        done += 1
        failed += record.get("status") != "ok"
        elapsed = time.perf_counter() - start
        running = min(total - done, len(client.scheduler_info().get("workers", {})) or 1)
        left = elapsed / done * (total - done)
        progress(
            f"  {done}/{total} done ({failed} failed, {running} running), "
            f"{elapsed:.0f} s elapsed, about {left:.0f} s left: {record.get('label', '?')} "
            f"{record.get('status')}"
        )
