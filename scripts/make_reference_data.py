"""Regenerate the stored curves under data/reference/ and data/figures/ (on purpose only).

    python scripts/make_reference_data.py [DATA_DIR]        # about 30 s

The regression tests (tests/test_reference.py) compare fresh computations with
these files; rerun this script only when a change of the curves is intended, and
say why in the commit message.
"""

import sys
from pathlib import Path

from spinglass_gan.figures.reference import write_all

if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data"
    for path in write_all(out):
        print(path, f"{path.stat().st_size / 1024:.1f} kB")
