"""``spinglass-gan banded``: the largest feasible indices over a grid of loss levels."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import plotting
from .._cli_common import (
    Formatter,
    check_runner_options,
    new_figure,
    output_dir,
    report,
    runner_options,
    save_figure,
    user_errors,
    write_errors,
)
from ..banded import banded_structure
from ..model import GanSpinGlass
from ._options import (
    add_common_options,
    add_grid_options,
    add_index_options,
    add_model_options,
    add_runner_options,
    index,
    with_assembled,
)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    check_runner_options(args, parser)
    with user_errors(parser):
        model = GanSpinGlass(args.p, args.q, args.sigma_z, args.kappa, formula=args.formula)
    out = output_dir(parser, args.out)
    with runner_options(args, parser) as runner, write_errors(parser):
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
    fig, axes = new_figure(ncols=2)
    plotting.plot_banded(result, "k_D", ax=axes[0])
    plotting.plot_banded(result, "k_G", ax=axes[1])
    with write_errors(parser):
        paths = [result.save(out / "banded.npz"), *save_figure(fig, out, "banded")]
    report(with_assembled(paths, args), args.quiet)
    return 0


def add(sub: Any) -> None:
    parser = sub.add_parser(
        "banded",
        help="largest feasible indices (k_D, k_G) over a grid of loss levels",
        description=(
            "The banded structure (docs/theory.md, section 10.3): at each (u_D, u_G), the "
            "largest k_D and the largest k_G, up to --k-d-max and --k-g-max, with "
            "Theta_{k_D,k_G}(u_D, u_G) > 0.\n\n"
            "Writes banded.npz (u_D, u_G and staircase[k_G, i_G, i_D], the largest "
            "feasible k_D for each k_G, -1 where none) and banded.png/.pdf.\n\n"
            "example:\n  spinglass-gan banded --u-d -10 10 100 --u-g -10 10 100 "
            "--k-d-max 10 --k-g-max 10 --out band"
        ),
        formatter_class=Formatter,
    )
    add_model_options(parser)
    add_grid_options(parser, 100)
    group = parser.add_argument_group("index range (docs/theory.md, section 10.3)")
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
    add_index_options(parser)
    add_runner_options(parser)
    add_common_options(parser, ".")
    parser.set_defaults(handler=run, parser=parser)
