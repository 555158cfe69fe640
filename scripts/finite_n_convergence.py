"""Finite-N Kac-Rice integrals against Theta (spinglass_gan.complexity.finite_n): the convergence
data.

    python scripts/finite_n_convergence.py [OUT_DIR]      # a few minutes on 2 cores

For p = q = 3, sigma_z = 1, kappa = 0.9 at an interior maximum (u_D, u_G) = (10, 0) and
a maximum on the line of B, (1, -0.1): (1/N) log I_N for N in {25, 50, 100, 200, 400},
with E|det| from the Coulomb gas and from 50 sampled spectra per x1 node, beside the exact
Theta.  Writes data/finite_n/convergence.npz (JSON metadata).
"""

import sys
from pathlib import Path

import numpy as np

import spinglass_gan as sg
from spinglass_gan.complexity.finite_n import convergence

CASES = {"interior": (10.0, 0.0), "edge": (1.0, -0.1)}
NS = (25, 50, 100, 200, 400)

if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data" / "finite_n"
    model = sg.GanSpinGlass(3, 3, 1.0, 0.9, formula="published")
    arrays = {"n": np.array(NS)}
    for name, (u_D, u_G) in CASES.items():
        data = convergence(model, u_D, u_G, NS, samples=50, rng=2024)
        arrays[f"{name}_theta"] = np.array(model.theta(u_D, u_G))
        for key, value in data.items():
            if key != "n":
                arrays[f"{name}_{key}"] = value
        print(name, "Theta", float(arrays[f"{name}_theta"]))
        for key in ("coulomb_value", "montecarlo_value", "montecarlo_stderr"):
            print("  ", key, arrays[f"{name}_{key}"])
    meta = {**model.metadata(), "cases": CASES, "samples": 50, "seed": 2024}
    print(sg.save_result(out / "convergence.npz", "finite_n_convergence", arrays, meta))
