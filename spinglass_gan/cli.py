"""Command line of spinglass_gan: ``spinglass-gan SUBCOMMAND [options]``.

Subcommands (``spinglass-gan SUBCOMMAND --help`` lists every option with its units
and default):

figures
    The paper's figures on default settings, as PNG, PDF and .npz files::

        spinglass-gan figures --out figures --only 1 3

spectrum
    Eigenvalues of sampled matrices H'(x1) against the master-equation density.
    The ensemble is given by its scales (--b, --b1) or by a model (--p, --q,
    --sigma-z), whose constants then supply b and b1::

        spinglass-gan spectrum --b 1 --b1 1 --kappa 0.5 --x1 3 --out spec
        spinglass-gan spectrum --p 3 --q 3 --sigma-z 1 --kappa 0.9 --out spec

theta-map
    The complexity Theta(u_D, u_G) on a grid of loss levels, optionally with the
    block indices k_D, k_G fixed::

        spinglass-gan theta-map --u-d -10 10 200 --u-g -10 10 200 --k-d 0 --k-g 0

banded
    The largest feasible indices k_D and k_G over a grid of loss levels::

        spinglass-gan banded --u-d -10 10 100 --u-g -10 10 100 --k-d-max 10 --out band

sweep
    The lowest losses at which critical points exist, along a sweep of sigma_z
    (log-spaced) or of kappa (linear)::

        spinglass-gan sweep --sigma-z 1e-5 1e2 36 --kappa 0.9
        spinglass-gan sweep --kappa 0.05 0.95 19 --sigma-z 1

banded, sweep and count run in parallel and resumably with --processes N (local worker
processes), --scheduler ADDRESS (a dask.distributed cluster) and --results-dir DIR
(each finished task is kept there; a rerun computes only the missing ones)::

        spinglass-gan sweep --sigma-z 1e-5 1e2 200 --results-dir runs/s --processes 8
        spinglass-gan banded --results-dir runs/b --scheduler tcp://10.0.0.1:8786

count
    All critical points of sampled instances of the model, counted over many
    instances (mean with its standard error; records of every point kept)::

        spinglass-gan count --p 2 --q 2 --sigma-z 1 --n-d 3 --n-g 3 --instances 500 --out c

gan-sweep trains DCGANs over sigma_z and kappa beside the theory (paper Fig. 9; needs
the torch extra; docs/gan-experiments.md)::

        spinglass-gan gan-sweep --quick --out gan

Every subcommand takes --quiet (no progress bars, no list of files written).
Invalid input, and a command or option whose optional extra (torch, dask) is not
installed, is reported in one line on stderr with exit status 2; an unreachable
scheduler or a failure to write the results exits with status 1.  A command that fails
leaves no empty output folder behind.  Negative values are written as they are, also
in exponent form: --u-d -1e3 -10 50.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from tqdm.auto import tqdm

from . import figures, plotting
from ._cli_common import check_runner_options as _check_runner_options
from ._cli_common import integer as _integer
from ._cli_common import integer_at_least as _integer_at_least
from ._cli_common import number as _number
from ._cli_common import output_dir as _output_dir
from ._cli_common import removing_empty_outputs as _removing_empty_outputs
from ._cli_common import runner_options as _runner
from ._cli_common import write_errors as _write_errors
from ._version import __version__
from .banded import banded_structure
from .counting import count_critical_points
from .derived import DerivedConstants
from .ensemble import HessianEnsemble
from .experiments.cli import add_parser as _add_gan_sweep
from .model import GanSpinGlass, PublishedConstants
from .results import save_result
from .runner import RESULT_FILE
from .sweeps import Sweep, sweep

__all__ = ["main"]

PROG = "spinglass-gan"

# The paper's parameters (p = q = 3, sigma_z = 1, kappa = 0.9) are the defaults
# everywhere, so that every subcommand runs with no options at all.
PAPER = {"p": 3, "q": 3, "sigma_z": 1.0, "kappa": 0.9}
SIGMA_Z_RANGE = (1e-5, 1e2, 36)  # five points per decade, log-spaced
KAPPA_RANGE = (0.05, 0.95, 19)  # steps of 0.05
DENSITY_POINTS = 2000  # grid of the limiting density saved by `spectrum`


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are a single line.

    argparse prints the whole usage block before the message; for a command with
    this many options that buries the one line that matters, and callers
    (scripts, tests) can rely on exactly one line on stderr.
    """

    # argparse takes "-inf", "-1e3" and "-.5e2" for unknown options (its own pattern
    # knows only "-12" and "-1.5"), so "--u-d -1e3 5 4" would fail.  No option of this
    # command line looks like a negative number, so every such word is a value.
    NEGATIVE_NUMBER = re.compile(
        r"^-(?:(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|inf(?:inity)?|nan)$", re.IGNORECASE
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = self.NEGATIVE_NUMBER

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class _Formatter(argparse.HelpFormatter):
    """Wraps prose paragraphs but keeps indented ones (examples) as written."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        # The default formatter joins all lines into one paragraph, which would run
        # the examples together; a raw description would not wrap the prose.
        paragraphs = []
        for para in text.strip("\n").split("\n\n"):
            lines = para.splitlines()
            if any(line[:1].isspace() for line in lines):
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                paragraphs.append(super()._fill_text(para, width, indent))
        return "\n\n".join(paragraphs)

    def _format_args(self, action: argparse.Action, default_metavar: str) -> str:
        # nargs="+" would print "VALUE [VALUE ...]"; a sweep option takes one or three.
        if isinstance(action, _Range) and action.nargs == "+":
            return "VALUE | LO HI N"
        return super()._format_args(action, default_metavar)


# -- argument types -----------------------------------------------------------------
# Counts are range-checked by argparse types (_cli_common), so that messages name the
# option; the model's own parameters are checked by the package, whose ValueError
# names the parameter (see _user_errors).

_index = _integer_at_least(0)
_count = _integer_at_least(1)
_grid_size = _integer_at_least(2)
_block = _integer_at_least(2)


class _Range(argparse.Action):
    """``LO HI N`` (a range of N >= 2 points, LO < HI) or, with nargs="+", one VALUE.

    Stores ``(lo, hi, n)`` or the float VALUE.  The three values have different
    types, which argparse's ``type=`` cannot express, hence an action.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        try:
            if len(values) == 3:
                lo, hi, n = _number(values[0]), _number(values[1]), _grid_size(values[2])
                if not lo < hi:
                    raise argparse.ArgumentTypeError(f"need LO < HI, got {lo:g} and {hi:g}")
                result: Any = (lo, hi, n)
            elif len(values) == 1 and self.nargs == "+":
                result = _number(values[0])
            else:
                wanted = "VALUE or LO HI N" if self.nargs == "+" else "LO HI N"
                raise argparse.ArgumentTypeError(f"expected {wanted}, got {len(values)} values")
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, self.dest, result)


