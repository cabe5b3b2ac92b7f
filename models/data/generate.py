"""Generate the labelled jet data set: Pythia 8 → FastJet anti-kT R = 0.8 → 16 features.

    python -m trigc.models.data.generate --jets-per-class 10000 --seed 1 --out models/data/jets.npz

The work is split into chunks of jets of one class and one split (train or test).  Each chunk
runs its own Pythia instance with a seed derived from (seed, split, class, chunk index), so
the data set depends only on the arguments, never on the number of worker processes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .classes import CLASS_NAMES, JET_CLASSES, JetClass
from .features import FEATURE_NAMES, jet_features

SPLITS = ("train", "test")
_MAX_PYTHIA_SEED = 900_000_000
VERSIONED_PACKAGES = ("pythia8mc", "fastjet", "awkward", "numpy")


@dataclass(frozen=True)
class GenerationConfig:
    """Physics and bookkeeping settings shared by all classes."""

    sqrt_s: float = 13000.0
    """Proton-proton centre-of-mass energy (GeV)."""
    pt_hat_min: float = 900.0
    pt_hat_max: float = 1100.0
    """Window of the hard-process transverse momentum (GeV)."""
    jet_r: float = 0.8
    jet_pt_min: float = 800.0
    jet_pt_max: float = 1200.0
    jet_abs_y_max: float = 2.5
    events_per_batch: int = 50
    chunk_size: int = 500
    """Jets per chunk: the unit of work of one worker and one Pythia seed."""


@dataclass(frozen=True)
class Task:
    """One chunk of work: ``n_jets`` jets of one class in one split."""

    split: int
    label: int
    chunk: int
    n_jets: int
    seed: int
    """The Pythia seed (1 … 900 000 000)."""


def chunk_seed(seed: int, split: int, label: int, chunk: int) -> int:
    """The Pythia seed of one chunk, a deterministic function of its coordinates."""
    state = np.random.SeedSequence([seed, split, label, chunk]).generate_state(1)[0]
    return int(state) % _MAX_PYTHIA_SEED + 1


def make_tasks(jets_per_split: Sequence[int], seed: int, config: GenerationConfig) -> list[Task]:
    """All chunks of every split and class, ordered so that splits and classes progress
    together: an interrupted run leaves leading chunks of each in the cache."""
    tasks = []
    for split, n_jets in enumerate(jets_per_split):
        n_chunks = -(-n_jets // config.chunk_size)
        for chunk in range(n_chunks):
            size = min(config.chunk_size, n_jets - chunk * config.chunk_size)
            progress = (chunk + 1) / n_chunks
            for jet_class in JET_CLASSES:
                seed_ = chunk_seed(seed, split, jet_class.label, chunk)
                tasks.append((progress, Task(split, jet_class.label, chunk, size, seed_)))
    tasks.sort(key=lambda pt: (pt[0], pt[1].split, pt[1].label))
    return [task for _, task in tasks]


def make_pythia(jet_class: JetClass, seed: int, config: GenerationConfig) -> Any:
    """An initialised Pythia instance producing events of ``jet_class``."""
    import pythia8mc

    pythia = pythia8mc.Pythia("", False)
    settings = (
        f"Beams:eCM = {config.sqrt_s}",
        f"PhaseSpace:pTHatMin = {config.pt_hat_min}",
        f"PhaseSpace:pTHatMax = {config.pt_hat_max}",
        "Random:setSeed = on",
        f"Random:seed = {seed}",
        "Print:quiet = on",
        *jet_class.process,
    )
    for setting in settings:
        if not pythia.readString(setting):
            raise RuntimeError(f"Pythia rejected the setting {setting!r} (class {jet_class.name})")
    if not pythia.init():
        raise RuntimeError(f"Pythia failed to initialise for jet class {jet_class.name}")
    return pythia


def labelled_jets(events: Any, jet_class: JetClass, config: GenerationConfig) -> Any:
    """The constituents (``n * var * {px, py, pz, E}``) of the jets of ``events`` (a batch
    from ``Pythia.nextBatch``) that pass the kinematic cuts and contain a truth object."""
    import awkward as ak
    import fastjet

    prt = events.prt
    abs_id = np.abs(prt.id)
    is_neutrino = (abs_id == 12) | (abs_id == 14) | (abs_id == 16)
    visible = prt[(prt.status > 0) & ~is_neutrino]
    particles = ak.zip(
        {"px": visible.p.px, "py": visible.p.py, "pz": visible.p.pz, "E": visible.p.e},
        with_name=None,
    )
    sequence = fastjet.ClusterSequence(
        particles, fastjet.JetDefinition(fastjet.antikt_algorithm, config.jet_r)
    )
    jets = sequence.inclusive_jets(min_pt=config.jet_pt_min)
    constituents = sequence.constituents(min_pt=config.jet_pt_min)

    jet_pt, jet_y, jet_phi = _kinematics(*(ak.flatten(jets[c]) for c in ("px", "py", "pz", "E")))
    jet_offsets = np.concatenate([[0], np.cumsum(ak.to_numpy(ak.num(jets)))])
    in_window = (
        (jet_pt >= config.jet_pt_min)
        & (jet_pt < config.jet_pt_max)
        & (np.abs(jet_y) < config.jet_abs_y_max)
    )

    pdg_id, status, mother = (ak.to_numpy(ak.flatten(prt[c])) for c in ("id", "status", "mother1"))
    _, parton_y, parton_phi = _kinematics(*(ak.flatten(prt.p[c]) for c in ("px", "py", "pz", "e")))
    offsets = np.concatenate([[0], np.cumsum(ak.to_numpy(ak.num(prt)))])

    selected: list[int] = []
    for event in range(len(prt)):
        lo, hi = offsets[event], offsets[event + 1]
        candidates = [j for j in range(jet_offsets[event], jet_offsets[event + 1]) if in_window[j]]
        if not candidates:
            continue
        objects = jet_class.truth_objects(pdg_id[lo:hi], status[lo:hi], mother[lo:hi])
        for jet in candidates:
            for obj in objects:
                partons = lo + np.asarray(obj)
                dr = _delta_r(jet_y[jet], jet_phi[jet], parton_y[partons], parton_phi[partons])
                if np.all(dr < config.jet_r):
                    selected.append(jet)
                    objects.remove(obj)
                    break
    return ak.flatten(constituents, axis=1)[np.asarray(selected, dtype=np.int64)]


def _kinematics(px: Any, py: Any, pz: Any, e: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transverse momentum, rapidity and azimuth of four-momenta."""
    px, py, pz, e = (np.asarray(v, dtype=np.float64) for v in (px, py, pz, e))
    with np.errstate(divide="ignore", invalid="ignore"):
        rapidity = 0.5 * np.log((e + pz) / (e - pz))
    return np.hypot(px, py), rapidity, np.arctan2(py, px)


