"""IR-to-IR passes, one per file; each exposes ``run(graph) -> graph``."""
