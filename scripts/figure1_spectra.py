"""Paper Fig. 1: sampled spectra of H' against the master-equation density.

Usage: python scripts/figure1_spectra.py [OUT_DIR]   (default: figures)
Writes fig1.png, fig1.pdf and fig1.npz; settings: spinglass_gan.figures.figure_data.
"""

import sys

from spinglass_gan.figures.paper import figure1

if __name__ == "__main__":
    for path in figure1(sys.argv[1] if len(sys.argv) > 1 else "figures", progress=True):
        print(path)
