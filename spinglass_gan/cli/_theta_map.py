"""``spinglass-gan theta-map``: the complexity Theta(u_D, u_G) on a grid."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import plotting
from .._cli_common import (
    Formatter,
    new_figure,
    output_dir,
    report,
    save_figure,
    user_errors,
    write_errors,
)
from ..model import GanSpinGlass
from ..results import save_result
from ._options import (
    add_common_options,
    add_grid_options,
    add_index_options,
    add_model_options,
    index,
)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    with user_errors(parser):
        model = GanSpinGlass(args.p, args.q, args.sigma_z, args.kappa, formula=args.formula)
    out = output_dir(parser, args.out)
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
    fig, axes = new_figure(width=5.4)
    if np.isfinite(theta).any():
        plotting.plot_theta_map(u_D, u_G, theta, ax=axes[0])
    else:
        # Nothing to colour: the index constraints leave no critical point on the grid.
        axes[0].text(0.5, 0.5, "no critical points", ha="center", transform=axes[0].transAxes)
    indices = ", ".join(
        f"${name} = {k}$" for name, k in (("k_D", args.k_d), ("k_G", args.k_g)) if k is not None
    )
    axes[0].set_title(rf"$\Theta$ ({indices})" if indices else r"$\Theta$ (all indices)")
    with write_errors(parser):
        arrays = {"u_D": u_D, "u_G": u_G, "theta": theta}
        paths = [save_result(out / "theta_map.npz", "theta_map", arrays, meta)]
        paths += save_figure(fig, out, "theta_map")
    report(paths, args.quiet)
    return 0


def add(sub: Any) -> None:
    parser = sub.add_parser(
        "theta-map",
        help="the complexity Theta(u_D, u_G) on a grid of loss levels",
        description=(
            "Theta(u_D, u_G) (docs/theory.md, sections 9-10): the exponential growth rate in N of "
            "the number of critical points with L_D <= N u_D and L_G <= N u_G; "
            "with --k-d / --k-g, of those whose block has that index.\n\n"
            "Writes theta_map.npz (u_D, u_G, theta of shape (len(u_G), len(u_D)); -inf "
            "where no critical point is possible) and theta_map.png/.pdf.\n\n"
            "example:\n  spinglass-gan theta-map --u-d -10 10 200 --u-g -10 10 200 "
            "--k-d 0 --k-g 0 --out theta"
        ),
        formatter_class=Formatter,
    )
    add_model_options(parser)
    add_grid_options(parser, 200)
    group = parser.add_argument_group("index constraints (docs/theory.md, section 10)")
    group.add_argument(
        "--k-d",
        type=index,
        metavar="INT",
        help="index k_D >= 0 of the discriminator block (default: unconstrained)",
    )
    group.add_argument(
        "--k-g",
        type=index,
        metavar="INT",
        help="index k_G >= 0 of the generator block (default: unconstrained)",
    )
    add_index_options(parser)
    add_common_options(parser, ".")
    parser.set_defaults(handler=run, parser=parser)