# -- shared helpers -----------------------------------------------------------------


@contextlib.contextmanager
def _user_errors(parser: argparse.ArgumentParser) -> Iterator[None]:
    """Turn the package's ValueError (it names the argument) into a usage error.

    Used only around the construction of models and ensembles, before any
    computation: a ValueError raised later would be a fault of the package, and
    reporting it as bad input would hide it.
    """
    try:
        yield
    except ValueError as exc:
        message = str(exc)
        # "sigma_z must be > 0" is about --sigma-z: say so in argparse's own words.
        option = "--" + message.split(" ", 1)[0].replace("_", "-")
        known = {flag for action in parser._actions for flag in action.option_strings}
        parser.error(f"argument {option}: {message}" if option in known else message)


def _add_runner_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("parallel and resumable runs (docs/scaling.md)")
    group.add_argument(
        "--results-dir",
        type=Path,
        metavar="DIR",
        help=(
            "keep every finished task in DIR/tasks and the assembled result in "
            "DIR/result.npz; a rerun with the same DIR computes only the missing tasks "
            "(default: none, nothing kept)"
        ),
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=(
            "run the tasks on the dask.distributed scheduler at ADDRESS, e.g. "
            "tcp://10.0.0.1:8786 (needs the 'dask' extra) (default: none, run locally)"
        ),
    )
    group.add_argument(
        "--processes",
        type=_count,
        metavar="N",
        help=(
            "local worker processes, >= 1, not with --scheduler (default: 1, or every "
            "CPU with --results-dir)"
        ),
    )


def _with_assembled(paths: list[Path], args: argparse.Namespace) -> list[Path]:
    """``paths`` and, with --results-dir, the assembled result written there."""
    if args.results_dir is None:
        return paths
    return [args.results_dir / RESULT_FILE, *paths]


def _report(paths: Sequence[Path], quiet: bool) -> None:
    if not quiet:
        for path in paths:
            tqdm.write(str(path))


