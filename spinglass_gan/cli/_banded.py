"""``spinglass-gan banded``: the largest feasible indices over a grid of loss levels."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import _validation as val
from .._cli_common import (
    Formatter,
    check_runner_options,
    integer_at_least,
    new_figure,
    note,
    output_dir,
    report,
    result_line,
    runner_options,
    save_figure,
    user_errors,
    write_errors,
)
from ..complexity.banded import banded_structure
from ..complexity.kac_rice_banded import finite_n_banded
from ..complexity.model import GanSpinGlass
from ..figures import plotting
from ..io.results import save_result
from ._game_option import conflicts, track_given
from ._options import (
    add_common_options,
    add_grid_options,
    add_index_options,
    add_model_options,
    add_option,
    add_runner_options,
    count,
    index,
    with_assembled,
)

# Cells where some pair's kept estimate rests on fewer draws than this (effective sample
# size) are marked on the finite-N panels: their verdict is less certain.
MIN_ESS = 20.0


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    check_runner_options(args, parser)
    _check_finite_n(args, parser)
    with user_errors(parser):
        model = GanSpinGlass(args.p, args.q, args.sigma_z, args.kappa, formula=args.formula)
        u_D = val.loss_levels("u_D", np.linspace(*args.u_d))
        u_G = val.loss_levels("u_G", np.linspace(*args.u_g))
        val.grid_memory(u_D, u_G)
        val.block_index("k_D_max", args.k_d_max)
        val.block_index("k_G_max", args.k_g_max)
    out = output_dir(parser, args.out)
    maps = (args.k_d_max + 1) * (args.k_g_max + 1)
    note(args, f"banded: up to {maps} Theta maps on a {u_D.size} x {u_G.size} grid")
    with runner_options(args, parser) as runner, write_errors(parser):
        result = banded_structure(
            model,
            u_D,
            u_G,
            args.k_d_max,
            args.k_g_max,
            d_index=args.d_index,
            convention=args.convention,
            progress=not args.quiet,
            **runner,
        )
    if args.finite_n is not None:
        return _finite_n(args, parser, model, result, out)
    fig, axes = new_figure(ncols=2)
    plotting.plot_banded(result, "k_D", ax=axes[0])
    plotting.plot_banded(result, "k_G", ax=axes[1])
    fig.suptitle(f"{plotting.parameter_text(model.metadata())}, {args.formula} formula")
    with write_errors(parser):
        paths = [result.save(out / "banded.npz"), *save_figure(fig, out, "banded")]
    report(with_assembled(paths, args), args.quiet)
    result_line(banded_summary(result, args.k_d_max, args.k_g_max))
    return 0


def _check_finite_n(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """--finite-n: the derived formula, the exact ascent convention, run in this process."""
    if args.finite_n is None:
        for flag in ("--samples", "--anchors", "--seed"):
            if flag in args.given:
                parser.error(f"argument {flag}: only with --finite-n")
        return
    with user_errors(parser):
        model = GanSpinGlass(args.p, args.q, args.sigma_z, args.kappa, formula=args.formula)
    if not model.kac_rice.has_sampled_counts:
        parser.error(
            "argument --finite-n: the finite-N counts use the derived formula only, "
            f"not --formula {args.formula}"
        )
    conflicts(parser, args, "--finite-n", ("--d-index", "--convention", "--results-dir",
                                            "--scheduler", "--processes"))  # fmt: skip
    # finite_n_banded would refuse this only after the N -> infinity map is computed.
    n_D = round(args.kappa * args.finite_n)
    if 0 < args.kappa < 1 and (n_D < 2 or args.finite_n - n_D < 2):
        parser.error(
            f"argument --finite-n: N = {args.finite_n} leaves a block with fewer than 2 "
            f"weights (n_D = round(kappa N) = {n_D}, n_G = {args.finite_n - n_D})"
        )


def _finite_n(args, parser, model, band, out) -> int:
    """The finite-N banded structure beside the N -> infinity map ``band``."""
    with write_errors(parser):  # kept if the finite-N run is interrupted
        band_path = band.save(out / "banded.npz")
    note(args, f"banded: finite N = {args.finite_n}, {args.samples} draws per anchor")
    res = finite_n_banded(model, args.finite_n, band.u_D, band.u_G, args.k_d_max,
                          args.k_g_max, anchors=args.anchors, samples=args.samples,
                          rng=args.seed)  # fmt: skip
    k_D, k_G = res.largest()
    weak = (res.ess < MIN_ESS).any(axis=0)
    from matplotlib.figure import Figure  # a bare Figure, as new_figure makes

    fig = Figure(figsize=(9.6, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, squeeze=False)
    top = max(args.k_d_max, args.k_g_max)
    panels = (("N -> infinity", band.k_D, band.k_G, None), (f"N = {res.n}", k_D, k_G, weak))
    for col, (title, kd, kg, mark) in enumerate(panels):
        for row, (name, kk) in enumerate((("largest k_D", kd), ("largest k_G", kg))):
            ax = axes[row, col]
            im = ax.pcolormesh(band.u_D, band.u_G, kk, vmin=-1, vmax=top, cmap="viridis",
                               shading="nearest")  # fmt: skip
            if mark is not None and mark.any():
                iy, ix = np.nonzero(mark)
                ax.plot(band.u_D[ix], band.u_G[iy], "x", color="r", ms=4)
            ax.set_title(f"{title}: {name}", fontsize=9)
            ax.set_xlabel("u_D")
            ax.set_ylabel("u_G")
    fig.colorbar(im, ax=axes, shrink=0.6, label="index (-1: none)")
    fig.suptitle(
        f"{plotting.parameter_text(model.metadata())}, derived formula "
        f"(x: effective sample size < {MIN_ESS:g})",
        fontsize=9,
    )
    arrays = {"u_D": res.u_D, "u_G": res.u_G, "pairs": res.pairs, "log_count": res.log_count,
              "stderr": res.stderr, "ess": res.ess, "k_D": k_D, "k_G": k_G,
              "k_D_asymptotic": band.k_D, "k_G_asymptotic": band.k_G}  # fmt: skip
    meta = {**res.metadata, "seed": args.seed, "min_ess_mark": MIN_ESS}
    with write_errors(parser):
        paths = [
            band_path,
            save_result(out / "finite_n_banded.npz", "finite_n_banded", arrays, meta),
            *save_figure(fig, out, "banded"),
        ]
    report(paths, args.quiet)
    result_line(f"N -> infinity: {banded_summary(band, args.k_d_max, args.k_g_max)}")
    result_line(f"N = {res.n}: {finite_n_summary(k_D, k_G, weak, args.k_d_max, args.k_g_max)}")
    return 0


def finite_n_summary(k_D, k_G, weak, k_d_max: int, k_g_max: int) -> str:
    """One line: where some pair has an expected count >= 1, and the largest indices."""
    feasible = int(np.sum(k_D >= 0))
    if feasible == 0:
        return (
            f"no index pair (k_D <= {k_d_max}, k_G <= {k_g_max}) has an expected count "
            f">= 1 anywhere in this window"
        )
    return (
        f"a pair with expected count >= 1 on {feasible} of {k_D.size} grid points; "
        f"largest k_D {int(k_D.max())}, largest k_G {int(k_G.max())}; "
        f"{int(weak.sum())} cells with effective sample size < {MIN_ESS:g}"
    )


def banded_summary(result: Any, k_d_max: int, k_g_max: int) -> str:
    """One line: how much of the grid has a feasible index, and the largest ones."""
    feasible = int(np.sum(~result.infeasible))
    if feasible == 0:
        return (
            f"no index pair (k_D <= {k_d_max}, k_G <= {k_g_max}) has Theta > 0 anywhere "
            "in this window: no critical points of fixed index here"
        )
    parts = []
    for name, k, cap in (("k_D", result.k_D, k_d_max), ("k_G", result.k_G, k_g_max)):
        top = int(k.max())
        parts.append(f"largest {name} {'>= ' if top == cap else ''}{top}")
    return f"a feasible index on {feasible} of {result.infeasible.size} grid points; " + (
        ", ".join(parts) + (" (>= : the search's cap)" if "=" in "".join(parts) else "")
    )


def add(sub: Any) -> None:
    parser = sub.add_parser(
        "banded",
        help="largest feasible indices (k_D, k_G) over a grid of loss levels",
        description=(
            "The banded structure (docs/theory.md, 'Banded structure'): at each (u_D, u_G), the "
            "largest k_D and the largest k_G, up to --k-d-max and --k-g-max, with "
            "Theta_{k_D,k_G}(u_D, u_G) > 0.\n\n"
            "Writes banded.npz (u_D, u_G and staircase[k_G, i_G, i_D], the largest "
            "feasible k_D for each k_G, -1 where none) and banded.png/.pdf.\n\n"
            "Prints how much of the grid has a feasible index and the largest ones (a value "
            "equal to --k-d-max or --k-g-max is marked '>=': the search stopped there), or "
            "says in one line that none is feasible.\n\n"
            "With --finite-n N, also the banded structure at N weights (n_D = round(kappa "
            "N)), from the exact finite-N Kac-Rice formula estimated by Monte Carlo "
            "(--samples draws for each of --anchors x --anchors thresholds and each index "
            "pair, seeded by --seed): the largest k_D and k_G with at least one expected "
            "critical point of those block indices. It is written to finite_n_banded.npz "
            "(pairs, log_count = (1/N) log E #, stderr, ess, k_D and k_G [i_G, i_D], -1 "
            "where none, and the N -> infinity k_D_asymptotic, k_G_asymptotic) and drawn "
            "beside the N -> infinity map in banded.png/.pdf, cells where some pair's "
            "effective sample size is below 20 marked x; a second result line gives its "
            "summary. Derived formula and the exact ascent convention only; runs in one "
            "process.\n\n"
            "examples (the first: the model's own formula, whose finite indices have k_G "
            "= 0 and, with k_G = 0, every k_D feasible at once; the second: the paper's "
            "formula and its bands; the third, a few seconds: N = 50 beside N -> "
            "infinity on the window of the paper's Fig. 6 for the model's own formula):\n"
            "  spinglass-gan banded --u-d 0 60 60 --u-g -30 30 60 --k-d-max 10 "
            "--k-g-max 2 --out band\n"
            "  spinglass-gan banded --formula published --u-d -10 10 100 --u-g -10 10 100 "
            "--k-d-max 10 --k-g-max 10 --out band-published\n"
            "  spinglass-gan banded --finite-n 50 --u-d 5 30 6 --u-g -30 -5 6 "
            "--k-d-max 2 --k-g-max 1 --samples 500 --out band-n50"
        ),
        formatter_class=Formatter,
    )
    add_model_options(parser)
    add_grid_options(parser, 100)
    group = parser.add_argument_group("index range (docs/theory.md, 'Banded structure')")
    group.add_argument(
        "--k-d-max",
        type=index,
        default=10,
        metavar="INT",
        help="largest discriminator index k_D considered, >= 0 (default: %(default)s)",
    )
    group.add_argument(
        "--k-g-max",
        type=index,
        default=10,
        metavar="INT",
        help="largest generator index k_G considered, >= 0 (default: %(default)s)",
    )
    group = parser.add_argument_group(
        "finite N (the exact Kac-Rice formula at N weights, estimated by Monte Carlo)"
    )
    group.add_argument(
        "--finite-n",
        type=integer_at_least(8),
        metavar="N",
        help=(
            "also the banded structure at N weights (n_D = round(kappa N)): the largest "
            "k_D and k_G with at least one expected critical point of those block "
            "indices, beside the N -> infinity map; derived formula only (default: none)"
        ),
    )
    group.add_argument(
        "--samples",
        type=integer_at_least(2),
        default=1000,
        metavar="INT",
        help="with --finite-n: Monte Carlo draws per anchor, >= 2 (default: %(default)s)",
    )
    group.add_argument(
        "--anchors",
        type=count,
        default=1,
        metavar="INT",
        help=(
            "with --finite-n: per index pair, draws are made for anchors x anchors "
            "thresholds over the grid and each cell keeps the estimate with the largest "
            "effective sample size, >= 1 (default: %(default)s)"
        ),
    )
    add_option(group, "seed", 0)
    add_index_options(parser)
    add_runner_options(parser)
    add_common_options(parser, ".")
    track_given(parser, ("samples", "anchors", "seed", "d_index", "convention",
                         "results_dir", "processes", "scheduler"))  # fmt: skip
    parser.set_defaults(handler=run, parser=parser)
