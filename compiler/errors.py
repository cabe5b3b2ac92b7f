"""Exceptions that carry a message a user can act on.

Every error a user can cause (a bad file, an unsupported layer, an inexact quantizer, an
existing output directory) is a :class:`TrigcError`; the CLI prints its message and exits
non-zero without a traceback.  Anything else escaping is a bug in trigc.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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


def read_project_json(path: Path, missing: str) -> Any:
    """The JSON document at ``path`` (a file trigc wrote into a project).

    A missing file raises :class:`ProjectError` with ``missing`` (what the user should do);
    a file that is not JSON names itself and the parse error."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ProjectError(missing) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{path}: not valid JSON ({exc})") from None
