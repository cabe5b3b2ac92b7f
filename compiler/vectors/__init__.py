"""Test vectors: events as rows of mantissas (:mod:`.events`), generated stimuli
(:mod:`.stimuli`) and vectors read from the user's data files (:mod:`.input_data`).

``trigc verify`` and the board pattern files (``trigc patterns``) both draw on them."""
