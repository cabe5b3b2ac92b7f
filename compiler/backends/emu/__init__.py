"""The ``emu`` backend: a dependency-free, header-only C++17 emulator of the typed IR.

The emulator is what the experiment's software (CMSSW, Athena) links to reproduce the
firmware's decisions bit for bit: integer mantissas in ``int32_t``/``int64_t`` (``__int128`` for
wider intermediates), every rounding and overflow mode as :mod:`trigc.compiler.ir.fixed`
defines it, the weights baked in as constants.  ``code.py`` holds the data a lowering writes
(buffers, tables, steps), ``arith.py`` the C++ integer types and casts, ``linear.py`` dense and
convolution layers, ``lowerings.py`` one lowering per op (``LOWERINGS``), and ``project.py``
places them in the templates of ``firmware_templates/emu``.  :mod:`trigc.emu` builds and loads
the result.
"""

from .arith import EmuError
from .project import EmuDesign, generate, lower_graph, write_project

__all__ = ["EmuDesign", "EmuError", "generate", "lower_graph", "write_project"]
