"""Paper Fig. 5: zero contours of the index-constrained complexity.

Usage: python scripts/figure5_index_contours.py [OUT_DIR]   (default: figures)
Writes fig5.png, fig5.pdf and fig5.npz; settings: spinglass_gan.figures.figure_data.
"""

import sys

from spinglass_gan.figures.paper import figure5

if __name__ == "__main__":
    for path in figure5(sys.argv[1] if len(sys.argv) > 1 else "figures", progress=True):
        print(path)
