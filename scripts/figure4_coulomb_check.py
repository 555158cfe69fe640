"""Paper Fig. 4: log-potential against Monte Carlo determinants (N = 50, 50 samples).

Usage: python scripts/figure4_coulomb_check.py [OUT_DIR]   (default: figures)
Writes fig4.png, fig4.pdf and fig4.npz; settings: spinglass_gan.figures.figure_data.
"""

import sys

from spinglass_gan.figures.paper import figure4

if __name__ == "__main__":
    for path in figure4(sys.argv[1] if len(sys.argv) > 1 else "figures", progress=True):
        print(path)