def _new_figure(ncols: int = 1, width: float = 4.8) -> tuple[Any, Any]:
    # A bare Figure (no pyplot): no GUI backend is touched and nothing stays
    # registered in pyplot after main() returns, which matters when main() is
    # called repeatedly in one process.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, 3.8), layout="constrained")
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def _save_figure(fig: Any, out: Path, stem: str) -> list[Path]:
    paths = [out / f"{stem}.png", out / f"{stem}.pdf"]
    fig.savefig(paths[0], dpi=150, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    return paths


def _add_formula_option(group: Any) -> None:
    group.add_argument(
        "--formula",
        choices=("derived", "published"),
        default="derived",
        help=(
            "Kac-Rice formula: 'derived', the model's own (its complexity), or "
            "'published', the paper's, to reproduce its figures (default: %(default)s)"
        ),
    )


def _add_model_options(parser: argparse.ArgumentParser, *, sweeping: bool = False) -> None:
    group = parser.add_argument_group(
        "model (defaults: the paper's p = q = 3, sigma_z = 1, kappa = 0.9)"
    )
    _add_formula_option(group)
    group.add_argument(
        "--p",
        type=_integer,
        default=PAPER["p"],
        metavar="INT",
        help="discriminator spin-glass order, >= 2 (default: %(default)s)",
    )
    group.add_argument(
        "--q",
        type=_integer,
        default=PAPER["q"],
        metavar="INT",
        help="generator's extra spin-glass order, >= 1 (default: %(default)s)",
    )
    if sweeping:
        return
    group.add_argument(
        "--sigma-z",
        type=_number,
        default=PAPER["sigma_z"],
        metavar="FLOAT",
        help="latent-noise scale sigma_z, > 0, dimensionless (default: %(default)s)",
    )
    group.add_argument(
        "--kappa",
        type=_number,
        default=PAPER["kappa"],
        metavar="FLOAT",
        help="discriminator's share of the N weights, in (0, 1) (default: %(default)s)",
    )


def _add_grid_options(parser: argparse.ArgumentParser, points: int) -> None:
    group = parser.add_argument_group("grid of loss levels")
    for flag, name in (("--u-d", "u_D, the discriminator's"), ("--u-g", "u_G, the generator's")):
        group.add_argument(
            flag,
            nargs=3,
            action=_Range,
            default=(-10.0, 10.0, points),
            metavar=("LO", "HI", "N"),
            help=(
                f"{name} loss level per N (dimensionless): N >= 2 equally spaced "
                f"values from LO to HI, LO < HI (default: -10 10 {points})"
            ),
        )


def _add_index_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "index conventions (docs/theory.md, 'Index-constrained complexity')"
    )
    group.add_argument(
        "--d-index",
        choices=("ascent", "descent"),
        default="ascent",
        help=(
            "what k_D counts: 'ascent', negative eigenvalues of the D block of H' - x "
            "(ascent directions of L_D); 'descent', its positive eigenvalues (descent "
            "directions of L_D) (default: %(default)s)"
        ),
    )
    group.add_argument(
        "--convention",
        choices=("exact", "published"),
        default="exact",
        help=(
            "index penalty: 'exact' (docs/theory.md, 'Indices, domains, penalties') or "
            "'published', the "
            "authors' code, to reproduce their figures (default: %(default)s)"
        ),
    )


def _add_common_options(parser: argparse.ArgumentParser, out_default: str) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(out_default),
        metavar="DIR",
        help="output folder, created if missing (default: %(default)s)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bars and no list of files written (default: off)",
    )


# -- figures ------------------------------------------------------------------------


