"""Paper Fig. 3: Theta(u_D, u_G) and its cross-sections.

Usage: python scripts/figure3_theta.py [OUT_DIR]   (default: figures)
Writes fig3.png, fig3.pdf and fig3.npz; settings: spinglass_gan.figures.figure_data.
"""

import sys

from spinglass_gan.figures.paper import figure3

if __name__ == "__main__":
    for path in figure3(sys.argv[1] if len(sys.argv) > 1 else "figures", progress=True):
        print(path)
