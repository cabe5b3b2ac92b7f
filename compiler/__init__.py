"""trigc.compiler: frontends, the typed fixed-point IR and its executor, passes and backends."""

# The op registry (ops.py) gathers the ops defined in ops_*.py, which build on ops.py's base
# classes: importing it first lets any submodule be imported on its own.
from . import ops as _ops  # noqa: F401
