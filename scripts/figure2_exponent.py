"""Paper Fig. 2: the complexity exponent Phi(x, x1) with the boundary of B.

Usage: python scripts/figure2_exponent.py [OUT_DIR]   (default: figures)
Writes fig2.png, fig2.pdf and fig2.npz; settings: spinglass_gan.figures.figure_data.
"""

import sys

from spinglass_gan.figures.paper import figure2

if __name__ == "__main__":
    for path in figure2(sys.argv[1] if len(sys.argv) > 1 else "figures", progress=True):
        print(path)
