"""Labelled jet data for the jet tagger: Pythia 8 events, FastJet jets, the 16 high-level
features of the public hls4ml LHC jet data set.

Importing this package is cheap; Pythia and FastJet are imported only by the modules that
need them (:mod:`.generate`, :mod:`.features`).
"""

from .classes import CLASS_NAMES, JET_CLASSES, JetClass
from .features import FEATURE_NAMES

__all__ = ["CLASS_NAMES", "FEATURE_NAMES", "JET_CLASSES", "JetClass"]