def _delta_r(y1: float, phi1: float, y2: np.ndarray, phi2: np.ndarray) -> np.ndarray:
    dphi = np.abs(phi1 - phi2)
    dphi = np.minimum(dphi, 2 * np.pi - dphi)
    return np.hypot(y1 - y2, dphi)


def run_task(
    task: Task, config: GenerationConfig, cache_dir: Path | None = None
) -> tuple[Task, np.ndarray, int]:
    """Generate one chunk: its task, the features (n_jets, 16) and the number of events.

    With ``cache_dir``, a chunk already generated with the same task and config is read back
    instead, and a new one is stored there, so an interrupted run can resume.
    """
    cache = cache_dir / _cache_name(task, config) if cache_dir else None
    if cache is not None and cache.exists():
        with np.load(cache) as stored:
            return task, stored["features"], int(stored["n_events"])

    import awkward as ak

    jet_class = JET_CLASSES[task.label]
    pythia = make_pythia(jet_class, task.seed, config)
    found: list[Any] = []
    n_found = n_events = 0
    while n_found < task.n_jets:
        # Batch boundaries do not change the event sequence, only how many events are made.
        events = pythia.nextBatch(min(config.events_per_batch, task.n_jets - n_found))
        n_events += len(events)
        jets = labelled_jets(events, jet_class, config)
        found.append(jets)
        n_found += len(jets)
    constituents = ak.concatenate(found)[: task.n_jets]
    features = jet_features(constituents).astype(np.float32)
    if cache is not None:
        partial = cache.with_suffix(".partial.npz")
        np.savez(partial, features=features, n_events=n_events)
        partial.replace(cache)
    return task, features, n_events


def _cache_name(task: Task, config: GenerationConfig) -> str:
    digest = hashlib.sha256(json.dumps(asdict(config), sort_keys=True).encode()).hexdigest()
    split, name = SPLITS[task.split], CLASS_NAMES[task.label]
    return f"{split}_{name}_{task.chunk:04d}_{task.seed}_{task.n_jets}_{digest[:12]}.npz"


def _run_task_star(
    args: tuple[Task, GenerationConfig, Path | None],
) -> tuple[Task, np.ndarray, int]:
    return run_task(*args)


