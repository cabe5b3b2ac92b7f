"""Differential fuzzing: random valid models for every frontend (:mod:`.specs`), built with the
real libraries (:mod:`.build_keras`, :mod:`.build_legacy`, :mod:`.build_onnx`), compiled and
verified through trigc's own API (:mod:`.check`).  Used by the CI campaign
(``test_campaign.py``), the regression tests and ``bench/fuzz.py``."""
