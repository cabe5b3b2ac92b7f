"""The five jet classes: the Pythia 8 process that produces each, and the truth partons that
label a jet.

Label order follows the hls4ml jet data set: gluon, light quark, W, Z, top.

A jet is labelled when every parton of one *truth object* lies within ΔR < R of the jet axis:

- gluon / light quark: one outgoing parton of the hard 2 → 2 scattering (status ±23) whose
  flavour is the class's (g; u, d or s);
- W / Z: the two quarks of the hadronic boson decay;
- top: the b quark and the two quarks of the W of a hadronic t → W b decay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Pythia status codes (|status|): 21 incoming and 23 outgoing of the hardest process;
# resonance decay products are also given status 23.
_INCOMING, _OUTGOING = 21, 23
_QUARKS = frozenset({1, 2, 3, 4, 5})
_HADRONIC = "1 2 3 4 5"


@dataclass(frozen=True)
class JetClass:
    """One jet class: its label, the Pythia process switches, and how to find its partons."""

    name: str
    label: int
    process: tuple[str, ...]
    parton_ids: frozenset[int]
    """|PDG id| of the partons that make up a truth object."""
    resonance_id: int | None = None
    """|PDG id| of the decaying particle whose decay quarks form the truth object, or None
    for a bare hard-process parton."""
    n_partons: int = 1

    def truth_objects(
        self, pdg_id: np.ndarray, status: np.ndarray, mother: np.ndarray
    ) -> list[list[int]]:
        """Indices (into one Pythia event record) of the partons of each truth object.

        ``pdg_id``, ``status`` and ``mother`` are the event record's ``id``, ``status`` and
        ``mother1`` columns.  Only complete objects (``n_partons`` partons) are returned.
        """
        objects: dict[int, list[int]] = {}
        for i in np.flatnonzero(np.abs(status) == _OUTGOING):
            if abs(int(pdg_id[i])) not in self.parton_ids:
                continue
            if self.resonance_id is None:
                if abs(int(status[mother[i]])) == _INCOMING:
                    objects[int(i)] = [int(i)]
            else:
                ancestor = _ancestor(int(i), self.resonance_id, pdg_id, status, mother)
                if ancestor is not None:
                    objects.setdefault(ancestor, []).append(int(i))
        return [partons for partons in objects.values() if len(partons) == self.n_partons]


def _ancestor(
    i: int, wanted_id: int, pdg_id: np.ndarray, status: np.ndarray, mother: np.ndarray
) -> int | None:
    """The nearest ancestor of particle ``i`` with |id| ``wanted_id``, following ``mother1``
    up to the incoming partons of the hard process; None if there is none."""
    j = int(mother[i])
    while j > 0 and abs(int(status[j])) != _INCOMING:
        if abs(int(pdg_id[j])) == wanted_id:
            return j
        j = int(mother[j])
    return None


JET_CLASSES: tuple[JetClass, ...] = (
    JetClass("g", 0, ("HardQCD:gg2gg = on",), frozenset({21})),
    JetClass("q", 1, ("HardQCD:qq2qq = on",), frozenset({1, 2, 3})),
    JetClass(
        "w",
        2,
        (
            "WeakBosonAndParton:qqbar2Wg = on",
            "WeakBosonAndParton:qg2Wq = on",
            "24:onMode = off",
            f"24:onIfAny = {_HADRONIC}",
        ),
        _QUARKS,
        resonance_id=24,
        n_partons=2,
    ),
    JetClass(
        "z",
        3,
        (
            "WeakBosonAndParton:qqbar2gmZg = on",
            "WeakBosonAndParton:qg2gmZq = on",
            "WeakZ0:gmZmode = 2",  # Z only, no γ*
            "23:onMode = off",
            f"23:onIfAny = {_HADRONIC}",
        ),
        _QUARKS,
        resonance_id=23,
        n_partons=2,
    ),
    JetClass(
        "t",
        4,
        (
            "Top:gg2ttbar = on",
            "Top:qqbar2ttbar = on",
            "24:onMode = off",
            f"24:onIfAny = {_HADRONIC}",
        ),
        _QUARKS,
        resonance_id=6,
        n_partons=3,
    ),
)
CLASS_NAMES: tuple[str, ...] = tuple(c.name for c in JET_CLASSES)


def get_class(name: str) -> JetClass:
    """The jet class called ``name`` (one of g, q, w, z, t)."""
    for jet_class in JET_CLASSES:
        if jet_class.name == name:
            return jet_class
    raise KeyError(f"unknown jet class {name!r}; valid classes: {', '.join(CLASS_NAMES)}")
