"""One fuzz case: write the model file, ``compile_project``, ``verify_project``, judge.

The judgement is the one a user would want: trigc compiles every model the README says it
supports, and every representation it verifies is identical, bit for bit, to the reference
and to each other, unless trigc itself said why not (a reference it declared inexact because
it approximated layers, or a layer whose exact values need more significant bits than the
reference computes with).  Each such declaration is checked to be true of the model.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trigc.compiler.backends import BackendOptions
from trigc.compiler.errors import TrigcError
from trigc.compiler.ir.fixed import FixedType
from trigc.compiler.project import CompileOptions, compile_project
from trigc.compiler.verify import VerifyResult, verify_project

OK, REFUSED, MISMATCH, CRASH, FALSE_DECLARATION = (
    "ok",
    "refused",
    "mismatch",
    "crash",
    "false-declaration",
)


@dataclass
class Outcome:
    """What happened to one model."""

    frontend: str
    status: str
    reason: str = ""
    detail: str = ""
    compared: dict[str, tuple[int, int]] = field(default_factory=dict)
    protocol: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status in (MISMATCH, CRASH, FALSE_DECLARATION)


def reason_of(message: str) -> str:
    """A refusal message with its model-specific parts (names, numbers, paths) blanked, so
    that refusals can be counted by distinct reason."""
    text = message.split(". ")[0]
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\S+\.(keras|h5|json|onnx)\b", "FILE", text)
    text = re.sub(r"-?\d+(\.\d+)?", "N", text)
    return text[:160]


@dataclass(frozen=True)
class Case:
    """A model file to write and the options to compile it with."""

    frontend: str
    write: Callable[[Path], tuple[Path, Path | None]]  # → model file, weights file
    input_type: FixedType | None = None
    approximates: bool = False  # trigc must declare the reference inexact
    precision: Any = None  # a PrecisionConfig for float models


def run_case(
    case: Case,
    backends: tuple[str, ...] = (),
    vectors: int = 300,
    csim_vectors: int = 100,
    protocol_sims: tuple[str, ...] = (),
    workdir: Path | None = None,
) -> Outcome:
    """Compile and verify ``case``; never raises for what trigc does."""
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="fuzz-", dir=workdir))
    try:
        outcome = _run(case, backends, vectors, csim_vectors, protocol_sims, tmp)
    except TrigcError as exc:
        outcome = Outcome(case.frontend, REFUSED, reason_of(str(exc)), str(exc))
    except Exception as exc:  # a bug in trigc (or in the fuzzer): the whole story is wanted
        text = "".join(traceback.format_exception(exc))
        outcome = Outcome(case.frontend, CRASH, f"{type(exc).__name__}: {exc}"[:200], text)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    outcome.seconds = time.perf_counter() - start
    return outcome


def _run(
    case: Case,
    backends: tuple[str, ...],
    vectors: int,
    csim_vectors: int,
    protocol_sims: tuple[str, ...],
    tmp: Path,
) -> Outcome:
    model_file, weights = case.write(tmp)
    options = CompileOptions(
        backends=backends,
        input_type=case.input_type,
        precision=case.precision,
        backend=BackendOptions(project_name="fuzz"),
    )
    project = compile_project(model_file, tmp / "project", options, weights=weights)
    result = verify_project(
        project,
        vectors=vectors,
        csim_vectors=csim_vectors,
        protocol_sims=protocol_sims if "rtl" in backends else (),
    )
    return judge(case, result)


def _declared(result: VerifyResult) -> list[str]:
    """The notes in which trigc says its reference may round (significant bits)."""
    return [n for n in result.notes if "significant bits" in n and "may round" in n]


def judge(case: Case, result: VerifyResult) -> Outcome:
    """The verdict on one verified model."""
    compared = {c.name: (c.identical, c.total) for c in result.comparisons}
    informative = [c for c in result.comparisons if c.informative and c.name != "keras-float32"]
    out = Outcome(case.frontend, OK, compared=compared, protocol=len(result.protocol))
    if bool(informative) != case.approximates:
        out.status = FALSE_DECLARATION
        out.reason = (
            "reference declared inexact but nothing was approximated"
            if informative
            else "layers were approximated but the reference was not declared inexact"
        )
        out.detail = "\n".join(result.notes)
        return out
    bad = [c for c in result.comparisons if not c.ok]
    failed_protocol = [p for p in result.protocol if not p.passed]
    if not bad and not failed_protocol:
        return out
    declared = _declared(result)
    reference_only = all(c.name in ("keras", "onnx") for c in bad) and not failed_protocol
    if reference_only and declared:
        out.reason = "reference rounds where trigc said it may"
        out.detail = "\n".join(declared)
        return out
    out.status = MISMATCH
    out.reason = ", ".join(f"{c.name} {c.identical}/{c.total}" for c in bad) or "protocol"
    out.detail = "\n".join(result.diagnosis + result.notes + [str(p) for p in failed_protocol])
    return out


def rotating_seed() -> int:
    """The seed of the rotating campaign: ``TRIGC_FUZZ_SEED``, else today's date (YYYYMMDD)."""
    text = os.environ.get("TRIGC_FUZZ_SEED")
    return int(text) if text else int(datetime.date.today().strftime("%Y%m%d"))
