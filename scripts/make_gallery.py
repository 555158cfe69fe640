"""PNGs of figures 1-8 for the README gallery: full size and thumbnails.

    python scripts/make_gallery.py          # about 2-3 min on 2 cores

docs/img/gallery/ holds the model's own formula (the default of ``spinglass-gan
figures``), docs/img/gallery/published/ the paper's formula (``--formula published``);
figures 1 and 4 do not depend on the formula and are drawn once.  Each folder has
``figN.png`` (a thumbnail, 40% of full size) and ``full/figN.png`` (100 dpi), which
the README's thumbnails link to.
"""

from pathlib import Path

from PIL import Image

from spinglass_gan.figures.figure_data import DATA
from spinglass_gan.figures.paper import make_figure

THUMBNAIL = 0.4  # of the full size

if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent / "docs" / "img" / "gallery"
    for formula, out in (("derived", root), ("published", root / "published")):
        for n in DATA:
            if formula == "published" and n in (1, 4):
                continue
            png, pdf, npz = make_figure(n, out / "full", dpi=100, formula=formula)
            pdf.unlink()
            npz.unlink()
            with Image.open(png) as full:
                size = (round(full.width * THUMBNAIL), round(full.height * THUMBNAIL))
                full.resize(size, Image.LANCZOS).save(out / png.name, optimize=True)
            print(png, f"{png.stat().st_size / 1024:.0f} kB")
