"""The 16 high-level jet features of the public hls4ml LHC jet data set, computed with FastJet.

Every feature uses the ``pt_R`` measure of FastJet's EnergyCorrelator contrib: particle
energies are transverse momenta p_T,i, angles are ΔR_ij in (rapidity, azimuth), and
correlators are normalised by the scalar sum Σ p_T,i, so z_i = p_T,i / Σ_j p_T,j.

``*_mmdt`` features are computed on the jet groomed by the modified mass-drop tagger
(mMDT = soft drop with β = 0, z_cut = 0.1, R0 = 0.8); ``zlogz`` and ``multiplicity`` on the
ungroomed jet.  With normalised correlators e_2^(β) = Σ_{i<j} z_i z_j ΔR_ij^β,
e_3^(β) = Σ_{i<j<k} z_i z_j z_k (ΔR_ij ΔR_ik ΔR_jk)^β, and the generalised correlators
1e_3^(β) (only the smallest of the three angles) and 2e_3^(β) (the two smallest):

    C1^(β) = e_2^(β)            C2^(β) = e_3^(β) / e_2^(β)²        D2^(β) = e_3^(β) / e_2^(β)³
    D2^(α,β) = e_3^(α) / e_2^(β)^(3α/β)
    M2^(β) = 1e_3^(β) / e_2^(β)   N2^(β) = 2e_3^(β) / e_2^(β)²

so D2^(1,1) equals D2^(1) by definition (the public data set lists both).  A groomed jet of a
single particle has e_2 = 0: its ratios are set to 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FEATURE_NAMES: tuple[str, ...] = (
    "zlogz",
    "c1_b0_mmdt",
    "c1_b1_mmdt",
    "c1_b2_mmdt",
    "c2_b1_mmdt",
    "c2_b2_mmdt",
    "d2_b1_mmdt",
    "d2_b2_mmdt",
    "d2_a1_b1_mmdt",
    "d2_a1_b2_mmdt",
    "m2_b1_mmdt",
    "m2_b2_mmdt",
    "n2_b1_mmdt",
    "n2_b2_mmdt",
    "mass_mmdt",
    "multiplicity",
)

MMDT_ZCUT = 0.1
MMDT_BETA = 0.0
MMDT_R0 = 0.8
# Radius for reclustering one jet's constituents into exactly one C/A jet: above the largest
# possible distance (2 × 0.8) between two constituents of an R = 0.8 jet.
_RECLUSTER_R = 2.0

# feature name → (FastJet `func`, keyword arguments) of exclusive_jets_energy_correlator.
_CORRELATORS: dict[str, tuple[str, dict[str, Any]]] = {
    "c1_b0_mmdt": ("cseries", {"npoint": 1, "beta": 0}),
    "c1_b1_mmdt": ("cseries", {"npoint": 1, "beta": 1}),
    "c1_b2_mmdt": ("cseries", {"npoint": 1, "beta": 2}),
    "c2_b1_mmdt": ("cseries", {"npoint": 2, "beta": 1}),
    "c2_b2_mmdt": ("cseries", {"npoint": 2, "beta": 2}),
    "d2_b1_mmdt": ("d2", {"beta": 1}),
    "d2_b2_mmdt": ("d2", {"beta": 2}),
    "d2_a1_b1_mmdt": ("generalizedd2", {"alpha": 1, "beta": 1}),
    "d2_a1_b2_mmdt": ("generalizedd2", {"alpha": 1, "beta": 2}),
    "m2_b1_mmdt": ("mseries", {"npoint": 2, "beta": 1}),
    "m2_b2_mmdt": ("mseries", {"npoint": 2, "beta": 2}),
    "n2_b1_mmdt": ("nseries", {"npoint": 2, "beta": 1}),
    "n2_b2_mmdt": ("nseries", {"npoint": 2, "beta": 2}),
}


def jet_features(constituents: Any) -> np.ndarray:
    """The features of each jet, shape (n_jets, 16), float64, columns in FEATURE_NAMES order.

    ``constituents`` is an awkward array ``n_jets * var * {px, py, pz, E}`` (GeV) holding the
    particles of each jet.
    """
    import awkward as ak
    import fastjet

    n_jets = len(constituents)
    if n_jets == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    columns: dict[str, np.ndarray] = {}

    pt = np.hypot(constituents.px, constituents.py)
    z = pt / ak.sum(pt, axis=1)
    columns["zlogz"] = ak.to_numpy(ak.sum(z * np.log(z), axis=1))
    columns["multiplicity"] = ak.to_numpy(ak.num(constituents, axis=1)).astype(np.float64)

    recluster = fastjet.JetDefinition(fastjet.cambridge_algorithm, _RECLUSTER_R)
    whole = fastjet.ClusterSequence(constituents, recluster)
    groomed = whole.exclusive_jets_softdrop_grooming(
        njets=1, beta=MMDT_BETA, symmetry_cut=MMDT_ZCUT, R0=MMDT_R0
    )
    columns["mass_mmdt"] = ak.to_numpy(groomed.msoftdrop)

    groomed_sequence = fastjet.ClusterSequence(groomed.constituents, recluster)
    for name, (func, kwargs) in _CORRELATORS.items():
        values = groomed_sequence.exclusive_jets_energy_correlator(njets=1, func=func, **kwargs)
        columns[name] = ak.to_numpy(values)

    table = np.stack([np.asarray(columns[name], dtype=np.float64) for name in FEATURE_NAMES], 1)
    return np.where(np.isfinite(table), table, 0.0)
