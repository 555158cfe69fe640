"""``python -m spinglass_gan.cli``: the ``spinglass-gan`` command line."""

import sys

from . import main

sys.exit(main())
