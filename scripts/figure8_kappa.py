"""Paper Fig. 8: lowest losses with critical points against kappa.

Usage: python scripts/figure8_kappa.py [OUT_DIR]   (default: figures)
Writes fig8.png, fig8.pdf and fig8.npz; settings: spinglass_gan.figures.figure_data.
"""

import sys

from spinglass_gan.figures.paper import figure8

if __name__ == "__main__":
    for path in figure8(sys.argv[1] if len(sys.argv) > 1 else "figures", progress=True):
        print(path)
