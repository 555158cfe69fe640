"""Paper Fig. 6: the banded structure: largest feasible k_D and k_G.

Usage: python scripts/figure6_banded.py [OUT_DIR]   (default: figures)
Writes fig6.png, fig6.pdf and fig6.npz; settings: spinglass_gan.figures.figure_data.
"""

import sys

from spinglass_gan.figures.paper import figure6

if __name__ == "__main__":
    for path in figure6(sys.argv[1] if len(sys.argv) > 1 else "figures", progress=True):
        print(path)
