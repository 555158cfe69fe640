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
    return tuple(complex(v) for v in mp_dyson_mp(b, b1, kappa, x1, x, eta, dps))


def mp_dyson_mp(b, b1, kappa, x1, x, eta="1e-30", dps=50):
    """:func:`mp_dyson` as mpmath numbers (call inside ``mp.workdps(dps)`` to keep
    the digits)."""
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
        return k * t + (1 - k) * m2, t, m2


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


def mp_log_potential(b, b1, kappa, x1, x, dps=50):
    """L(x; x1) = integral of log|lambda - x| d mu_{x1}(lambda) at ``dps`` digits, from
    the closed form -kappa log|m1| - (1 - kappa) log|m2| + Re(a m^2 + c kappa m1^2) / 2
    (a = b^2 / 2, c = b1^2 / 2) with the physical solution of :func:`mp_dyson_mp`."""
    with mp.workdps(dps):
        m, m1, m2 = mp_dyson_mp(b, b1, kappa, x1, x, dps=dps)
        a, c, k = mp.mpf(b) ** 2 / 2, mp.mpf(b1) ** 2 / 2, mp.mpf(kappa)
        logs = -k * mp.log(abs(m1)) - (1 - k) * mp.log(abs(m2))
        return logs + mp.re(a * m**2 + c * k * m1**2) / 2


def mp_log_potential_quad(b, b1, kappa, x1, x, dps=20):
    """L(x; x1) by quadrature of log|lambda - x| against the density Im m / pi of
    :func:`mp_dyson_mp` over the support (edges from :func:`mp_edges`, split at x):
    no closed form involved."""
    edges = mp_edges(b, b1, kappa, x1, dps=40)
    lo, hi = min(edges), max(edges)
    with mp.workdps(dps):

        def integrand(lam):
            m = mp_dyson_mp(b, b1, kappa, x1, lam, eta="1e-15", dps=dps + 10)[0]
            return mp.log(abs(lam - x)) * mp.im(m) / mp.pi

        points = sorted({mp.mpf(lo), mp.mpf(hi), *[mp.mpf(e) for e in edges]})
        if lo < x < hi:
            points = sorted({*points, mp.mpf(x)})
        return mp.quad(integrand, points)


def mp_c_star(p, q, sigma_z, kappa, dps=50):
    """C* of the model's own formula from its closed form at ``dps`` digits, with the
    gradient variances written out here: alpha_D = 1/2, alpha_G = 2 sigma_z^2,
    v_G = alpha_G r 2^(r-1), v_D = alpha_D p + v_G (r = p + q), and
    C* = 1/2 - (kappa/2) log kappa - ((1-kappa)/2) log(1-kappa)
         - (kappa/2) log v_D - ((1-kappa)/2) log v_G."""
    with mp.workdps(dps):
        r = p + q
        k = mp.mpf(kappa)
        alpha_d, alpha_g = mp.mpf(1) / 2, 2 * mp.mpf(sigma_z) ** 2
        v_g = alpha_g * r * mp.mpf(2) ** (r - 1)
        v_d = alpha_d * p + v_g
        return (
            mp.mpf(1) / 2
            - k / 2 * mp.log(k)
            - (1 - k) / 2 * mp.log(1 - k)
            - k / 2 * mp.log(v_d)
            - (1 - k) / 2 * mp.log(v_g)
        )


def mp_scales(p, q, sigma_z, kappa, dps=50):
    """(b, b1) of the Hessian ensemble: b^2 = sigma_z^2 r (r-1) 2^r, b1^2 = kappa p (p-1)."""
    with mp.workdps(dps):
        r = p + q
        b = mp.sqrt(mp.mpf(sigma_z) ** 2 * r * (r - 1) * mp.mpf(2) ** r)
        return b, mp.sqrt(mp.mpf(kappa) * p * (p - 1))


def mp_total_at_origin(p, q, sigma_z, kappa, dps=50):
    """C* + L(0; 0): the model's own exponent at losses v = 0 (x = x1 = 0), where its
    Gaussian term vanishes.  With x1 = 0 the spectrum is symmetric about 0, so
    Re m(0) = Re m1(0) = 0 and v = 0 is always a critical point."""
    with mp.workdps(dps):
        b, b1 = mp_scales(p, q, sigma_z, kappa, dps)
        return mp_c_star(p, q, sigma_z, kappa, dps) + mp_log_potential(b, b1, kappa, 0, 0, dps)


def mp_published_phi(p, q, sigma_z, kappa, x, x1, dps=60):
    """The published exponent Phi(x, x1) = C - x^2 / (2 s^2) - x1^2 / (2 s1^2) + L(x; x1)
    at ``dps`` digits, with C, s^2 = sigma_z^2 r^2 2^(3r) / 2 and s1^2 = p^2 / 2 from
    their closed forms (r = p + q) and L from :func:`mp_log_potential`.  60 digits keep
    eta = 1e-30 far above the working precision where the spectrum is far away."""
    with mp.workdps(dps):
        r = p + q
        s_sq = mp.mpf(sigma_z) ** 2 * r**2 * mp.mpf(2) ** (3 * r) / 2
        s1_sq = mp.mpf(p) ** 2 / 2
        g = mp.mpf(sigma_z) ** 2 * r * mp.mpf(2) ** r
        k = mp.mpf(kappa)
        c = (
            mp.mpf(13) / 2 * mp.log(2)
            + 5 * mp.log(mp.pi)
            - k / 2 * mp.log(p + g)
            - (1 - k) / 2 * mp.log(g)
            - k / 2 * mp.log(k)
            - (1 - k) / 2 * mp.log(1 - k)
        )
        b, b1 = mp_scales(p, q, sigma_z, kappa, dps)
        x, x1 = mp.mpf(x), mp.mpf(x1)
        pot = mp_log_potential(b, b1, kappa, x1, x, dps=dps)
        return c - x**2 / (2 * s_sq) - x1**2 / (2 * s1_sq) + pot
