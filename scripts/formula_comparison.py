"""The paper's conclusions under both Kac-Rice formulas (docs/formula-comparison.md).

    python scripts/formula_comparison.py [OUT_DIR]      # writes comparison.json and a figure

For (p, q) = (3, 3): the total complexity against the Bezout ceiling log(r - 1), the
lowest losses at (sigma_z, kappa) = (1, 0.9), their dependence on sigma_z and on kappa,
and which index pairs (k_D, k_G) have critical points at all (the banded structure's
raw material: Theta_{k_D,k_G} with no loss bound).  Every number comes from the library.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

import spinglass_gan as sg
from spinglass_gan.figures.plotting import plot_lowest_losses

FORMULAS = ("published", "derived")
SIGMA_Z = np.logspace(-4.0, 2.0, 13)
KAPPA = np.linspace(0.1, 0.9, 9)
K_MAX = 6


def index_table(model: sg.GanSpinGlass) -> list[list[float]]:
    """Theta_{k_D,k_G}(inf, inf) for k_D, k_G <= K_MAX."""
    out = []
    for k_d in tqdm(range(K_MAX + 1), desc=f"indices ({model.formula})", leave=False):
        out.append([model.theta(math.inf, math.inf, k_d, k_g) for k_g in range(K_MAX + 1)])
    return out


def main(out_dir: Path) -> None:
    started = time.time()
    report: dict = {"p": 3, "q": 3, "bezout_log": math.log(5.0)}
    sweeps = {}
    for formula in FORMULAS:
        model = sg.GanSpinGlass(3, 3, 1.0, 0.9, formula=formula)
        low = sg.lowest_losses(model)
        entry = {
            "theta_total": model.theta(math.inf, math.inf),
            "lowest": {f: getattr(low, f) for f in low.__dataclass_fields__},
            "index_total": index_table(model),
        }
        for name, kw in (
            ("sigma_z", {"sigma_z": SIGMA_Z, "kappa": 0.9}),
            ("kappa", {"sigma_z": 1.0, "kappa": KAPPA}),
        ):
            res = sg.sweep(3, 3, **kw, formula=formula, progress=True)
            sweeps[(formula, name)] = res
            entry[f"sweep_{name}"] = {
                "values": res.values.tolist(),
                **{k: v.tolist() for k, v in res.results.items()},
            }
        report[formula] = entry
    report["seconds"] = time.time() - started
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "comparison.json").write_text(json.dumps(report, indent=1))

    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(9.0, 6.4), constrained_layout=True)
    for row, formula in enumerate(FORMULAS):
        for col, name in enumerate(("sigma_z", "kappa")):
            ax = axes[row, col]
            plot_lowest_losses(sweeps[(formula, name)], "each", ax=ax)
            if name == "sigma_z":
                ax.set_xscale("log")
            ax.set_title(f"{formula} formula, p = q = 3", fontsize=9)
    for ext in ("png", "pdf"):
        fig.savefig(out_dir / f"formula-comparison.{ext}", dpi=150)
    print(json.dumps({f: report[f]["lowest"] for f in FORMULAS}, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("comparison"))