def generate_dataset(
    jets_per_class: int,
    test_jets_per_class: int = 0,
    seed: int = 1,
    workers: int | None = None,
    config: GenerationConfig | None = None,
    progress: bool = True,
    cache_dir: str | Path | None = None,
) -> dict[str, np.ndarray]:
    """Generate train (and test) jets; arrays ``x_train`` (n, 16) float32, ``y_train`` (n,)
    int8 labels, likewise ``x_test``/``y_test``, sorted by class and chunk, plus
    ``feature_names``, ``class_names`` and ``metadata`` (a JSON string).

    ``cache_dir`` keeps every finished chunk on disk so that an interrupted run resumes.
    """
    config = config or GenerationConfig()
    workers = workers or os.cpu_count() or 1
    tasks = make_tasks((jets_per_class, test_jets_per_class), seed, config)
    start = time.monotonic()
    cache = Path(cache_dir) if cache_dir else None
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    results = list(_run_all(tasks, config, workers, progress, cache))
    seconds = time.monotonic() - start

    results.sort(key=lambda r: (r[0].split, r[0].label, r[0].chunk))
    data: dict[str, np.ndarray] = {}
    for split, split_name in enumerate(SPLITS):
        chunks = [r for r in results if r[0].split == split]
        data[f"x_{split_name}"] = np.concatenate(
            [features for _, features, _ in chunks]
            or [np.zeros((0, len(FEATURE_NAMES)), np.float32)]
        )
        data[f"y_{split_name}"] = np.concatenate(
            [np.full(len(f), t.label, np.int8) for t, f, _ in chunks] or [np.zeros(0, np.int8)]
        )
    events = {
        name: sum(r[2] for r in results if r[0].label == c.label)
        for c, name in zip(JET_CLASSES, CLASS_NAMES, strict=True)
    }
    data["feature_names"] = np.array(FEATURE_NAMES)
    data["class_names"] = np.array(CLASS_NAMES)
    data["metadata"] = np.array(
        json.dumps(
            {
                "seed": seed,
                "jets_per_class": {"train": jets_per_class, "test": test_jets_per_class},
                "config": asdict(config),
                "events_generated": events,
                "generation_seconds": round(seconds, 1),
                "workers": workers,
                "versions": {p: metadata.version(p) for p in VERSIONED_PACKAGES},
            },
            sort_keys=True,
        )
    )
    return data


def _run_all(
    tasks: list[Task],
    config: GenerationConfig,
    workers: int,
    progress: bool,
    cache_dir: Path | None,
) -> Iterator[tuple[Task, np.ndarray, int]]:
    """Run the tasks in ``workers`` processes (in this process if 1), with a progress bar."""
    from tqdm import tqdm

    bar = tqdm(total=sum(t.n_jets for t in tasks), unit="jet", disable=not progress, smoothing=0.05)
    with bar:
        if workers == 1:
            outputs: Iterator[tuple[Task, np.ndarray, int]] = (
                run_task(t, config, cache_dir) for t in tasks
            )
            for result in outputs:
                bar.update(result[0].n_jets)
                yield result
            return
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        with context.Pool(workers) as pool:
            for result in pool.imap_unordered(
                _run_task_star, [(t, config, cache_dir) for t in tasks]
            ):
                bar.update(result[0].n_jets)
                yield result


def save_dataset(data: dict[str, np.ndarray], path: str | Path) -> Path:
    """Write the data set as a compressed ``.npz``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **data)
    return path


def load_dataset(path: str | Path) -> dict[str, Any]:
    """Read a data set written by :func:`save_dataset`; ``metadata`` comes back as a dict."""
    with np.load(path) as npz:
        data: dict[str, Any] = {key: npz[key] for key in npz.files}
    data["metadata"] = json.loads(str(data["metadata"]))
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m trigc.models.data.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--jets-per-class", type=int, required=True, help="training jets per class")
    parser.add_argument(
        "--test-jets-per-class",
        type=int,
        default=None,
        help="test jets per class (default: 1/5 of the training jets)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("models/data/jets.npz"))
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--chunk-size", type=int, default=GenerationConfig.chunk_size)
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="keep finished chunks here to resume a run"
    )
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    test_jets = (
        args.jets_per_class // 5 if args.test_jets_per_class is None else args.test_jets_per_class
    )
    config = GenerationConfig(chunk_size=args.chunk_size)
    data = generate_dataset(
        args.jets_per_class,
        test_jets,
        args.seed,
        args.workers,
        config,
        not args.no_progress,
        args.cache_dir,
    )
    path = save_dataset(data, args.out)
    info = json.loads(str(data["metadata"]))
    print(
        f"wrote {path}: {len(data['y_train'])} train + {len(data['y_test'])} test jets "
        f"in {info['generation_seconds']} s ({info['workers']} workers)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
