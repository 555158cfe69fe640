"""Paper Fig. 7: lowest losses with critical points against sigma_z.

Usage: python scripts/figure7_sigma_z.py [OUT_DIR]   (default: figures)
Writes fig7.png, fig7.pdf and fig7.npz; settings: spinglass_gan.figures.figure_data.
"""

import sys

from spinglass_gan.figures.paper import figure7

if __name__ == "__main__":
    for path in figure7(sys.argv[1] if len(sys.argv) > 1 else "figures", progress=True):
        print(path)
