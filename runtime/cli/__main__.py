"""``python -m runtime.cli``: the ``minimomen`` command."""

import sys

from runtime.cli import main

sys.exit(main())
