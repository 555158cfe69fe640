r"""The specification of a spherical spin-glass game: its covariances, signs and shares.

K players, each on its own sphere, share one random field.
Species s = 1..K has N_s = kappa_s N weights w_s on the sphere |w_s|^2 = N.  With
R_s(u, v) = u_s . v_s / N there are independent centred Gaussian fields

* an own field f_s(w_s) per species, E f_s(u) f_s(v) = N xi_s(R_s), xi_s a polynomial with
  non-negative coefficients and no constant term (xi_s = 0 allowed);
* one shared field h(w), E h(u) h(v) = N xi_h(R_1, ..., R_K), a polynomial in K variables
  with non-negative coefficients and no constant term.

Player s owns w_s and its loss is L_s = f_s + eps_s h, eps_s = +-1.  A critical point of
the game is a point of the product of spheres where every player's Riemannian gradient of
its own loss on its own sphere vanishes.  Loss levels are per N: u_s = L_s / N.

At one point (all R_s = 1) everything the Kac-Rice formula needs is a handful of arrays,
computed here from the covariances (docs/games.md derives them):

* ``profile``: sigma (K x K), the variance profile of the symmetric Gaussian block matrix W
  with J' = W - diag(x_s I): sigma_ss = xi_s''(1) + d_s^2 xi_h, sigma_st = d_s d_t xi_h;
* ``gradient_variances``: v_s = xi_s'(1) + d_s xi_h;
* ``log_constant``: C* = 1/2 - sum (kappa_s/2) log kappa_s - sum (kappa_s/2) log v_s;
* ``field_covariance``: K, the covariance of Y / sqrt(N), Y the values and partial radial
  derivatives rho_s^F = w_s . grad_{w_s} F of all fields;
* ``shift_map`` and ``loss_map``: A and B with x = A Y / N (the shifts
  x_s = (eps_s rho_s^{f_s} + rho_s^h) / N) and (L_s / N) = B Y / N;
* ``shift_loss_covariance``: G = [A; B] K [A; B]^T, the covariance of (x, L/N) times N.

Y is ordered (h, rho_1^h, ..., rho_K^h, f_1, rho_1^{f_1}, ..., f_K, rho_K^{f_K}).

:class:`GameSpec` holds only the description (validation, presets, files, these arrays);
the complexity, Kac-Rice and landscape code work on it.  The user-facing class
:class:`~spinglass_gan.games.game.SpinGlassGame` adds what is computed from it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import _validation as val

__all__ = ["MAX_JACOBIAN_ORDER", "MAX_TENSOR_ENTRIES", "GameSpec"]

# What the finite-N code accepts: sampled instances hold every tensor entry explicitly,
# the Monte Carlo holds (sum N_s - K)^2 matrices.
MAX_TENSOR_ENTRIES = 4_000_000
MAX_JACOBIAN_ORDER = 2_000
_COUPLINGS = ("isotropic", "bipartite")


@dataclass(frozen=True)
class _Poly:
    """scale * sum_m pattern[m] R^m: a covariance polynomial kept as a scale and a pattern.

    The presets keep the scale apart (alpha times integer coefficients) so that values at
    R = 1 are a single product of the scale with an exact integer sum.
    """

    scale: float
    pattern: tuple[tuple[tuple[int, ...], float], ...]

    def coefficients(self) -> dict[tuple[int, ...], float]:
        return {m: self.scale * c for m, c in self.pattern}

    def at_one(self, order: tuple[int, ...] = ()) -> float:
        """d_{s1} d_{s2} ... xi at R = 1 for the species in ``order`` (repeats allowed)."""
        total = 0.0
        for mono, c in self.pattern:
            a = list(mono)
            factor = 1
            for s in order:
                factor *= a[s]
                a[s] -= 1
            total += factor * c
        return self.scale * total


def _coefficient(name: str, value: object) -> float:
    out = val.real_scalar(name, value)
    if out < 0.0:
        raise ValueError(f"{name} must have non-negative coefficients, got {value!r}")
    return out


def _own(name: str, value: object) -> _Poly:
    if isinstance(value, _Poly):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a mapping {{degree: coefficient}}, got {value!r}")
    terms = []
    for deg, coef in value.items():
        d = val.integer(f"{name} degree", int(deg) if isinstance(deg, str) else deg, 0)
        if d == 0:
            raise ValueError(f"{name} must have no degree-0 term (xi(0) = 0)")
        c = _coefficient(f"{name}[{d}]", coef)
        if c > 0.0:
            terms.append(((d,), c))
    return _Poly(1.0, tuple(sorted(terms)))


def _shared(name: str, value: object, k: int) -> _Poly:
    if isinstance(value, _Poly):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a mapping {{(a_1, ..., a_K): coefficient}}")
    terms: dict[tuple[int, ...], float] = {}
    for mono, coef in value.items():
        if isinstance(mono, (int, np.integer)) and k == 1:
            mono = (mono,)
        if not isinstance(mono, (tuple, list)) or len(mono) != k:
            raise ValueError(f"{name} keys must be tuples of {k} exponents, got {mono!r}")
        a = tuple(val.integer(f"{name} exponent", e, 0) for e in mono)
        if sum(a) == 0:
            raise ValueError(f"{name} must have no constant term (xi_h(0) = 0)")
        c = _coefficient(f"{name}[{a}]", coef)
        if c > 0.0:
            terms[a] = terms.get(a, 0.0) + c
    return _Poly(1.0, tuple(sorted(terms.items())))


class GameSpec:
    """The description of a spherical spin-glass game (see the module notes, docs/games.md).

    Presets and :meth:`from_dict` return the class they are called on, so
    ``SpinGlassGame.gan(...)`` is a :class:`~spinglass_gan.games.game.SpinGlassGame`.

    Parameters
    ----------
    own : sequence of K mappings {degree: coefficient}
        xi_s, the covariance polynomial of player s's own field f_s (empty: no own field).
    shared : mapping {(a_1, ..., a_K): coefficient}
        xi_h = sum c R_1^a1 ... R_K^aK, the covariance polynomial of the shared field h.
    signs : sequence of K values in {+1, -1}
        eps_s: L_s = f_s + eps_s h.
    kappa : sequence of K floats in (0, 1], summing to 1
        Species shares N_s / N (used by the N -> infinity constants).

    Raises
    ------
    ValueError
        Naming the argument: a negative coefficient, a degree-0 term, wrong lengths,
        kappa outside (0, 1] or not summing to 1, a sign other than +-1, or a species
        on which no field acts (v_s = 0).
    """

    def __init__(
        self,
        own: Sequence[Mapping[int, float]],
        shared: Mapping[tuple[int, ...], float],
        signs: Sequence[int],
        kappa: Sequence[float],
    ) -> None:
        if isinstance(kappa, (str, bytes)) or not isinstance(kappa, Sequence | np.ndarray):
            raise ValueError(f"kappa must be a sequence of K shares, got {kappa!r}")
        k = len(kappa)
        if k < 1:
            raise ValueError("kappa must have at least one entry (K >= 1)")
        kap = np.array([val.real_scalar("kappa", v) for v in kappa])
        if np.any(kap <= 0.0) or np.any(kap > 1.0):
            raise ValueError(f"kappa must lie in (0, 1], got {list(kappa)!r}")
        if abs(kap.sum() - 1.0) > 1e-12:
            raise ValueError(f"kappa must sum to 1, got sum {kap.sum()!r}")
        if not isinstance(own, Sequence) or len(own) != k:
            raise ValueError(f"own must be a sequence of K = {k} mappings, got {own!r}")
        if not isinstance(signs, Sequence | np.ndarray) or len(signs) != k:
            raise ValueError(f"signs must be a sequence of K = {k} values +-1, got {signs!r}")
        eps = []
        for e in signs:
            if isinstance(e, bool) or e not in (1, -1):
                raise ValueError(f"signs must be +1 or -1, got {e!r}")
            eps.append(int(e))
        self._own = tuple(_own(f"own[{s}]", o) for s, o in enumerate(own))
        self._shared = _shared("shared", shared, k)
        self.signs: tuple[int, ...] = tuple(eps)
        self.kappa: tuple[float, ...] = tuple(float(v) for v in kap)
        self.K = k
        for s in range(k):
            if self.gradient_variances[s] <= 0.0:
                raise ValueError(
                    f"own/shared: no field acts on species {s} (its gradient variance is 0)"
                )

    # -- description -------------------------------------------------------------------

    @property
    def own(self) -> tuple[dict[int, float], ...]:
        """xi_s as {degree: coefficient}, one mapping per species."""
        return tuple({m[0]: c for m, c in p.coefficients().items()} for p in self._own)

    @property
    def shared(self) -> dict[tuple[int, ...], float]:
        """xi_h as {(a_1, ..., a_K): coefficient}."""
        return self._shared.coefficients()

    def degrees(self) -> tuple[int, ...]:
        """d_s: the total degree of L_s = f_s + eps_s h as a polynomial in w."""
        top_h = max((sum(m) for m, _ in self._shared.pattern), default=0)
        return tuple(max(top_h, max((m[0] for m, _ in p.pattern), default=0)) for p in self._own)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(own={list(self.own)!r}, shared={self.shared!r}, "
            f"signs={list(self.signs)!r}, kappa={list(self.kappa)!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GameSpec):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # -- presets -----------------------------------------------------------------------

    @classmethod
    def gan(
        cls,
        p: int,
        q: int,
        sigma_z: float,
        kappa: float,
        coupling: str = "isotropic",
        alpha_D: float = 0.5,
        alpha_G: float | None = None,
    ) -> GameSpec:
        """The GAN spin glass: players (D, G), signs (-1, +1), xi_D = alpha_D R_D^p, xi_G = 0.

        ``coupling="isotropic"`` (the paper's model): l_G is a pure r-spin glass on the
        concatenated weights, r = p + q; since u.v / N = R_D + R_G on the concatenation,
        xi_h = alpha_G (R_D + R_G)^r.  ``coupling="bipartite"``: l_G has degree p in w_D
        and q in w_G, xi_h = 2^r alpha_G R_D^p R_G^q, normalised so that Var l_G at a
        point is N alpha_G 2^r in both couplings.  alpha_G defaults to 2 sigma_z^2.

        Parameters
        ----------
        p, q : int
            p >= 2 (the discriminator's order), q >= 1.
        sigma_z : float
            Latent-noise scale, > 0.
        kappa : float
            Discriminator share N_D / N, in (0, 1).
        coupling : {"isotropic", "bipartite"}
        alpha_D, alpha_G : float
            Field variances (defaults 1/2 and 2 sigma_z^2).
        """
        p = val.integer("p", p, 2)
        q = val.integer("q", q, 1)
        sigma_z = val.positive("sigma_z", sigma_z)
        kappa = val.open_unit("kappa", kappa)
        val.choice("coupling", coupling, _COUPLINGS)
        alpha_D = val.positive("alpha_D", alpha_D)
        alpha_G = 2.0 * sigma_z * sigma_z if alpha_G is None else val.positive("alpha_G", alpha_G)
        if not (math.isfinite(alpha_G) and alpha_G > 0.0):
            raise ValueError(f"sigma_z={sigma_z!r} is out of range: alpha_G = {alpha_G!r}")
        r = p + q
        if coupling == "isotropic":
            shared = _Poly(
                alpha_G, tuple(((a, r - a), float(math.comb(r, a))) for a in range(r + 1))
            )
        else:
            shared = _Poly(alpha_G * 2.0**r, (((p, q), 1.0),))
        own = (_Poly(alpha_D, (((p,), 1.0),)), _Poly(1.0, ()))
        return cls(own, shared, (-1, 1), (kappa, 1.0 - kappa))

    @classmethod
    def multi_species(
        cls, shared: Mapping[tuple[int, ...], float], kappa: Sequence[float]
    ) -> GameSpec:
        """The multi-species spherical spin glass: one Hamiltonian h, all signs +1.

        Every player minimises the same h (no own fields), so the critical points are
        those of h on the product of spheres.
        """
        k = len(kappa)
        return cls([{}] * k, shared, [1] * k, kappa)

    @classmethod
    def mixed(cls, xi: Mapping[int, float]) -> GameSpec:
        """K = 1: the mixed spherical spin glass with xi(R) = sum c_p R^p (as its shared field)."""
        if not isinstance(xi, Mapping):
            raise ValueError(f"xi must be a mapping {{degree: coefficient}}, got {xi!r}")
        shared = {}
        for deg, c in xi.items():
            d = val.integer("xi degree", int(deg) if isinstance(deg, str) else deg, 0)
            if d == 0:
                raise ValueError("xi must have no degree-0 term (xi(0) = 0)")
            shared[(d,)] = c
        return cls([{}], shared, [1], [1.0])

    # -- files -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description: {"own": [...], "shared": [...], "signs", "kappa"}.

        ``own`` is a list of K objects {"degree": coefficient} (degrees as strings);
        ``shared`` a list of {"exponents": [a_1, ..., a_K], "coefficient": c}.
        """
        return {
            "own": [{str(d): c for d, c in sorted(o.items())} for o in self.own],
            "shared": [
                {"exponents": list(m), "coefficient": c} for m, c in sorted(self.shared.items())
            ],
            "signs": list(self.signs),
            "kappa": list(self.kappa),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GameSpec:
        """The game described by ``data`` (the format of :meth:`to_dict`, or a preset).

        A preset is ``{"preset": "gan", "p": 3, ...}`` with the keyword arguments of
        :meth:`gan`, ``{"preset": "multi_species", "shared": [...], "kappa": [...]}`` or
        ``{"preset": "mixed", "xi": {"degree": c}}``.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"data must be a mapping, got {type(data).__name__}")
        data = dict(data)
        preset = data.pop("preset", None)
        allowed = {
            "gan": {"p", "q", "sigma_z", "kappa", "coupling", "alpha_D", "alpha_G"},
            "mixed": {"xi"},
            "multi_species": {"shared", "kappa"},
            None: {"own", "shared", "signs", "kappa"},
        }
        if preset not in allowed:
            raise ValueError(f"preset must be 'gan', 'multi_species' or 'mixed', got {preset!r}")
        unknown = sorted(set(data) - allowed[preset])
        if unknown:
            raise ValueError(
                f"data has unknown keys {unknown} (allowed: {sorted(allowed[preset])})"
            )
        if preset == "gan":
            return cls.gan(**data)
        if preset == "mixed":
            return cls.mixed(_keys_to_int(data.get("xi", {}), "xi"))
        shared = _shared_from_list(data.get("shared", []))
        if preset == "multi_species":
            return cls.multi_species(shared, data.get("kappa", ()))
        own = [_keys_to_int(o, "own") for o in data.get("own", [])]
        return cls(own, shared, data.get("signs", ()), data.get("kappa", ()))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> GameSpec:
        """Read a game from a ``.toml`` (Python >= 3.11) or ``.json`` file (:meth:`from_dict`)."""
        path = Path(path)
        if path.suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError as exc:  # Python 3.10
                raise ValueError("TOML files need Python >= 3.11; use JSON") from exc
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        elif path.suffix == ".json":
            data = json.loads(path.read_text())
        else:
            raise ValueError(f"path must end in .toml or .json, got {str(path)!r}")
        return cls.from_dict(data)

    # -- arrays at one point ----------------------------------------------------------

    @property
    def profile(self) -> NDArray[np.float64]:
        """sigma (K, K): sigma_ss = xi_s''(1) + d_s^2 xi_h, sigma_st = d_s d_t xi_h."""
        k = self.K
        out = np.empty((k, k))
        for s in range(k):
            for t in range(k):
                out[s, t] = self._shared.at_one((s, t))
            out[s, s] += self._own[s].at_one((0, 0))
        return out

    @property
    def gradient_variances(self) -> NDArray[np.float64]:
        """v (K,): per-coordinate variance of player s's tangent gradient, xi_s'(1) + d_s xi_h."""
        return np.array(
            [self._own[s].at_one((0,)) + self._shared.at_one((s,)) for s in range(self.K)]
        )

    @property
    def log_constant(self) -> float:
        """C* = 1/2 - sum (kappa_s/2) log kappa_s - sum (kappa_s/2) log v_s (per N)."""
        kap = np.array(self.kappa)
        v = self.gradient_variances
        return float(0.5 - 0.5 * np.sum(kap * np.log(kap)) - 0.5 * np.sum(kap * np.log(v)))

    @property
    def field_covariance(self) -> NDArray[np.float64]:
        """K ((3K+1) x (3K+1)): the covariance of Y / sqrt(N) (module notes for the order).

        For a field F with covariance N xi: Var F = N xi(1), Cov(F, rho_s) = N d_s xi(1),
        Cov(rho_s, rho_t) = N (d_s d_t xi(1) + [s = t] d_s xi(1)).
        """
        k = self.K
        out = np.zeros((3 * k + 1, 3 * k + 1))
        h = self._shared
        out[0, 0] = h.at_one()
        for s in range(k):
            out[0, 1 + s] = out[1 + s, 0] = h.at_one((s,))
            for t in range(k):
                out[1 + s, 1 + t] = h.at_one((s, t)) + (h.at_one((s,)) if s == t else 0.0)
        for s, f in enumerate(self._own):
            i = 1 + k + 2 * s
            out[i, i] = f.at_one()
            out[i, i + 1] = out[i + 1, i] = f.at_one((0,))
            out[i + 1, i + 1] = f.at_one((0, 0)) + f.at_one((0,))
        return out

    @property
    def shift_map(self) -> NDArray[np.float64]:
        """A (K x (3K+1)): x_s = (eps_s rho_s^{f_s} + rho_s^h) / N = (A Y)_s / N."""
        k = self.K
        out = np.zeros((k, 3 * k + 1))
        for s in range(k):
            out[s, 1 + s] = 1.0
            out[s, 2 + k + 2 * s] = self.signs[s]
        return out

    @property
    def loss_map(self) -> NDArray[np.float64]:
        """B (K x (3K+1)): L_s / N = (f_s + eps_s h) / N = (B Y)_s / N."""
        k = self.K
        out = np.zeros((k, 3 * k + 1))
        for s in range(k):
            out[s, 0] = self.signs[s]
            out[s, 1 + k + 2 * s] = 1.0
        return out

    @property
    def shift_loss_covariance(self) -> NDArray[np.float64]:
        """G (2K x 2K) = [A; B] K [A; B]^T: N times the covariance of (x, L / N)."""
        ab = np.vstack([self.shift_map, self.loss_map])
        return ab @ self.field_covariance @ ab.T

    # -- sizes -------------------------------------------------------------------------

    def check_sizes(self, sizes: object, *, tensors: bool = False) -> tuple[int, ...]:
        """``sizes`` as a tuple of K integers N_s >= 2, within what the finite-N code accepts.

        Raises ValueError (naming ``sizes``) for wrong lengths, N_s < 2, a Jacobian of
        order sum N_s - K above MAX_JACOBIAN_ORDER, or (``tensors``) explicit tensors
        with more than MAX_TENSOR_ENTRIES entries in all.
        """
        if not isinstance(sizes, Sequence | np.ndarray) or len(sizes) != self.K:
            raise ValueError(f"sizes must be a sequence of K = {self.K} integers, got {sizes!r}")
        out = tuple(val.integer("sizes", n, 2) for n in sizes)
        if sum(out) - self.K > MAX_JACOBIAN_ORDER:
            raise ValueError(f"sizes {out} give a Jacobian above order {MAX_JACOBIAN_ORDER}")
        if tensors:
            entries = self.tensor_entries(out)
            if entries > MAX_TENSOR_ENTRIES:
                raise ValueError(
                    f"sizes {out} need {entries} tensor entries (limit {MAX_TENSOR_ENTRIES})"
                )
        return out

    def tensor_entries(self, sizes: Sequence[int]) -> int:
        """Number of Gaussian entries of an explicit instance with these sizes."""
        total = sum(int(sizes[s]) ** m[0] for s, p in enumerate(self._own) for m, _ in p.pattern)
        for mono, _ in self._shared.pattern:
            total += math.prod(int(n) ** a for n, a in zip(sizes, mono))
        return total

    def euler_characteristic(self, sizes: Sequence[int]) -> int:
        """prod_s chi(S^(N_s - 1)), chi(S^n) = 1 + (-1)^n: the Poincare-Hopf sum."""
        return math.prod(1 + (-1) ** (n - 1) for n in self.check_sizes(sizes))

    def bezout_bound(self, sizes: Sequence[int]) -> int:
        """2^K prod_s max(d_s - 1, 2)^N_s: the most isolated critical points an instance has.

        The Lagrange system grad_{w_s} L_s = mu_s w_s, |w_s|^2 = N has N + K equations;
        those of species s have degree at most max(d_s - 1, 2), the spheres degree 2.
        """
        sizes = self.check_sizes(sizes)
        return 2**self.K * math.prod(max(d - 1, 2) ** n for d, n in zip(self.degrees(), sizes))


def _keys_to_int(mapping: object, name: str) -> dict[int, float]:
    if not isinstance(mapping, Mapping):
        raise ValueError(f"{name} must be a mapping {{degree: coefficient}}, got {mapping!r}")
    out = {}
    for key, c in mapping.items():
        try:
            out[int(key)] = c
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} degrees must be integers, got {key!r}") from exc
    return out


def _shared_from_list(items: object) -> dict[tuple[int, ...], float]:
    if isinstance(items, Mapping):
        return dict(items)
    if not isinstance(items, Sequence):
        raise ValueError(f"shared must be a list of {{exponents, coefficient}}, got {items!r}")
    out: dict[tuple[int, ...], float] = {}
    for item in items:
        if not isinstance(item, Mapping) or set(item) != {"exponents", "coefficient"}:
            raise ValueError(f"shared entries must be {{exponents, coefficient}}, got {item!r}")
        mono = tuple(item["exponents"])
        out[mono] = out.get(mono, 0.0) + item["coefficient"]
    return out
