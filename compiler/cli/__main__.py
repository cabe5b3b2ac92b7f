"""``python -m trigc.compiler.cli``: the ``trigc`` command."""

import sys

from . import main

sys.exit(main())
