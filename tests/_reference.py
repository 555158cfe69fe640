"""High-precision references computed independently of the package's kernels."""

import inspect

import mpmath as mp

# mpmath 1.4 takes coefficients lowest degree first with asc=True and deprecates the
# descending order without it; mpmath 1.3 has no asc and takes them descending.
_ASCENDING = "asc" in inspect.signature(mp.polyroots).parameters


def _polyroots(descending, **kwargs):
    """mp.polyroots of the coefficients ``descending`` (highest degree first)."""
    if _ASCENDING:
        return mp.polyroots(list(reversed(descending)), asc=True, **kwargs)
    return mp.polyroots(descending, **kwargs)


def mp_dyson(b, b1, kappa, x1, x, eta="1e-30", dps=50):
    """(m, m1, m2) at z = x + i eta from the quartic in t = m1 at ``dps`` digits.

    The physical root is chosen by the definition: the unique root with Im m1 > 0
    and Im m2 > 0 (for Im z > 0).  At 50 digits eta = 1e-30 is far above the
    working precision, so the test is unambiguous without any first-order probe.
    """
    with mp.workdps(dps):
        a = mp.mpf(b) ** 2 / 2
        c = mp.mpf(b1) ** 2 / 2
        k = mp.mpf(kappa)
        x1 = mp.mpf(x1)
        z = mp.mpc(x, mp.mpf(eta))
        coeffs = [c * (c + a * k), c * (2 * x1 + z) + a * k * x1, x1**2 + 2 * c + z * x1 + a]
        coeffs += [2 * x1 + z, 1]
        while coeffs[0] == 0:
            coeffs.pop(0)
        roots = _polyroots(coeffs, maxsteps=500, extraprec=4 * dps)
        good = []
        for t in roots:
            m2 = t / (c * t * t + x1 * t + 1)
            if mp.im(t) > 0 and mp.im(m2) > 0:
                good.append((t, m2))
        assert len(good) == 1, (x, roots)
        t, m2 = good[0]
        return complex(k * t + (1 - k) * m2), complex(t), complex(m2)


def mp_edges(b, b1, kappa, x1, dps=50):
    """Real critical values of z(t) (edge candidates) at ``dps`` digits."""
    with mp.workdps(dps):
        a = mp.mpf(b) ** 2 / 2
        c = mp.mpf(b1) ** 2 / 2
        k = mp.mpf(kappa)
        x1 = mp.mpf(x1)
        big_a = a * (1 - k)

        def z_of(t):
            s = c * t * t + x1 * t + 1
            return -s / t - big_a * t / s - a * k * t

        def dz(t):
            return mp.diff(z_of, t)

        # (1 - c t^2)(S^2 - A t^2) - a kappa t^2 S^2, expanded by mpmath itself
        pts = [mp.mpf(j) / 3 for j in range(1, 8)]
        vals = [
            (1 - c * t * t) * ((c * t * t + x1 * t + 1) ** 2 - big_a * t * t)
            - a * k * t * t * (c * t * t + x1 * t + 1) ** 2
            for t in pts
        ]
        # exact degree-6 interpolation through 7 points
        coeffs = mp.lu_solve(mp.matrix([[t**j for j in range(6, -1, -1)] for t in pts]), vals)
        roots = _polyroots([coeffs[i] for i in range(7)], maxsteps=500, extraprec=4 * dps)
        out = sorted(float(z_of(mp.re(r))) for r in roots if abs(mp.im(r)) < mp.mpf(10) ** -30)
        assert all(abs(dz(mp.re(r))) < 1e-20 for r in roots if abs(mp.im(r)) < 1e-30)
        return out
