"""``spinglass-gan spectrum``: sampled spectra of H'(x1) against the limiting density."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import _validation as val
from .._cli_common import (
    Formatter,
    new_figure,
    note,
    number,
    output_dir,
    report,
    result_line,
    save_figure,
    user_errors,
    write_errors,
)
from .._progress import progress_bar
from ..complexity.published_constants import PublishedConstants
from ..figures import plotting
from ..io.results import save_result
from ..rmt.ensemble import HessianEnsemble
from ._options import OPTIONS, PAPER, add_common_options, add_option, count, grid_size

DENSITY_POINTS = 2000  # grid of the limiting density saved by `spectrum`


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    model_opts = {"p": args.p, "q": args.q, "sigma_z": args.sigma_z}
    from_model = any(v is not None for v in model_opts.values())
    if from_model and (args.b is not None or args.b1 is not None):
        parser.error("give the scales (--b, --b1) or a model (--p, --q, --sigma-z), not both")
    meta: dict[str, Any] = {}
    with user_errors(parser):
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
        # Memory as the ensemble counts it (one matrix at a time), and the spectra kept.
        val.within_memory("n", args.n, 32.0 * args.n * args.n, "one matrix of that order")
        val.within_memory(
            "samples", args.samples, 8.0 * args.samples * args.n, "the sampled eigenvalues"
        )
    out = output_dir(parser, args.out)
    note(args, f"spectrum: {args.samples} matrices of order {args.n}")

    # One generator drawn from sample to sample: the same spectra as
    # ens.sample_eigvals(n, samples, rng=seed), with a progress bar.
    rng = np.random.default_rng(args.seed)
    eigvals = np.empty((args.samples, args.n))
    bar = progress_bar(range(args.samples), desc="spectra", unit="matrix", disable=args.quiet)
    for i in bar:
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
    fig, axes = new_figure()
    plotting.plot_spectrum(ens, eigvals, bins=args.bins, ax=axes[0])
    axes[0].legend(frameon=False, fontsize=8)
    with write_errors(parser):
        paths = [save_result(out / "spectrum.npz", "spectrum", arrays, meta)]
        paths += save_figure(fig, out, "spectrum")
    report(paths, args.quiet)
    spans = ", ".join(f"[{lo:.4g}, {hi:.4g}]" for lo, hi in support)
    result_line(
        f"{args.samples} x {args.n} eigenvalues in [{eigvals.min():.4g}, {eigvals.max():.4g}]; "
        f"limiting support {spans}"
    )
    return 0


def add(sub: Any) -> None:
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
        formatter_class=Formatter,
    )
    group = parser.add_argument_group("ensemble")
    group.add_argument(
        "--b",
        type=number,
        metavar="FLOAT",
        help="scale of the full-size GOE, > 0, in eigenvalue units (default: 1)",
    )
    group.add_argument(
        "--b1",
        type=number,
        metavar="FLOAT",
        help="scale of the discriminator-block GOE, >= 0, in eigenvalue units (default: 1)",
    )
    group.add_argument(
        "--kappa",
        type=number,
        default=PAPER["kappa"],
        metavar="FLOAT",
        help="discriminator block's share of the n rows, in (0, 1) (default: %(default)s)",
    )
    group.add_argument(
        "--x1",
        type=number,
        default=0.0,
        metavar="FLOAT",
        help="shift of the discriminator block, in eigenvalue units (default: %(default)s)",
    )
    group = parser.add_argument_group("model instead of --b, --b1 (its constants give b and b1)")
    for name in ("p", "q", "sigma_z"):
        add_option(group, name, help=f"{OPTIONS[name][3]} (default: {PAPER[name]:g})")
    group = parser.add_argument_group("sampling")
    group.add_argument(
        "--n",
        type=grid_size,
        default=1000,
        metavar="INT",
        help="matrix order (rows), >= 2 (default: %(default)s)",
    )
    group.add_argument(
        "--samples",
        type=count,
        default=10,
        metavar="INT",
        help="number of matrices sampled, >= 1 (default: %(default)s)",
    )
    add_option(group, "seed", 0)
    group.add_argument(
        "--bins",
        type=count,
        default=80,
        metavar="INT",
        help="number of histogram bins, >= 1 (default: %(default)s)",
    )
    add_common_options(parser, ".")
    parser.set_defaults(handler=run, parser=parser)
