"""The model's own Kac-Rice formula at finite N against counts on sampled instances.

data/counts/ holds every critical point of 300-1000 sampled instances per setting; the
exact expected count (Monte Carlo of the formula, one set of draws for all questions)
must agree with the mean count per instance.  z = difference / combined standard error;
a wrong constant in the formula (a factor 2 in the prefactor, K, v_D, v_G) moves z by
tens.  The bound |z| <= 4: the stored comparison (scripts/compare_counts.py over all 24
settings, data/counts/comparison.json) has 240 correlated z-scores with max |z| = 3.06.
"""

from pathlib import Path

import numpy as np
import pytest

import spinglass_gan as sg

COUNTS = Path(__file__).resolve().parent.parent / "data" / "counts"


def _per_instance(res, keep):
    counts = np.bincount(res["instance"][keep].astype(int), minlength=res.metadata["instances"])
    return counts.mean(), counts.std(ddof=1) / np.sqrt(counts.size)


@pytest.mark.parametrize("name", ["p2_q1_sz0.5_nd2_ng2", "p3_q2_sz1_nd2_ng2", "p2_q2_sz1_nd3_ng3"])
def test_counts_agree_with_the_exact_formula(name):
    res = sg.load_result(COUNTS / f"{name}.npz")
    m = res.metadata
    draws = sg.kac_rice_samples(m["p"], m["q"], m["sigma_z"], m["n_D"], m["n_G"], 200_000, 0)
    u_D, u_G = float(np.median(res["u_D"])), float(np.median(res["u_G"]))
    pairs, freq = np.unique(np.stack([res["k_D"], res["k_G"]], 1), axis=0, return_counts=True)
    k_D, k_G = (int(v) for v in pairs[np.argmax(freq)])
    questions = [
        (np.inf, np.inf, None, None),
        (u_D, np.inf, None, None),
        (np.inf, u_G, None, None),
        (np.inf, np.inf, k_D, k_G),
    ]
    for a, b, kd, kg in questions:
        keep = (res["u_D"] <= a) & (res["u_G"] <= b)
        if kd is not None:
            keep &= (res["k_D"] == kd) & (res["k_G"] == kg)
        c, c_err = _per_instance(res, keep)
        f, f_err = draws.expected(a, b, kd, kg)
        z = (c - f) / np.hypot(c_err, f_err)
        assert abs(z) <= 4.0, (name, a, b, kd, kg, c, f, z)


def test_stored_comparison_is_within_its_errors():
    import json

    rows = [r for s in json.loads((COUNTS / "comparison.json").read_text()) for r in s["rows"]]
    z = np.array([r["z"] for r in rows])
    assert z.size >= 24 * 7 and np.all(np.abs(z) <= 3.5)
