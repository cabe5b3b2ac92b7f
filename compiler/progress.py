"""Phases and their times: what ``trigc compile`` and ``trigc verify`` print while they work and
what ``bench/time_to_verdict.py`` tabulates.

A :class:`Progress` records every phase (``load``, ``passes``, ``emit rtl``, ``build
verilator``, ...) with its wall time, and prints a line for each as it ends.  Phases may run in
threads at the same time (verify's builds do): recording is locked, and each line carries the
time since the start so overlapping phases read clearly.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PhaseTime:
    """One finished phase: its name, wall seconds and an optional detail (``cached``)."""

    name: str
    seconds: float
    detail: str = ""


Printer = Callable[[str], None]


def _silent(line: str) -> None:
    return None


@dataclass
class Progress:
    """Records phases; ``printer`` (None: silent) gets one line per finished phase."""

    printer: Printer | None = None
    phases: list[PhaseTime] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def to_stdout(cls) -> Progress:
        """Lines as ``... [  3.1 s] build verilator: 19.0 s``, flushed at once."""
        return cls(lambda line: print(line, flush=True))

    def say(self, text: str) -> None:
        """A line that is not a phase (what is about to start)."""
        (self.printer or _silent)(f"... [{self.elapsed():6.1f} s] {text}")

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def record(self, name: str, seconds: float, detail: str = "") -> None:
        """A phase timed elsewhere (a build that reports its own seconds)."""
        with self._lock:
            self.phases.append(PhaseTime(name, seconds, detail))
        extra = f" ({detail})" if detail else ""
        self.say(f"{name}: {seconds:.1f} s{extra}")

    @contextmanager
    def phase(self, name: str, detail: str = "") -> Iterator[None]:
        """Time the ``with`` body as the phase ``name`` (not recorded if it raises)."""
        start = time.perf_counter()
        yield
        self.record(name, time.perf_counter() - start, detail)

    def bar(self, name: str, total: int) -> Callable[[int], None]:
        """A progress bar on stderr for a long loop: call the result with items done.  Drawn
        only on a terminal and only after the loop has run for a second."""
        start = time.perf_counter()
        terminal = self.printer is not None and sys.stderr.isatty()

        def advance(done: int) -> None:
            if not terminal or time.perf_counter() - start < 1.0:
                return
            filled = int(30 * done / max(total, 1))
            end = "\n" if done >= total else ""
            sys.stderr.write(f"\r    {name} [{'#' * filled:<30}] {done}/{total}{end}")
            sys.stderr.flush()

        return advance

    def total(self, prefix: str = "") -> float:
        """The summed seconds of the recorded phases whose name starts with ``prefix``."""
        with self._lock:
            return sum(p.seconds for p in self.phases if p.name.startswith(prefix))
