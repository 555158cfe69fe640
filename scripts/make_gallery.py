"""Small PNGs of figures 1-8 for the README gallery (docs/img/gallery/).

python scripts/make_gallery.py          # about 1.5 min on 2 cores
"""

from pathlib import Path

from spinglass_gan.figure_data import DATA
from spinglass_gan.figures import make_figure

if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "docs" / "img" / "gallery"
    for n in DATA:
        png, pdf, npz = make_figure(n, out, dpi=55)
        pdf.unlink()
        npz.unlink()
        print(png, f"{png.stat().st_size / 1024:.0f} kB")
