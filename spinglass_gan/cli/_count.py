"""``spinglass-gan count``: critical points of sampled instances, counted."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from .._cli_common import (
    Formatter,
    check_runner_options,
    number,
    output_dir,
    report,
    runner_options,
    user_errors,
    write_errors,
)
from ..counting import count_critical_points
from ..derived import DerivedConstants
from ._options import (
    add_common_options,
    add_option,
    add_runner_options,
    block,
    count,
    with_assembled,
)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    check_runner_options(args, parser)
    with user_errors(parser):
        # Checks p, q and sigma_z (the sizes and counts are checked by argparse).
        DerivedConstants.from_model(args.p, args.q, args.sigma_z, 0.5)
    out = output_dir(parser, args.out)
    with runner_options(args, parser) as runner, write_errors(parser):
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
    with write_errors(parser):
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
    report(with_assembled(paths, args), args.quiet)
    return 0 if fails == 0 else 3


def add(sub: Any) -> None:
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
        formatter_class=Formatter,
    )
    group = parser.add_argument_group("model")
    add_option(group, "p", 2)
    add_option(group, "q", 2)
    add_option(group, "sigma_z", 1.0)
    group.add_argument(
        "--n-d",
        type=block,
        default=3,
        metavar="INT",
        help="discriminator weights n_D, >= 2 (default: %(default)s)",
    )
    group.add_argument(
        "--n-g",
        type=block,
        default=3,
        metavar="INT",
        help="generator weights n_G, >= 2 (default: %(default)s)",
    )
    group = parser.add_argument_group("sampling and summary")
    group.add_argument(
        "--instances",
        type=count,
        default=100,
        metavar="INT",
        help="number of sampled instances, >= 1 (default: %(default)s)",
    )
    add_option(group, "seed", 0)
    for flag, name in (("--u-d", "L_D"), ("--u-g", "L_G")):
        group.add_argument(
            flag,
            type=number,
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
    add_runner_options(parser)
    add_common_options(parser, ".")
    parser.set_defaults(handler=run, parser=parser)
