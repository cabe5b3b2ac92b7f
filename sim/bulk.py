"""Fast bulk simulation of an RTL design with a Verilator C++ harness.

:func:`run_rtl` packs input mantissas into a binary file, runs the harness (built once per
design and cached), and unpacks the outputs.  The harness drives vectors back-to-back at II=1
and checks on every clock edge that ``out_valid`` follows ``in_valid`` by exactly the
manifest's ``latency_cycles``.

The build is cached under ``$TRIGC_SIM_CACHE/verilator/<hash>`` (default
``~/.cache/trigc/verilator/<hash>``), keyed by the Verilog files, the harness source, the
Verilator version and the build flags; it is built in a temporary folder and renamed into
place, so concurrent runs never see a half-built harness.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trigc.compiler.backends.rtl.manifest import RtlManifest, load_rtl_manifest

from .cache import cached_build
from .harness_cpp import HARNESS_SOURCE
from .manifest import pack_vectors, unpack_vectors
from .verilator import SimulationError, Verilator, find_verilator

BUILD_JOBS = 2  # parallel compiler processes per build (the project's machines have 2 cores)
MAX_RUN_JOBS = 8  # harness processes per run_rtl call, at most one per CPU
SHARD_MIN_VECTORS = 100_000  # below this a second process costs more than it saves

# Verilator options: optimise hard, two-state X handling, no assertions, no tracing.
# -fno-dfg: Verilator's data-flow-graph pass gains nothing on netlist-style Verilog (the demo
# model's harness runs the same 45k instructions a vector with and without it) but costs 40% of
# the build time (19 s instead of 30 s).  --output-split 5000: the generated C++ in files of
# about 5,000 statements, so the two compilers of -j 2 share the work and each file is cheaper to
# optimise (the pruned jet tagger: 17.5 s of CPU and 9.6 s wall instead of 24.7 s and 13.8 s
# with Verilator's default of 20,000; the harness runs 1M vectors in the same 2.7 s).
VERILATOR_FLAGS = (
    "--cc",
    "--exe",
    "--build",
    "-O3",
    "-fno-dfg",
    "--output-split",
    "5000",
    "--x-assign",
    "fast",
    "--x-initial",
    "fast",
    "--noassert",
    "--no-timing",
    "-Wno-fatal",
    "--prefix",
    "Vdut",
)
# C++ optimisation of the generated model.  A netlist becomes long straight-line code whose
# speed is bound by the instruction cache: on a 16-64-32-32-5 MLP -Os ran 1.1 s per 1M vectors
# against 1.5 s for -O2/-O3 and 1.7 s with -march=native.  The runtime library keeps -Os.
MAKE_FLAGS = "OPT_FAST=-Os OPT_GLOBAL=-Os"


@dataclass(frozen=True)
class HarnessBuild:
    """A built harness: the executable, whether it came from the cache, and build seconds."""

    executable: Path
    cached: bool
    seconds: float


def design_hash(manifest: RtlManifest, *extra: str) -> str:
    """A hash of the design's Verilog files (names and contents), its top and ``extra``."""
    h = hashlib.sha256()
    for part in (manifest.top, *extra):
        h.update(part.encode() + b"\0")
    for f in sorted(manifest.file_paths):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:24]


def _build_harness(manifest: RtlManifest, verilator: Verilator, workdir: Path) -> None:
    """Verilate and compile the harness for ``manifest`` inside ``workdir``."""
    (workdir / "harness.cpp").write_text(HARNESS_SOURCE)
    args = [
        *VERILATOR_FLAGS,
        "-j",
        str(BUILD_JOBS),
        "--top-module",
        manifest.top,
        "--Mdir",
        str(workdir / "obj"),
        "-o",
        str(workdir / "harness"),
        str(workdir / "harness.cpp"),
        *(str(f) for f in manifest.file_paths),
    ]
    what = f"build the bulk harness for {manifest.top!r} ({manifest.directory})"
    log = verilator.run(args, workdir, what, extra_make=MAKE_FLAGS)
    (workdir / "build.log").write_text(log)
    if not (workdir / "harness").is_file():
        raise SimulationError(f"Verilator reported success but wrote no harness in {workdir}")
    shutil.rmtree(workdir / "obj", ignore_errors=True)  # keep only the executable and log


