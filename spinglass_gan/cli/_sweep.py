"""``spinglass-gan sweep``: lowest losses with critical points along sigma_z or kappa."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .._cli_common import (
    Formatter,
    Range,
    check_runner_options,
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
from ..complexity.model import GanSpinGlass
from ..complexity.sweeps import Sweep, sweep
from ..figures import plotting
from ._options import (
    PAPER,
    add_common_options,
    add_model_options,
    add_runner_options,
    with_assembled,
)

SIGMA_Z_RANGE = (1e-5, 1e2, 36)  # five points per decade, log-spaced
KAPPA_RANGE = (0.05, 0.95, 19)  # steps of 0.05
SWEEP_MAX = 10_000  # values in one sweep (about 0.1-1 s each)


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


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    name, (lo, hi, n), fixed = _sweep_plan(args, parser)
    check_runner_options(args, parser)
    other = "kappa" if name == "sigma_z" else "sigma_z"
    with user_errors(parser):
        # Models at both ends: every value in between is then valid too (the
        # admissible sets of sigma_z and kappa are intervals).
        for value in (lo, hi):
            GanSpinGlass(args.p, args.q, **{name: value, other: fixed}, formula=args.formula)
    if n > SWEEP_MAX:
        parser.error(f"argument --{name.replace('_', '-')}: N must be <= {SWEEP_MAX}, got {n}")
    out = output_dir(parser, args.out)
    note(args, f"sweep: {n} values of {name}, one Theta maximisation each")
    values = np.geomspace(lo, hi, n) if name == "sigma_z" else np.linspace(lo, hi, n)
    with runner_options(args, parser) as runner, write_errors(parser):
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
    fig, axes = new_figure(ncols=2)
    plotting.plot_lowest_losses(result, "each", ax=axes[0])
    plotting.plot_lowest_losses(result, "sum", ax=axes[1])
    symbol = r"\kappa" if other == "kappa" else r"\sigma_z"
    fig.suptitle(rf"$p = {args.p},\ q = {args.q},\ {symbol} = {fixed:g}$, {args.formula} formula")
    with write_errors(parser):
        paths = [result.save(out / "sweep.npz"), *save_figure(fig, out, "sweep")]
    report(with_assembled(paths, args), args.quiet)
    result_line(sweep_summary(result))
    return 0


def sweep_summary(result: Sweep) -> str:
    """One line: the lowest u_D + u_G along the sweep and where, and the empty values."""
    total = result["sum_min"]
    empty = int(np.sum(np.isnan(total)))
    if empty == total.size:
        return f"no critical points at any {result.parameter} swept (Theta <= 0 everywhere)"
    i = int(np.nanargmin(total))
    line = (
        f"lowest u_D + u_G = {total[i]:.4g} at {result.parameter} = {result.values[i]:.4g} "
        f"(u_D = {result['sum_u_D'][i]:.4g}, u_G = {result['sum_u_G'][i]:.4g})"
    )
    if empty:
        line += f"; no critical points (NaN) at {empty} of {total.size} values"
    return line


def add(sub: Any) -> None:
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
        formatter_class=Formatter,
    )
    add_model_options(parser, sweeping=True)
    group = parser.add_argument_group("swept and fixed parameters")
    group.add_argument(
        "--sigma-z",
        nargs="+",
        action=Range,
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
        action=Range,
        metavar="VALUE",
        help=(
            "discriminator's share of the weights, in (0, 1): a fixed VALUE, or N >= 2 "
            f"equally spaced values from LO to HI (default: {PAPER['kappa']:g} when "
            f"sigma_z is swept, else {k_lo:g} {k_hi:g} {k_n})"
        ),
    )
    add_runner_options(parser)
    add_common_options(parser, ".")
    parser.set_defaults(handler=run, parser=parser)
