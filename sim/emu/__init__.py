"""The C++ emulator from Python: :func:`load` builds a project's ``emu/`` into a shared library
(cached like the simulator builds) and returns an :class:`Emulator` that runs it through ctypes.

    >>> from trigc import emu
    >>> model = emu.load("out/")            # a project compiled with --backend emu
    >>> y = model.predict_int(x_mantissas)  # (n, inputs) int64 -> (n, outputs) int64
    >>> y = model.predict(x_values)         # float64 on the input grid -> float64
"""

from .build import (
    CXX_FLAGS,
    LIBRARY_FLAGS,
    EmuBuild,
    Emulator,
    build_emulator,
    compile_check,
    load,
    load_dir,
)

__all__ = [
    "CXX_FLAGS",
    "LIBRARY_FLAGS",
    "EmuBuild",
    "Emulator",
    "build_emulator",
    "compile_check",
    "load",
    "load_dir",
]
