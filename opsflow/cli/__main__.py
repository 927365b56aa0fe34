"""``python -m opsflow.cli``: the same as the ``opsflow`` command."""

import sys

from . import main

sys.exit(main())
