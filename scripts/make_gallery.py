"""Small PNGs of figures 1-8 for the README gallery.

    python scripts/make_gallery.py          # about 2 min on 2 cores

docs/img/gallery/ holds the model's own formula (the default of ``spinglass-gan
figures``), docs/img/gallery/published/ the paper's formula (``--formula published``);
figures 1 and 4 do not depend on the formula and are drawn once.
"""

from pathlib import Path

from spinglass_gan.figure_data import DATA
from spinglass_gan.figures import make_figure

if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent / "docs" / "img" / "gallery"
    for formula, out in (("derived", root), ("published", root / "published")):
        for n in DATA:
            if formula == "published" and n in (1, 4):
                continue
            png, pdf, npz = make_figure(n, out, dpi=55, formula=formula)
            pdf.unlink()
            npz.unlink()
            print(png, f"{png.stat().st_size / 1024:.0f} kB")
