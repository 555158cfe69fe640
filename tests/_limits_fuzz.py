"""Random calls over the whole range the validators take, for tests/test_limits.py.

Run as a script (``python tests/_limits_fuzz.py SEED DRAWS [SMALL]``) inside an
address-space limit: each draw builds a model, an ensemble or an instance with
arguments from far beyond the accepted ranges to their middle, and calls it.  Every
call must either be refused up front with a ValueError or finish.  Prints one JSON
line: the outcome counts, the slowest call and every unexpected exception.
"""

from __future__ import annotations

import json
import math
import sys
import time
import traceback
import warnings

import numpy as np

import spinglass_gan as sg
from spinglass_gan.landscapes.landscape import GanLandscape


def _log_uniform(rng, lo, hi):
    return float(10.0 ** rng.uniform(math.log10(lo), math.log10(hi)))


def _kappa(rng):
    # Extremes as often as the middle: 1e-15 .. 0.5 and its mirror image.
    k = _log_uniform(rng, 1e-15 if rng.random() < 0.3 else 1e-3, 0.5)
    return k if rng.random() < 0.5 else 1.0 - k


def _model(rng):
    p = int(rng.integers(2, 80))
    q = int(rng.integers(1, 80))
    if rng.random() < 0.6:  # mostly the orders people use
        p, q = int(rng.integers(2, 8)), int(rng.integers(1, 8))
    formula = "derived" if rng.random() < 0.6 else "published"
    wide = rng.random() < 0.3
    sigma_z = _log_uniform(rng, 1e-12, 1e12) if wide else _log_uniform(rng, 1e-3, 1e3)
    kappa = _kappa(rng)
    LAST[:] = [f"GanSpinGlass({p}, {q}, {sigma_z!r}, {kappa!r}, formula={formula!r})"]
    return sg.GanSpinGlass(p, q, sigma_z, kappa, formula=formula)


LAST: list[str] = []  # the model of the current draw, for the report


def _index(rng):
    if rng.random() < 0.4:
        return None
    return int(_log_uniform(rng, 1, 1e7 if rng.random() < 0.2 else 1e3)) - 1


def draw_theta(rng, small):
    m = _model(rng)
    u = [math.inf if rng.random() < 0.3 else rng.uniform(-1e3, 1e3) for _ in range(2)]
    return m.theta(u[0], u[1], k_D=_index(rng), k_G=_index(rng))


def draw_map(rng, small):
    m = _model(rng)
    n_d, n_g = (int(_log_uniform(rng, 2, 60 if small else 1e5)) for _ in range(2))
    # The budget decides first; an accepted grid larger than the time allows is
    # computed on a part of it (memory per point was measured on 1600 x 1600).
    sg._validation.grid_memory(np.empty(n_d), np.empty(n_g))
    cap = 4_000 if small else 1_000_000
    while n_d * n_g > cap:
        n_d, n_g = max(2, n_d // 2), max(2, n_g // 2)
    u_d, u_g = np.linspace(-30, 30, n_d), np.linspace(-30, 30, n_g)
    return m.theta_map(u_d, u_g, _index(rng), _index(rng))


def draw_ensemble(rng, small):
    n = int(_log_uniform(rng, 2, 1e8))
    ens = sg.HessianEnsemble(
        _log_uniform(rng, 1e-3, 1e3), _log_uniform(rng, 1e-3, 1e3), _kappa(rng), 0.0
    )
    if n > (300 if small else 2500):
        # Refused by the memory budget, or accepted: then sampled at a size the time
        # allows (the budget's arithmetic is checked in test_limits).
        sg._validation.within_memory("n", n, 32.0 * n * n, "one matrix")
        n = 300 if small else 2500
    return ens.sample_eigvals(n, int(rng.integers(1, 3)), rng=0)


def draw_instance(rng, small):
    p, q = int(rng.integers(2, 12)), int(rng.integers(1, 12))
    n_d, n_g = int(_log_uniform(rng, 2, 200)), int(_log_uniform(rng, 2, 200))
    sg.landscapes.landscape.check_instance_size(p, q, n_d, n_g)
    if (n_d + n_g) ** (p + q) * math.factorial(p + q) > (1e6 if small else 3e8):
        return "accepted (not sampled: time)"
    return GanLandscape.sample(p, q, 1.0, n_d, n_g, rng=0).field(np.ones(n_d + n_g))


KINDS = {
    "theta": draw_theta,
    "map": draw_map,
    "ensemble": draw_ensemble,
    "instance": draw_instance,
}


def main(seed: int, draws: int, small: bool) -> dict:
    rng = np.random.default_rng(seed)
    outcome = {"ok": 0, "refused": 0, "unexpected": []}
    slowest = (0.0, "")
    warnings.simplefilter("ignore")  # warnings are allowed: they say what failed
    for i in range(draws):
        kind = list(KINDS)[i % len(KINDS)]
        LAST.clear()
        start = time.perf_counter()
        try:
            KINDS[kind](rng, small)
            outcome["ok"] += 1
        except ValueError:
            outcome["refused"] += 1
        except Exception as exc:  # every other exception is a finding
            outcome["unexpected"].append(
                f"{kind} draw {i} {LAST}: {type(exc).__name__}: {exc}\n"
                + "".join(traceback.format_exc(limit=-3))
            )
        took = time.perf_counter() - start
        if took > slowest[0]:
            slowest = (took, f"{kind} draw {i}")
    outcome["slowest_s"], outcome["slowest"] = slowest
    return outcome


if __name__ == "__main__":
    seed, draws = int(sys.argv[1]), int(sys.argv[2])
    small = len(sys.argv) > 3 and sys.argv[3] == "small"
    print(json.dumps(main(seed, draws, small)))
