"""The paper's figures, computed from the library and saved as PNG, PDF and .npz.

Each ``figureN`` function writes ``figN.png``, ``figN.pdf`` and ``figN.npz`` (the
plotted data with a JSON metadata string: parameters and package version) to
``out_dir`` and returns the paths.  Figures of the complexity (2-8) follow the
complexity module.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ._version import __version__
from .ensemble import HessianEnsemble
from .master_equation import splitting_x1
from .plotting import plot_spectrum

__all__ = ["figure1"]


def _save(fig, out_dir: Path, name: str, data: dict, meta: dict) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.png", out_dir / f"{name}.pdf", out_dir / f"{name}.npz"]
    fig.savefig(paths[0], dpi=150, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    meta = {"package": "spinglass_gan", "version": __version__, **meta}
    np.savez_compressed(paths[2], metadata=json.dumps(meta), **data)
    return paths


def figure1(out_dir: str | Path, *, n: int = 300, samples: int = 100, seed: int = 0) -> list[Path]:
    """Fig. 1: spectra of H' (b = b1 = 1, kappa = 0.9) against the master equation.

    Three shifts: x1 = 1 (one interval), the x1 at which the two intervals touch,
    and x1 = 3 (two separated intervals); ``samples`` matrices of order ``n``.
    """
    import matplotlib.pyplot as plt

    b, b1, kappa = 1.0, 1.0, 0.9
    x1s = [1.0, splitting_x1(b, b1, kappa), 3.0]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), constrained_layout=True)
    data = {"x1": np.array(x1s)}
    for i, (x1, ax) in enumerate(zip(x1s, axes)):
        ens = HessianEnsemble(b, b1, kappa, x1)
        ev = ens.sample_eigvals(n, samples, rng=seed + i)
        plot_spectrum(ens, ev, ax=ax)
        ax.set_title(rf"$x_1 = {x1:.4g}$" + ("  (touching)" if i == 1 else ""))
        data[f"eigvals_{i}"] = ev
    axes[0].legend(frameon=False, fontsize=8)
    meta = {"figure": 1, "b": b, "b1": b1, "kappa": kappa, "n": n, "samples": samples}
    meta["seed"] = seed
    paths = _save(fig, Path(out_dir), "fig1", data, meta)
    plt.close(fig)
    return paths
