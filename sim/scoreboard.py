"""Scoreboard of the cocotb testbench: checks what the monitors saw against the IR executor.

Simulator-free on purpose (plain data in, verdict out), so its rules are unit-tested without
an HDL simulator.  Time is counted in rising clock edges.  The rules, from the RTL contract:

* a vector is *accepted* at edge ``k`` when ``in_valid=1`` and ``rst=0`` there;
* after edge ``k + L`` (``L`` = the manifest's ``latency_cycles``) ``out_valid=1`` and
  ``out_data`` holds that vector's result, bit for bit equal to ``Graph.run_int``;
* a reset (``rst=1`` at edge ``r``) drops every vector still in flight (``k < r <= k + L``);
* at every other edge after the first reset ``out_valid=0``; ``out_valid`` is never X/Z after
  the first reset and ``out_data`` has no X/Z bits while ``out_valid=1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from trigc.compiler.backends.rtl.manifest import RtlManifest
from trigc.compiler.ir.executor import run_int
from trigc.compiler.ir.graph import Graph

from .manifest import ints_to_words, pack_vectors, unpack_vectors, words_to_ints

MAX_REPORTED = 5


class ScoreboardError(AssertionError):
    """The design broke the RTL contract or disagreed with the IR executor."""


@dataclass(frozen=True)
class OutputSample:
    """``out_valid`` / ``out_data`` after a rising edge; ``None`` when a value had X/Z bits."""

    edge: int
    valid: bool | None
    data: int | None


@dataclass
class Scoreboard:
    """Collects accepted inputs, resets and output samples, then checks them all at once."""

    manifest: RtlManifest
    graph: Graph
    accepted: dict[int, int] = field(default_factory=dict)
    reset_edges: list[int] = field(default_factory=list)
    outputs: list[OutputSample] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.manifest.check_graph(self.graph)

    # -- recording (called by the monitors) -----------------------------------------------
    def record_input(self, edge: int, data: int) -> None:
        """A vector (packed ``in_data``) was accepted at ``edge``."""
        self.accepted[edge] = data

    def record_reset(self, edge: int) -> None:
        """``rst`` was high at ``edge``."""
        self.reset_edges.append(edge)

    def record_output(self, sample: OutputSample) -> None:
        """``out_valid`` / ``out_data`` as seen after a rising edge."""
        self.outputs.append(sample)

    def record_problem(self, edge: int, message: str) -> None:
        """An interface rule broken at ``edge`` that the monitors detected themselves."""
        self.problems.append((edge, message))

    @property
    def last_edge(self) -> int:
        """The last edge whose outputs were recorded (-1 before any)."""
        return self.outputs[-1].edge if self.outputs else -1

    # -- reference model ------------------------------------------------------------------
    def reference(self, packed_inputs: list[int]) -> list[int]:
        """Packed ``out_data`` the IR executor predicts for packed ``in_data`` vectors."""
        if not packed_inputs:
            return []
        words = ints_to_words(packed_inputs, self.manifest.in_words)
        inputs = unpack_vectors(self.manifest.inputs, words)
        results = run_int(self.graph, *inputs)
        outputs = [results[p.name] for p in self.manifest.outputs]
        return words_to_ints(pack_vectors(self.manifest.outputs, self.manifest.out_width, outputs))

    # -- checking -------------------------------------------------------------------------
    def flushed(self, in_edge: int) -> bool:
        """Whether a reset hit the vector accepted at ``in_edge`` before it came out."""
        out_edge = in_edge + self.manifest.latency_cycles
        return any(in_edge < r <= out_edge for r in self.reset_edges)

    def _describe_mismatch(self, index: int, edge: int, packed_in: int, got: int, want: int) -> str:
        words = ints_to_words([packed_in], self.manifest.in_words)
        inputs = unpack_vectors(self.manifest.inputs, words)
        got_ports = unpack_vectors(
            self.manifest.outputs, ints_to_words([got], self.manifest.out_words)
        )
        want_ports = unpack_vectors(
            self.manifest.outputs, ints_to_words([want], self.manifest.out_words)
        )
        in_edge = edge - self.manifest.latency_cycles
        parts = [f"vector #{index} (in at edge {in_edge}, out after edge {edge})"]
        parts += [
            f"  input {p.name} = {x[0].ravel().tolist()}"
            for p, x in zip(self.manifest.inputs, inputs, strict=True)
        ]
        for p, g, w in zip(self.manifest.outputs, got_ports, want_ports, strict=True):
            if not np.array_equal(g, w):
                parts.append(
                    f"  output {p.name}: RTL {g[0].ravel().tolist()} != IR {w[0].ravel().tolist()}"
                )
        return "\n".join(parts)

    def check(self) -> int:
        """Apply every rule; return the number of vectors compared bit for bit.

        Raises :class:`ScoreboardError` listing the first violations found.
        """
        errors = [f"edge {edge}: {message}" for edge, message in self.problems]
        latency = self.manifest.latency_cycles
        start = min(self.reset_edges, default=0)
        pairs: list[tuple[int, int, int]] = []  # (out edge, packed in, packed out)
        last_edge = -1
        for s in self.outputs:
            if s.edge < start:
                continue
            last_edge = max(last_edge, s.edge)
            in_edge = s.edge - latency
            expected = in_edge in self.accepted and not self.flushed(in_edge)
            if s.valid is None:
                errors.append(f"out_valid is X/Z after edge {s.edge}")
            elif s.valid != expected:
                if s.valid:
                    errors.append(
                        f"out_valid=1 after edge {s.edge}, but no vector was accepted at edge "
                        f"{in_edge} ({latency} edges earlier, manifest latency_cycles)"
                        + self._first_latency()
                    )
                else:
                    errors.append(
                        f"out_valid=0 after edge {s.edge}, but a vector was accepted at edge "
                        f"{in_edge} and latency_cycles is {latency}" + self._first_latency()
                    )
            elif s.valid and s.data is None:
                errors.append(f"out_data has X/Z bits while out_valid=1 after edge {s.edge}")
            elif s.valid:
                pairs.append((s.edge, self.accepted[in_edge], s.data))
        unfinished = [k for k in self.accepted if not self.flushed(k) and k + latency > last_edge]
        if unfinished:
            errors.append(
                f"{len(unfinished)} accepted vectors (first at edge {min(unfinished)}) were "
                f"still in flight when monitoring stopped after edge {last_edge}"
            )
        want = self.reference([p[1] for p in pairs])
        for index, ((edge, packed_in, got), expect) in enumerate(zip(pairs, want, strict=True)):
            if got != expect:
                errors.append(self._describe_mismatch(index, edge, packed_in, got, expect))
        if errors:
            shown = errors[:MAX_REPORTED]
            more = f"\n... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
            raise ScoreboardError(
                f"{self.manifest.top}: {len(errors)} violation(s) of the RTL contract:\n"
                + "\n".join(shown)
                + more
            )
        return len(pairs)

    def _first_latency(self) -> str:
        """How late the first accepted vector came out, as a hint for latency errors."""
        if not self.accepted:
            return ""
        first_in = min(self.accepted)
        outs = [s.edge for s in self.outputs if s.valid and s.edge >= first_in]
        if not outs:
            return f"; the first vector (edge {first_in}) never came out"
        return f"; the first vector came out {min(outs) - first_in} edges after it went in"
