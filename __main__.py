"""``python -m boundlab``: the ``boundlab`` command."""

import sys

from boundlab.bounds.cli import main

sys.exit(main())
