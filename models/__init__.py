"""Reference models and their data: the jet tagger (:mod:`.jet_tagger`, the model ``make demo``
compiles) trained on Pythia 8 + FastJet jets (:mod:`.data`), and the earlier demo network
(:mod:`.demo`)."""
