"""Templates the backends fill: they only place values computed elsewhere.

``rtl/``: the Verilog top module, one module per layer, the hls4ml-style wrapper, the
testbenches, the vendor scripts, the FuseSoC core, the link wrapper and EMP payload shim
(filled by :mod:`trigc.compiler.backends.rtl.project` and :mod:`trigc.compiler.board`);
``emu/``: the C++ emulator (:mod:`trigc.compiler.backends.emu`); ``hls/``: the export script of
hls4ml projects.  :func:`render` is the one way to fill any of them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

FOLDER = Path(__file__).parent


@cache
def environment(folder: str) -> jinja2.Environment:
    """The Jinja2 environment of one template folder (``rtl``, ``emu``, ``hls``): undefined
    values are errors, block tags leave no blank lines, files keep their final newline."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(FOLDER / folder)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(folder: str, template: str, **values: Any) -> str:
    """``folder/template`` filled with ``values``."""
    return environment(folder).get_template(template).render(**values)


def read(folder: str, name: str) -> str:
    """A template folder's file that is used as it is."""
    return (FOLDER / folder / name).read_text()
