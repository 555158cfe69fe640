"""The measured limits: inputs past them are refused up front, inputs within finish.

The fuzz runs ``tests/_limits_fuzz.py`` in a child process under a 4 GB address-space
limit (as ``ulimit -v 4000000`` would): every draw, from far outside the accepted
ranges to their middle, must be refused with a ValueError or finish, with no
MemoryError, no other exception and no kill.  The default run makes 60 small draws
(seconds); ``-m slow`` makes 3 x 120 draws up to the full sizes (about 10 minutes on
2 cores).  The same by hand::

    (ulimit -v 4000000; PYTHONPATH=. python tests/_limits_fuzz.py 7 120)
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan import _validation as val
from spinglass_gan.landscapes.landscape import check_instance_size

# Subprocess and round-trip tests: the default run, not the fast subset.
pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[1]
ADDRESS_SPACE = 4_000_000 * 1024  # bytes, as ulimit -v 4000000


def _fuzz(seed: int, draws: int, small: bool, timeout: float) -> dict:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    argv = [sys.executable, str(ROOT / "tests" / "_limits_fuzz.py"), str(seed), str(draws)]
    proc = subprocess.run(
        [*argv, *(["small"] if small else [])],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]  # not killed, no MemoryError
    return json.loads(proc.stdout.splitlines()[-1])


def _check(result: dict, slowest: float) -> None:
    assert result["unexpected"] == [], "\n".join(result["unexpected"])
    # Not vacuous: both outcomes occur.
    assert result["ok"] >= 5 and result["refused"] >= 5, result
    assert result["slowest_s"] < slowest, result


def test_limits_fuzz_small():
    # Each call within 30 s (measured slowest 0.5 s on 2 loaded cores).
    _check(_fuzz(0, 60, True, timeout=600), slowest=30.0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_limits_fuzz_full(seed):
    # Each call within 120 s: a 1000 x 1000 grid, a 2500-order matrix, an instance
    # tensor of up to 3e8 permuted entries.
    _check(_fuzz(seed, 120, False, timeout=3000), slowest=120.0)


@pytest.mark.parametrize("kappa", [val.KAPPA_MIN, 0.5, 1.0 - val.KAPPA_MIN])
@pytest.mark.parametrize("formula", ["derived", "published"])
def test_kappa_ends_compute(kappa, formula):
    # The ends of the accepted range give a finite Theta (measured there: <= 1.5 s).
    theta = sg.GanSpinGlass(3, 3, 1.0, kappa, formula=formula).theta(math.inf, math.inf)
    assert math.isfinite(theta)


@pytest.mark.parametrize("kappa", [1e-12, 1e-5, 0.99999, 1 - 1e-12])
def test_kappa_beyond_is_refused(kappa):
    with pytest.raises(ValueError, match=r"^kappa must lie in \[0.001, 0.999\]"):
        sg.GanSpinGlass(3, 3, 1.0, kappa)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((2, 40, 1.0, 0.9), "q"),  # the Gaussian term's precision loses definiteness
        ((45, 1, 1.0, 0.9), "p"),
        ((3, 3, 1e6, 0.9), "sigma_z"),
        ((61, 1, 1.0, 0.9), "p"),
    ],
)
def test_orders_and_conditioning_are_refused(args, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        sg.GanSpinGlass(*args)


def test_published_tiny_sigma_z_is_refused():
    # b1 / b = 2e7 here: the Dyson roots failed (ArithmeticError) before the check.
    with pytest.raises(ValueError, match=r"^sigma_z is too small"):
        sg.GanSpinGlass(2, 1, 1e-8, 0.999, formula="published")
    # Inside the limit it computes (b1 / b = 2e4 here; near 1e6 a Theta takes ~20 s).
    m = sg.GanSpinGlass(2, 1, 1e-5, 0.999, formula="published")
    assert math.isfinite(m.theta(math.inf, math.inf))


def test_index_limit():
    m = sg.GanSpinGlass(3, 3, 1.0, 0.9)
    assert math.isfinite(m.theta(1.0, 1.0, k_D=val.INDEX_MAX))
    with pytest.raises(ValueError, match=r"^k_D must be <= 1000"):
        m.theta(1.0, 1.0, k_D=10**6)


def test_memory_budget(monkeypatch):
    monkeypatch.delenv(val.MEMORY_BUDGET_ENV, raising=False)
    assert val.memory_budget() == 2 * 2**30
    for text, value in (("8G", 8 * 2**30), ("512M", 512 * 2**20), ("1000", 1000)):
        monkeypatch.setenv(val.MEMORY_BUDGET_ENV, text)
        assert val.memory_budget() == value
    monkeypatch.setenv(val.MEMORY_BUDGET_ENV, "lots")
    with pytest.raises(ValueError, match=val.MEMORY_BUDGET_ENV):
        val.memory_budget()


def test_sizes_against_the_budget(monkeypatch):
    monkeypatch.delenv(val.MEMORY_BUDGET_ENV, raising=False)
    ens = sg.HessianEnsemble(1.0, 1.0, 0.5, 0.0)
    with pytest.raises(ValueError, match=r"^n=10000000 needs about .* over the memory budget"):
        ens.sample_eigvals(10_000_000)
    m = sg.GanSpinGlass(3, 3, 1.0, 0.9)
    with pytest.raises(ValueError, match=r"^u_D, u_G=\(100000, 200\)"):
        m.theta_map(np.linspace(-1, 1, 100_000), np.linspace(-1, 1, 200))
    with pytest.raises(ValueError, match=r"^n_D \+ n_G=100"):
        check_instance_size(3, 3, 50, 50)
    with pytest.raises(ValueError, match=r"^p is too large"):
        check_instance_size(5, 5, 2, 2)
    # A larger budget admits the grid (the check only; nothing is computed here).
    monkeypatch.setenv(val.MEMORY_BUDGET_ENV, "16G")
    val.grid_memory(np.empty(100_000), np.empty(200))


def test_count_estimate_orders():
    # The estimate grows with the order and the size as the measured times did
    # (0.04 s at p, q, n_D, n_G = 2, 1, 2, 2; 72 s at 4, 4, 2, 2).
    small = sg.landscapes.counting.seconds_per_instance(2, 1, 2, 2)
    large = sg.landscapes.counting.seconds_per_instance(4, 4, 2, 2)
    assert 0.01 < small < 0.2 and 20 < large < 250
