"""``python -m stintlab``: the same as the ``stintlab`` command."""

import sys

from stintlab.cli import main

sys.exit(main())
