"""Exceptions that carry a message a user can act on.

Every error a user can cause (a bad file, an unsupported layer, an inexact quantizer, an
existing output directory) is a :class:`TrigcError`; the CLI prints its message and exits
non-zero without a traceback.  Anything else escaping is a bug in trigc.
"""


class TrigcError(Exception):
    """Base class of all user-facing trigc errors."""


class UnsupportedModelError(TrigcError):
    """The model uses a layer, quantizer or structure trigc cannot compile."""


class InexactError(TrigcError):
    """The model cannot be reproduced bit-exactly in fixed point."""


class IRError(TrigcError):
    """The IR is malformed (raised by the verifier)."""


class ProjectError(TrigcError):
    """A compiled project directory is missing, incomplete or cannot be written."""