def build_harness(rtl_dir: Path) -> HarnessBuild:
    """The bulk harness for the design in ``rtl_dir``, from the cache or freshly built."""
    manifest = load_rtl_manifest(rtl_dir)
    verilator = find_verilator()
    key = design_hash(
        manifest,
        HARNESS_SOURCE,
        verilator.version,
        *VERILATOR_FLAGS,
        MAKE_FLAGS,
        *verilator.make_variables.values(),
    )
    build = cached_build(
        "verilator", key, "harness", lambda work: _build_harness(manifest, verilator, work)
    )
    return HarnessBuild(build.folder / "harness", build.cached, build.seconds)


def _run_shard(
    executable: Path, manifest: RtlManifest, words: np.ndarray, gap_percent: int, seed: int
) -> np.ndarray:
    """Run the harness on one block of packed input vectors; packed outputs."""
    with tempfile.TemporaryDirectory(prefix="trigc-bulk-") as tmp:
        in_file, out_file = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        np.ascontiguousarray(words, dtype="<u4").tofile(in_file)
        args = [str(len(words)), str(manifest.latency_cycles), str(gap_percent), str(seed)]
        proc = subprocess.run(
            [str(executable), str(in_file), str(out_file), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SimulationError(
                f"RTL simulation of {manifest.top!r} ({manifest.directory}) failed: "
                f"{proc.stderr.strip() or f'harness exit status {proc.returncode}'}"
            )
        out = np.fromfile(out_file, dtype="<u4")
    if out.size != len(words) * manifest.out_words:
        raise SimulationError(
            f"RTL simulation of {manifest.top!r}: expected {len(words)} output vectors, the "
            f"harness wrote {out.size / manifest.out_words:g}"
        )
    return out.reshape(len(words), manifest.out_words)


def run_rtl(
    rtl_dir: Path,
    inputs: Sequence[np.ndarray],
    *,
    gap_percent: int = 0,
    seed: int = 1,
    jobs: int | None = None,
) -> list[np.ndarray]:
    """Simulate the RTL in ``rtl_dir`` on integer input mantissas; output mantissas.

    ``inputs`` holds one array per manifest input, batch axis first.  The result holds one
    int64 (or object, beyond 63 bits) array per manifest output, signed outputs sign-extended.
    ``gap_percent`` makes ``in_valid`` idle on that share of cycles (random, from ``seed``).
    Large batches are split over ``jobs`` harness processes (default: one per CPU and per
    100k vectors); each shard starts from reset.  Raises :class:`SimulationError` if the design's
    ``out_valid`` does not follow ``in_valid`` by exactly ``latency_cycles``.
    """
    manifest = load_rtl_manifest(rtl_dir)
    if not 0 <= gap_percent < 100:
        raise ValueError(f"gap_percent must be in [0, 100), got {gap_percent}")
    words = pack_vectors(manifest.inputs, manifest.in_width, [np.asarray(x) for x in inputs])
    executable = build_harness(rtl_dir).executable
    if jobs is None:
        cpus = min(os.cpu_count() or 1, MAX_RUN_JOBS)
        jobs = max(1, min(cpus, len(words) // SHARD_MIN_VECTORS))
    shards = np.array_split(words, jobs) if len(words) else [words]

    def run(index: int) -> np.ndarray:
        return _run_shard(executable, manifest, shards[index], gap_percent, seed + index)

    with ThreadPoolExecutor(max_workers=len(shards)) as pool:
        outs = list(pool.map(run, range(len(shards))))
    return unpack_vectors(manifest.outputs, np.concatenate(outs))