def _figure_registry() -> dict[int, Callable[..., Any]]:
    """Every ``figureN`` function of ``spinglass_gan.figures``, by N.

    Read at each call rather than fixed at import, so that figures added to the
    module are available without touching the command line.
    """
    found = {}
    for name in dir(figures):
        match = re.fullmatch(r"figure([1-9][0-9]*)", name)
        if match and callable(getattr(figures, name)):
            found[int(match.group(1))] = getattr(figures, name)
    return dict(sorted(found.items()))


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    """Whether ``fn`` takes the keyword ``name``, by name or through ``**params``.

    The figure functions forward ``**params`` to the figure data, which take
    ``progress`` and ``formula`` where they apply, so a catch-all counts as accepting.
    """
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins and C callables may have no signature
        return False
    return any(
        p.kind is p.VAR_KEYWORD
        or (p.name == name and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
        for p in params
    )


def _run_figures(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    registry = _figure_registry()
    numbers = sorted(set(args.only)) if args.only else list(registry)
    out = _output_dir(parser, args.out)
    for number in tqdm(numbers, desc="figures", disable=args.quiet or len(numbers) < 2):
        fn = registry[number]
        kwargs = {"progress": not args.quiet, "formula": args.formula}
        kwargs = {k: v for k, v in kwargs.items() if _accepts(fn, k)}
        with _write_errors(parser):
            paths = fn(out, **kwargs)
        _report([Path(p) for p in paths or ()], args.quiet)
    return 0


def _add_figures(sub: Any) -> None:
    registry = _figure_registry()
    listed = ", ".join(str(n) for n in registry)
    parser = sub.add_parser(
        "figures",
        help="the paper's figures on default settings",
        description=(
            "Compute and draw the paper's figures on their default settings, from the "
            "model's own Kac-Rice formula (--formula derived, the default) or the paper's "
            "(--formula published). Each figure N writes figN.png, figN.pdf and figN.npz "
            f"(the plotted data with its parameters) to --out. Available: {listed}.\n\n"
            "example:\n  spinglass-gan figures --out figures --only 1 3"
        ),
        formatter_class=_Formatter,
    )
    parser.add_argument(
        "--only",
        type=_integer,
        nargs="+",
        choices=list(registry),
        metavar="N",
        help=f"figure numbers to make, from {{{listed}}} (default: all of them)",
    )
    _add_formula_option(parser)
    _add_common_options(parser, "figures")
    parser.set_defaults(handler=_run_figures, parser=parser)


# -- spectrum -----------------------------------------------------------------------


def _run_spectrum(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    model_opts = {"p": args.p, "q": args.q, "sigma_z": args.sigma_z}
    from_model = any(v is not None for v in model_opts.values())
    if from_model and (args.b is not None or args.b1 is not None):
        parser.error("give the scales (--b, --b1) or a model (--p, --q, --sigma-z), not both")
    meta: dict[str, Any] = {}
    with _user_errors(parser):
        if from_model:
            model_opts = {k: PAPER[k] if v is None else v for k, v in model_opts.items()}
            constants = PublishedConstants.from_paper(**model_opts, kappa=args.kappa)
            b, b1 = constants.b, constants.b1
            meta.update(model_opts, constants=constants.as_dict())
        else:
            b = 1.0 if args.b is None else args.b
            b1 = 1.0 if args.b1 is None else args.b1
        ens = HessianEnsemble(b, b1, args.kappa, args.x1)
        n_d = ens.block_size(args.n)  # n must leave both blocks non-empty
    out = _output_dir(parser, args.out)

    # One generator drawn from sample to sample: the same spectra as
    # ens.sample_eigvals(n, samples, rng=seed), with a progress bar.
    rng = np.random.default_rng(args.seed)
    eigvals = np.empty((args.samples, args.n))
    for i in tqdm(range(args.samples), desc="spectra", unit="matrix", disable=args.quiet):
        eigvals[i] = ens.sample_eigvals(args.n, 1, rng=rng)[0]

    support = np.array(ens.support())
    lo, hi = min(support[0, 0], eigvals.min()), max(support[-1, 1], eigvals.max())
    pad = 0.05 * (hi - lo)
    lam = np.linspace(lo - pad, hi + pad, DENSITY_POINTS)
    hist, edges = np.histogram(eigvals, bins=args.bins, range=(lam[0], lam[-1]), density=True)
    arrays = {
        "eigvals": eigvals,
        "lam": lam,
        "density": ens.density(lam),
        "support": support,
        "hist_density": hist,
        "hist_edges": edges,
    }
    meta.update(
        b=b,
        b1=b1,
        kappa=args.kappa,
        x1=args.x1,
        n=args.n,
        n_D=n_d,
        samples=args.samples,
        seed=args.seed,
        bins=args.bins,
    )
    fig, axes = _new_figure()
    plotting.plot_spectrum(ens, eigvals, bins=args.bins, ax=axes[0])
    axes[0].legend(frameon=False, fontsize=8)
    with _write_errors(parser):
        paths = [save_result(out / "spectrum.npz", "spectrum", arrays, meta)]
        paths += _save_figure(fig, out, "spectrum")
    _report(paths, args.quiet)
    return 0


def _add_spectrum(sub: Any) -> None:
    parser = sub.add_parser(
        "spectrum",
        help="sampled spectra of H'(x1) against the master-equation density",
        description=(
            "Sample matrices H'(x1) = b M + [[b1 M1 - x1 I, 0], [0, 0]] (M, M1 independent "
            "GOEs of orders n and round(kappa n), each of semicircle radius sqrt 2) "
            "and compare their eigenvalues with the limiting density. The scales come "
            "from --b and --b1 (default 1 and 1) or, when any of --p, --q, --sigma-z is "
            "given, from that model's constants (missing ones take the paper's 3, 3, 1); "
            "the two ways cannot be mixed.\n\n"
            "Writes spectrum.npz (eigvals (samples, n); the density on a grid of "
            f"{DENSITY_POINTS} points, lam and density; the support intervals, support "
            "(k, 2); the histogram, hist_edges and hist_density) and spectrum.png/.pdf.\n\n"
            "examples:\n"
            "  spinglass-gan spectrum --b 1 --b1 1 --kappa 0.5 --x1 3 --out spec\n"
            "  spinglass-gan spectrum --p 3 --q 3 --sigma-z 1 --kappa 0.9 --out spec"
        ),
        formatter_class=_Formatter,
    )
    group = parser.add_argument_group("ensemble")
    group.add_argument(
        "--b",
        type=_number,
        metavar="FLOAT",
        help="scale of the full-size GOE, > 0, in eigenvalue units (default: 1)",
    )
    group.add_argument(
        "--b1",
        type=_number,
        metavar="FLOAT",
        help="scale of the discriminator-block GOE, >= 0, in eigenvalue units (default: 1)",
    )
    group.add_argument(
        "--kappa",
        type=_number,
        default=PAPER["kappa"],
        metavar="FLOAT",
        help="discriminator block's share of the n rows, in (0, 1) (default: %(default)s)",
    )
    group.add_argument(
        "--x1",
        type=_number,
        default=0.0,
        metavar="FLOAT",
        help="shift of the discriminator block, in eigenvalue units (default: %(default)s)",
    )
    group = parser.add_argument_group("model instead of --b, --b1 (its constants give b and b1)")
    group.add_argument(
        "--p", type=_integer, metavar="INT", help="discriminator order, >= 2 (default: 3)"
    )
    group.add_argument(
        "--q", type=_integer, metavar="INT", help="generator's extra order, >= 1 (default: 3)"
    )
    group.add_argument(
        "--sigma-z", type=_number, metavar="FLOAT", help="latent-noise scale, > 0 (default: 1)"
    )
    group = parser.add_argument_group("sampling")
    group.add_argument(
        "--n",
        type=_grid_size,
        default=1000,
        metavar="INT",
        help="matrix order (rows), >= 2 (default: %(default)s)",
    )
    group.add_argument(
        "--samples",
        type=_count,
        default=10,
        metavar="INT",
        help="number of matrices sampled, >= 1 (default: %(default)s)",
    )
    group.add_argument(
        "--seed",
        type=_index,
        default=0,
        metavar="INT",
        help="seed of the random generator, >= 0 (default: %(default)s)",
    )
    group.add_argument(
        "--bins",
        type=_count,
        default=80,
        metavar="INT",
        help="number of histogram bins, >= 1 (default: %(default)s)",
    )
    _add_common_options(parser, ".")
    parser.set_defaults(handler=_run_spectrum, parser=parser)


# -- theta-map ----------------------------------------------------------------------


def _run_theta_map(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    with _user_errors(parser):
        model = GanSpinGlass(args.p, args.q, args.sigma_z, args.kappa, formula=args.formula)
    out = _output_dir(parser, args.out)
    u_D, u_G = np.linspace(*args.u_d), np.linspace(*args.u_g)
    theta = model.theta_map(
        u_D, u_G, args.k_d, args.k_g, d_index=args.d_index, convention=args.convention
    )
    meta = {
        **model.metadata(),
        "k_D": args.k_d,
        "k_G": args.k_g,
        "d_index": args.d_index,
        "convention": args.convention,
    }
    fig, axes = _new_figure(width=5.4)
    if np.isfinite(theta).any():
        plotting.plot_theta_map(u_D, u_G, theta, ax=axes[0])
    else:
        # Nothing to colour: the index constraints leave no critical point on the grid.
        axes[0].text(0.5, 0.5, "no critical points", ha="center", transform=axes[0].transAxes)
    indices = ", ".join(
        f"${name} = {k}$" for name, k in (("k_D", args.k_d), ("k_G", args.k_g)) if k is not None
    )
    axes[0].set_title(rf"$\Theta$ ({indices})" if indices else r"$\Theta$ (all indices)")
    with _write_errors(parser):
        arrays = {"u_D": u_D, "u_G": u_G, "theta": theta}
        paths = [save_result(out / "theta_map.npz", "theta_map", arrays, meta)]
        paths += _save_figure(fig, out, "theta_map")
    _report(paths, args.quiet)
    return 0


def _add_theta_map(sub: Any) -> None:
    parser = sub.add_parser(
        "theta-map",
        help="the complexity Theta(u_D, u_G) on a grid of loss levels",
        description=(
            "Theta(u_D, u_G) (docs/theory.md, 'The complexity exponent and its exact supremum'): "
            "the exponential growth rate in N of "
            "the number of critical points with L_D <= N u_D and L_G <= N u_G; "
            "with --k-d / --k-g, of those whose block has that index.\n\n"
            "Writes theta_map.npz (u_D, u_G, theta of shape (len(u_G), len(u_D)); -inf "
            "where no critical point is possible) and theta_map.png/.pdf.\n\n"
            "example:\n  spinglass-gan theta-map --u-d -10 10 200 --u-g -10 10 200 "
            "--k-d 0 --k-g 0 --out theta"
        ),
        formatter_class=_Formatter,
    )
    _add_model_options(parser)
    _add_grid_options(parser, 200)
    group = parser.add_argument_group(
        "index constraints (docs/theory.md, 'Index-constrained complexity')"
    )
    group.add_argument(
        "--k-d",
        type=_index,
        metavar="INT",
        help="index k_D >= 0 of the discriminator block (default: unconstrained)",
    )
    group.add_argument(
        "--k-g",
        type=_index,
        metavar="INT",
        help="index k_G >= 0 of the generator block (default: unconstrained)",
    )
    _add_index_options(parser)
    _add_common_options(parser, ".")
    parser.set_defaults(handler=_run_theta_map, parser=parser)


# -- banded -------------------------------------------------------------------------


def _run_banded(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    _check_runner_options(args, parser)
    with _user_errors(parser):
        model = GanSpinGlass(args.p, args.q, args.sigma_z, args.kappa, formula=args.formula)
    out = _output_dir(parser, args.out)
    with _runner(args, parser) as runner, _write_errors(parser):
        result = banded_structure(
            model,
            np.linspace(*args.u_d),
            np.linspace(*args.u_g),
            args.k_d_max,
            args.k_g_max,
            d_index=args.d_index,
            convention=args.convention,
            progress=not args.quiet,
            **runner,
        )
    fig, axes = _new_figure(ncols=2)
    plotting.plot_banded(result, "k_D", ax=axes[0])
    plotting.plot_banded(result, "k_G", ax=axes[1])
    with _write_errors(parser):
        paths = [result.save(out / "banded.npz"), *_save_figure(fig, out, "banded")]
    _report(_with_assembled(paths, args), args.quiet)
    return 0


def _add_banded(sub: Any) -> None:
    parser = sub.add_parser(
        "banded",
        help="largest feasible indices (k_D, k_G) over a grid of loss levels",
        description=(
            "The banded structure (docs/theory.md, 'Banded structure'): at each (u_D, u_G), the "
            "largest k_D and the largest k_G, up to --k-d-max and --k-g-max, with "
            "Theta_{k_D,k_G}(u_D, u_G) > 0.\n\n"
            "Writes banded.npz (u_D, u_G and staircase[k_G, i_G, i_D], the largest "
            "feasible k_D for each k_G, -1 where none) and banded.png/.pdf.\n\n"
            "example:\n  spinglass-gan banded --u-d -10 10 100 --u-g -10 10 100 "
            "--k-d-max 10 --k-g-max 10 --out band"
        ),
        formatter_class=_Formatter,
    )
    _add_model_options(parser)
    _add_grid_options(parser, 100)
    group = parser.add_argument_group("index range (docs/theory.md, 'Banded structure')")
    group.add_argument(
        "--k-d-max",
        type=_index,
        default=10,
        metavar="INT",
        help="largest discriminator index k_D considered, >= 0 (default: %(default)s)",
    )
    group.add_argument(
        "--k-g-max",
        type=_index,
        default=10,
        metavar="INT",
        help="largest generator index k_G considered, >= 0 (default: %(default)s)",
    )
    _add_index_options(parser)
    _add_runner_options(parser)
    _add_common_options(parser, ".")
    parser.set_defaults(handler=_run_banded, parser=parser)


# -- sweep --------------------------------------------------------------------------


def _sweep_plan(
    args: argparse.Namespace, parser: argparse.ArgumentParser
) -> tuple[str, tuple[float, float, int], float]:
    """(swept parameter, (lo, hi, n), fixed value of the other one) from the options."""
    given = {"sigma_z": args.sigma_z, "kappa": args.kappa}
    ranges = [name for name, v in given.items() if isinstance(v, tuple)]
    if len(ranges) == 2:
        parser.error("sweep one parameter: give only one of --sigma-z, --kappa as LO HI N")
    if ranges:
        name = ranges[0]
    elif all(v is not None for v in given.values()):
        parser.error("nothing to sweep: give --sigma-z or --kappa as LO HI N")
    else:
        # A single fixed VALUE names the other parameter as the swept one.
        name = "kappa" if given["sigma_z"] is not None else "sigma_z"
        given[name] = SIGMA_Z_RANGE if name == "sigma_z" else KAPPA_RANGE
    other = "kappa" if name == "sigma_z" else "sigma_z"
    fixed = PAPER[other] if given[other] is None else given[other]
    return name, given[name], fixed


def _run_sweep(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    name, (lo, hi, n), fixed = _sweep_plan(args, parser)
    _check_runner_options(args, parser)
    other = "kappa" if name == "sigma_z" else "sigma_z"
    with _user_errors(parser):
        # Models at both ends: every value in between is then valid too (the
        # admissible sets of sigma_z and kappa are intervals).
        for value in (lo, hi):
            GanSpinGlass(args.p, args.q, **{name: value, other: fixed}, formula=args.formula)
    out = _output_dir(parser, args.out)
    values = np.geomspace(lo, hi, n) if name == "sigma_z" else np.linspace(lo, hi, n)
    with _runner(args, parser) as runner, _write_errors(parser):
        result = sweep(
            args.p,
            args.q,
            **{name: values, other: fixed},
            formula=args.formula,
            progress=not args.quiet,
            **runner,
        )
    spacing = "log" if name == "sigma_z" else "linear"
    result = Sweep(
        result.parameter,
        result.values,
        result.results,
        {**result.metadata, "spacing": spacing},
        result.reasons,
    )
    fig, axes = _new_figure(ncols=2)
    plotting.plot_lowest_losses(result, "each", ax=axes[0])
    plotting.plot_lowest_losses(result, "sum", ax=axes[1])
    symbol = r"\kappa" if other == "kappa" else r"\sigma_z"
    fig.suptitle(rf"$p = {args.p},\ q = {args.q},\ {symbol} = {fixed:g}$")
    with _write_errors(parser):
        paths = [result.save(out / "sweep.npz"), *_save_figure(fig, out, "sweep")]
    _report(_with_assembled(paths, args), args.quiet)
    return 0


def _add_sweep(sub: Any) -> None:
    s_lo, s_hi, s_n = SIGMA_Z_RANGE
    k_lo, k_hi, k_n = KAPPA_RANGE
    parser = sub.add_parser(
        "sweep",
        help="lowest losses with critical points along a sweep of sigma_z or kappa",
        description=(
            "Hyperparameter effects (the paper's figures 7 and 8): for each value of the swept "
            "parameter, the lowest u_D and u_G with Theta > 0 and the lowest u_D + u_G "
            "(with the (u_D, u_G) where it is reached); NaN where Theta <= 0 everywhere.\n\n"
            "Exactly one of --sigma-z and --kappa is swept, the one given as LO HI N; the "
            "other is fixed at its VALUE (default: the paper's). Giving just one as VALUE "
            "sweeps the other over its default range; giving neither sweeps sigma_z.\n\n"
            "Writes sweep.npz (values; theta_max, u_D_min, u_G_min, sum_min, sum_u_D, "
            "sum_u_G) and sweep.png/.pdf.\n\n"
            "examples:\n"
            "  spinglass-gan sweep --sigma-z 1e-5 1e2 36 --kappa 0.9\n"
            "  spinglass-gan sweep --kappa 0.05 0.95 19 --sigma-z 1"
        ),
        formatter_class=_Formatter,
    )
    _add_model_options(parser, sweeping=True)
    group = parser.add_argument_group("swept and fixed parameters")
    group.add_argument(
        "--sigma-z",
        nargs="+",
        action=_Range,
        metavar="VALUE",
        help=(
            "latent-noise scale, > 0, dimensionless: a fixed VALUE, or N >= 2 log-spaced "
            f"values from LO to HI (default: {PAPER['sigma_z']:g} when kappa is swept, "
            f"else {s_lo:g} {s_hi:g} {s_n})"
        ),
    )
    group.add_argument(
        "--kappa",
        nargs="+",
        action=_Range,
        metavar="VALUE",
        help=(
            "discriminator's share of the weights, in (0, 1): a fixed VALUE, or N >= 2 "
            f"equally spaced values from LO to HI (default: {PAPER['kappa']:g} when "
            f"sigma_z is swept, else {k_lo:g} {k_hi:g} {k_n})"
        ),
    )
    _add_runner_options(parser)
    _add_common_options(parser, ".")
    parser.set_defaults(handler=_run_sweep, parser=parser)


# -- count --------------------------------------------------------------------------


def _run_count(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    _check_runner_options(args, parser)
    with _user_errors(parser):
        # Checks p, q and sigma_z (the sizes and counts are checked by argparse).
        DerivedConstants.from_model(args.p, args.q, args.sigma_z, 0.5)
    out = _output_dir(parser, args.out)
    with _runner(args, parser) as runner, _write_errors(parser):
        counts = count_critical_points(
            args.p,
            args.q,
            args.sigma_z,
            args.n_d,
            args.n_g,
            args.instances,
            rng=args.seed,
            progress=not args.quiet,
            **runner,
        )
    with _write_errors(parser):
        paths = [counts.save(out / "counts.npz")]
    mean, err = counts.mean()
    fails = int(np.sum(~counts.poincare_hopf_ok))
    lines = [
        f"instances {counts.instances}: mean number of critical points {mean:.4g} "
        f"+- {err:.2g} (Bezout bound {counts.bezout})",
        f"Poincare-Hopf sum holds on {counts.instances - fails} of {counts.instances} instances",
    ]
    below, below_err = counts.mean(args.u_d, args.u_g)
    lines.append(
        f"with u_D <= {args.u_d:g} and u_G <= {args.u_g:g}: {below:.4g} +- {below_err:.2g}"
    )
    for (k_d, k_g), (m, e) in list(counts.by_index(d_index=args.d_index).items())[:3]:
        lines.append(f"(k_D, k_G) = ({k_d}, {k_g}) [{args.d_index}]: {m:.4g} +- {e:.2g}")
    if not args.quiet:
        for line in lines:
            tqdm.write(line)
    _report(_with_assembled(paths, args), args.quiet)
    return 0 if fails == 0 else 3


def _add_count(sub: Any) -> None:
    parser = sub.add_parser(
        "count",
        help="critical points of sampled instances, counted over many instances",
        description=(
            "Sample instances of the model (explicit Gaussian tensors, weights on two "
            "spheres of radius sqrt(N), N = n_D + n_G), find all critical points of each "
            "(Newton from random starts; an angle grid on the torus n_D = n_G = 2) and "
            "count them. Prints the mean count with its standard error, the same under "
            "the loss thresholds --u-d, --u-g and for the three commonest index pairs, "
            "and how many instances pass the Poincare-Hopf check; exits with status 3 if "
            "any fails.\n\n"
            "Writes counts.npz: one record per critical point (instance, u_D, u_G, k_D, "
            "k_D_descent, k_G, sign) and per instance (n_points, euler_sum, starts, "
            "min_hits, missed_estimate, max_residual), so any count can be recomputed "
            "(spinglass_gan.CriticalPointCounts.load).\n\n"
            "example:\n  spinglass-gan count --p 2 --q 2 --sigma-z 1 --n-d 3 --n-g 3 "
            "--instances 500 --out counts"
        ),
        formatter_class=_Formatter,
    )
    group = parser.add_argument_group("model")
    group.add_argument(
        "--p",
        type=_integer,
        default=2,
        metavar="INT",
        help="discriminator spin-glass order, >= 2 (default: %(default)s)",
    )
    group.add_argument(
        "--q",
        type=_integer,
        default=2,
        metavar="INT",
        help="generator's extra spin-glass order, >= 1 (default: %(default)s)",
    )
    group.add_argument(
        "--sigma-z",
        type=_number,
        default=1.0,
        metavar="FLOAT",
        help="latent-noise scale sigma_z, > 0, dimensionless (default: %(default)s)",
    )
    group.add_argument(
        "--n-d",
        type=_block,
        default=3,
        metavar="INT",
        help="discriminator weights n_D, >= 2 (default: %(default)s)",
    )
    group.add_argument(
        "--n-g",
        type=_block,
        default=3,
        metavar="INT",
        help="generator weights n_G, >= 2 (default: %(default)s)",
    )
    group = parser.add_argument_group("sampling and summary")
    group.add_argument(
        "--instances",
        type=_count,
        default=100,
        metavar="INT",
        help="number of sampled instances, >= 1 (default: %(default)s)",
    )
    group.add_argument(
        "--seed",
        type=_integer_at_least(0),
        default=0,
        metavar="INT",
        help="seed of the instances, >= 0 (default: %(default)s)",
    )
    for flag, name in (("--u-d", "L_D"), ("--u-g", "L_G")):
        group.add_argument(
            flag,
            type=_number,
            default=0.0,
            metavar="FLOAT",
            help=(
                f"loss threshold per weight for the printed summary: count points with "
                f"{name} <= N * {flag[2:].replace('-', '_')}, loss units per weight "
                "(default: %(default)s)"
            ),
        )
    group.add_argument(
        "--d-index",
        choices=("ascent", "descent"),
        default="ascent",
        help=(
            "what k_D counts in the summary: 'ascent', negative eigenvalues of the D block "
            "of J' (ascent directions of L_D); 'descent', positive ones (descent "
            "directions of L_D); both are stored (default: %(default)s)"
        ),
    )
    _add_runner_options(parser)
    _add_common_options(parser, ".")
    parser.set_defaults(handler=_run_count, parser=parser)


# -- entry point --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``spinglass-gan`` argument parser (the figure list is read afresh)."""
    # The module docstring, less its reStructuredText markup, is the overview.
    overview = (__doc__ or "").replace("``", "").replace("::", ":")
    parser = _Parser(prog=PROG, description=overview, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    for add in (
        _add_figures,
        _add_spectrum,
        _add_theta_map,
        _add_banded,
        _add_sweep,
        _add_count,
        _add_gan_sweep,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Usage errors raise ``SystemExit(2)`` after one line on stderr.  Output folders
    created by a command that then fails are removed again if they are still empty.
    """
    args = build_parser().parse_args(argv)
    # A command that stops with an error leaves no empty folder behind.
    with _removing_empty_outputs():
        try:
            return args.handler(args, args.parser)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
