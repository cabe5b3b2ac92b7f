"""Register placement: where the pipeline cuts the netlist, chosen to store the fewest bits.

The netlist places every cell as soon as it can (:meth:`.netlist.Netlist.make`): that fixes the
design's latency ``L``, the stage of its last output.  Filling every stage as far as it goes
puts the cut wherever the budget runs out, often in the middle of the adder trees of a layer
that started late in the previous stage: ten partial sums per neuron cross the boundary where
the layer's inputs (one word per input) would have done.

This pass keeps ``L`` and the stage budget and chooses, boundary after boundary, which cells
close the stage: the set ``S`` of cells computed in stage ``k`` (closed under operands, within
the stage's timing, holding every cell that cannot wait) whose crossing signals -- a signal
in ``S`` or an earlier stage with a reader after ``k`` -- have the fewest bits.  That is a
minimum cut (a signal read by several cells is paid for once: an extra node per signal,
the classic construction for shared fan-out), solved with SciPy's maximum flow.  "Cannot
wait" comes from the latest placement of each cell (the greedy rule run backwards from the
output registers).  A cut is kept only if the cells after it still fit in the stages left (the
greedy placement of the rest ends by stage ``L``) and that completion stores fewer bits in all
than the best so far, so the pass never adds registers; when cells run late, their ancestors
are required in ``S`` and the cut is solved again, and after a few tries the greedy stage is
kept as it was.  Registers are counted at the
signal's full width (the printer stores only the bits read later, so the count errs high).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from .delay import DelayModel
from .lower import Lowered
from .netlist import InputCell

TRIES = 4  # cuts solved per boundary before keeping the greedy stage
EPS = 1e-6


@dataclass(frozen=True)
class RetimeResult:
    """Register bits at the stage boundaries before and after the pass."""

    before: int
    after: int


class _Graph:
    """The live signals with their readers, delays and latest placements."""

    def __init__(self, lowered: Lowered, model: DelayModel, budget: float) -> None:
        self.budget, self.model = budget, model
        self.live = lowered.live()
        self.pos = {s.index: i for i, s in enumerate(self.live)}
        self.readers: list[list[int]] = [[] for _ in self.live]
        self.preds: list[list[int]] = []
        for i, sig in enumerate(self.live):
            preds = sorted({self.pos[s.index] for s in sig.cell.inputs})
            self.preds.append(preds)
            for p in preds:
                self.readers[p].append(i)
        self.delay = [s.cell.delay(model, s.width) for s in self.live]
        self.chain = [s.cell.chain(s.width) for s in self.live]
        self.width = [s.width for s in self.live]
        self.fixed = [isinstance(s.cell, InputCell) for s in self.live]
        outs = {v.sig.index for p in lowered.outputs for v in p.values if v.sig is not None}
        self.is_output = [s.index in outs for s in self.live]
        self.latency = max((s.stage for s in self.live if s.index in outs), default=1)
        self.latest = self._latest()

    def _latest(self) -> list[tuple[int, float]]:
        """Per cell, the latest (stage, finish time) that still lets every path end by ``L``
        (the greedy placement run backwards from the output registers)."""
        latest: list[tuple[int, float]] = [(0, 0.0)] * len(self.live)
        for i in range(len(self.live) - 1, -1, -1):
            settle = round(self.budget - self.model.carry_ns_per_bit * self.chain[i], 6)
            best = (self.latency, settle) if self.is_output[i] else (self.latency + 1, 0.0)
            for r in self.readers[i]:
                rs, rt = latest[r]
                start = min(round(rt - self.delay[r], 6), settle)
                best = min(best, (rs, start) if start + EPS >= self.delay[i] else (rs - 1, settle))
            latest[i] = best
        return latest

    def can_wait(self, i: int, k: int) -> bool:
        """Whether cell ``i`` may move from stage ``k`` to ``k + 1`` (taken alone)."""
        ls, lf = self.latest[i]
        return ls > k + 1 or (ls == k + 1 and self.delay[i] <= lf + EPS)

    def late(self, stage: list[int], time: list[float]) -> list[int]:
        """Cells placed after their latest placement."""
        return [
            i
            for i in range(len(self.live))
            if stage[i] and (stage[i], time[i] - EPS) > self.latest[i]
        ]

    def place(self, stage: list[int], time: list[float], first: int) -> None:
        """The greedy placement, from stage ``first`` on, of the cells with ``stage == 0``."""
        for i in range(len(self.live)):
            if stage[i]:
                continue
            st, start = first, 0.0
            for p in self.preds[i]:
                ps, pt = (stage[p], time[p]) if stage[p] >= first else (first, 0.0)
                if ps > st:
                    st, start = ps, pt
                elif ps == st:
                    start = max(start, pt)
            end = self.model.finish(start + self.delay[i], self.chain[i])
            if start > 0.0 and end > self.budget:
                st, start = st + 1, 0.0
            stage[i], time[i] = st, round(start + self.delay[i], 6)

    def crossing_bits(self, stage: list[int]) -> int:
        """Bits held by the pipeline registers between stages (output registers excluded)."""
        total = 0
        for i in range(len(self.live)):
            last = max((stage[r] for r in self.readers[i]), default=stage[i])
            if self.is_output[i]:
                last = self.latency
            total += self.width[i] * max(last - stage[i], 0)
        return total


def _min_cut(g: _Graph, k: int, stage: list[int], cand: list[int], forced: set[int]) -> set[int]:
    """The cells of ``cand`` to compute in stage ``k``: the cut of fewest crossing bits."""
    in_cand = {c: n + 2 for n, c in enumerate(cand)}  # node 0 source, 1 sink
    edges: dict[tuple[int, int], int] = {}
    inf = sum(g.width) + 1
    nodes = 2 + len(cand)

    def edge(u: int, v: int, cap: int) -> None:
        edges[(u, v)] = min(edges.get((u, v), 0) + cap, inf)

    def crossing(i: int, node: int) -> None:
        """Pay ``width[i]`` when ``i`` is on the source side and a reader is not."""
        nonlocal nodes
        later = [r for r in g.readers[i] if stage[r] == 0]
        if not later and not g.is_output[i]:
            return
        if g.is_output[i] or any(r not in in_cand for r in later):
            if node != 0:
                edge(node, 1, g.width[i])
            return
        aux, nodes = nodes, nodes + 1
        edge(node, aux, g.width[i])
        for r in later:
            edge(aux, in_cand[r], inf)

    for c in cand:
        node = in_cand[c]
        for p in g.preds[c]:
            if p in in_cand:
                edge(node, in_cand[p], inf)
        if c in forced:
            edge(0, node, inf)
        crossing(c, node)
    for i in range(len(g.live)):
        if 0 < stage[i] <= k and any(r in in_cand for r in g.readers[i]):
            crossing(i, 0)
    if not edges:
        return set(forced)
    rows, cols = zip(*edges, strict=True)
    caps = np.fromiter(edges.values(), dtype=np.int64, count=len(edges))
    if inf >= 2**31:
        return set(cand)  # beyond SciPy's 32-bit capacities: keep the greedy stage
    matrix = csr_matrix((caps.astype(np.int32), (rows, cols)), shape=(nodes, nodes))
    flow = maximum_flow(matrix, 0, 1).flow
    residual = (matrix - flow).tocsr()
    residual.data[residual.data < 0] = 0
    residual.eliminate_zeros()
    reach = set(breadth_first_order(residual, 0, directed=True, return_predecessors=False))
    return {c for c in cand if in_cand[c] in reach}


def retime(lowered: Lowered, model: DelayModel, budget: float) -> RetimeResult:
    """Move the cells of ``lowered`` between stages so the pipeline registers hold fewer bits.

    The latency and every stage's timing budget are kept; ``Signal.stage`` and ``Signal.time``
    are rewritten in place (nothing changes when no cut is better than the greedy one).
    """
    g = _Graph(lowered, model, budget)
    n = len(g.live)
    before = g.crossing_bits([s.stage for s in g.live])
    assigned = [1 if g.fixed[i] else 0 for i in range(n)]
    time = [0.0] * n
    best = before  # bits of the greedy completion of the stages chosen so far
    for k in range(1, g.latency):
        trial_stage, trial_time = list(assigned), list(time)
        g.place(trial_stage, trial_time, k)
        greedy = [i for i in range(n) if not assigned[i] and trial_stage[i] == k]
        chosen = set(greedy)
        forced = {i for i in greedy if not g.can_wait(i, k)}
        for _ in range(TRIES if greedy else 0):
            cut = _min_cut(g, k, assigned, greedy, forced)
            bits, late = _complete(g, assigned, time, trial_time, cut, k)
            if not late:
                if bits < best:
                    chosen, best = cut, bits
                break
            more = _ancestors(g, late) & (chosen - cut)
            if more <= forced:
                break
            forced |= more
        for i in chosen:
            assigned[i], time[i] = k, trial_time[i]
    g.place(assigned, time, g.latency)
    late = [i for i in range(n) if g.is_output[i] and assigned[i] > g.latency]
    after = g.crossing_bits(assigned)
    if late or after >= before:
        return RetimeResult(before, before)
    for i, sig in enumerate(g.live):
        sig.stage, sig.time = assigned[i], time[i]
        sig.finish = model.finish(time[i], g.chain[i])
    return RetimeResult(before, after)


def _complete(
    g: _Graph,
    assigned: list[int],
    time: list[float],
    trial_time: list[float],
    cut: set[int],
    k: int,
) -> tuple[int, set[int]]:
    """With ``cut`` closing stage ``k`` and the rest placed greedily: the register bits, and
    the first cells placed later than they may be (empty when the latency holds)."""
    stage = [assigned[i] or (k if i in cut else 0) for i in range(len(assigned))]
    t = [trial_time[i] if i in cut else time[i] for i in range(len(assigned))]
    g.place(stage, t, k + 1)
    late = set(g.late(stage, t))
    return g.crossing_bits(stage), {i for i in late if not any(p in late for p in g.preds[i])}


def _ancestors(g: _Graph, cells: set[int]) -> set[int]:
    seen, stack = set(cells), list(cells)
    while stack:
        for p in g.preds[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen
