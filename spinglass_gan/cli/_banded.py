"""``spinglass-gan banded``: the largest feasible indices over a grid of loss levels."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import _validation as val
from .._cli_common import (
    Formatter,
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
from ..complexity.banded import banded_structure
from ..complexity.model import GanSpinGlass
from ..figures import plotting
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
    fig, axes = new_figure(ncols=2)
    plotting.plot_banded(result, "k_D", ax=axes[0])
    plotting.plot_banded(result, "k_G", ax=axes[1])
    fig.suptitle(f"{plotting.parameter_text(model.metadata())}, {args.formula} formula")
    with write_errors(parser):
        paths = [result.save(out / "banded.npz"), *save_figure(fig, out, "banded")]
    report(with_assembled(paths, args), args.quiet)
    result_line(banded_summary(result, args.k_d_max, args.k_g_max))
    return 0


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
            "examples (the first: the model's own formula, whose finite indices have k_G "
            "= 0 and, with k_G = 0, every k_D feasible at once; the second: the paper's "
            "formula and its bands):\n"
            "  spinglass-gan banded --u-d 0 60 60 --u-g -30 30 60 --k-d-max 10 "
            "--k-g-max 2 --out band\n"
            "  spinglass-gan banded --formula published --u-d -10 10 100 --u-g -10 10 100 "
            "--k-d-max 10 --k-g-max 10 --out band-published"
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
    add_index_options(parser)
    add_runner_options(parser)
    add_common_options(parser, ".")
    parser.set_defaults(handler=run, parser=parser)
