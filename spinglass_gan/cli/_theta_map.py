"""``spinglass-gan theta-map``: the complexity Theta(u_D, u_G) on a grid."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import _validation as val
from .._cli_common import (
    Formatter,
    new_figure,
    note,
    output_dir,
    report,
    result_line,
    save_figure,
    user_errors,
    write_errors,
)
from ..complexity.model import GanSpinGlass
from ..figures import plotting
from ..io.results import save_result
from ._game_option import add_game_option, conflicts, load_game, track_given
from ._options import (
    add_common_options,
    add_grid_options,
    add_index_options,
    add_model_options,
    index,
)

# Options that describe the GAN model or its indices: a game file replaces them.
MODEL_DESTS = ("formula", "p", "q", "sigma_z", "kappa", "k_d", "k_g", "d_index", "convention")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.game is not None:
        return run_game(args, parser)
    with user_errors(parser):
        model = GanSpinGlass(args.p, args.q, args.sigma_z, args.kappa, formula=args.formula)
        u_D = val.loss_levels("u_D", np.linspace(*args.u_d))
        u_G = val.loss_levels("u_G", np.linspace(*args.u_g))
        val.grid_memory(u_D, u_G)
        val.block_index("k_D", args.k_d)
        val.block_index("k_G", args.k_g)
    out = output_dir(parser, args.out)
    note(args, f"theta-map: {u_D.size} x {u_G.size} grid, {model!r}")
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
    indices = ", ".join(
        f"${name} = {k}$" for name, k in (("k_D", args.k_d), ("k_G", args.k_g)) if k is not None
    )
    fig, axes = new_figure(width=5.4)
    plotting.plot_theta_map(u_D, u_G, theta, ax=axes[0])
    axes[0].set_title(
        (rf"$\Theta$ ({indices})" if indices else r"$\Theta$ (all indices)")
        + f", {args.formula} formula",
        fontsize=10,
    )
    with write_errors(parser):
        arrays = {"u_D": u_D, "u_G": u_G, "theta": theta}
        paths = [save_result(out / "theta_map.npz", "theta_map", arrays, meta)]
        paths += save_figure(fig, out, "theta_map")
    report(paths, args.quiet)
    result_line(theta_summary(u_D, u_G, theta))
    return 0


def run_game(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Theta(u_1, u_2) of a two-player game: --u-d for player 1, --u-g for player 2."""
    flags = [a.option_strings[0] for a in parser._actions if a.dest in MODEL_DESTS]
    conflicts(parser, args, "--game", flags)
    game = load_game(parser, args.game)
    if game.K != 2:
        parser.error(
            f"argument --game: theta-map needs a game of 2 players, {args.game} has {game.K}"
        )
    with user_errors(parser):
        u_1 = val.loss_levels("u_D", np.linspace(*args.u_d))
        u_2 = val.loss_levels("u_G", np.linspace(*args.u_g))
        val.grid_memory(u_1, u_2)
    out = output_dir(parser, args.out)
    note(args, f"theta-map: {u_1.size} x {u_2.size} grid, game {args.game}")
    theta = game.theta_map(u_1, u_2)
    fig, axes = new_figure(width=5.4)
    plotting.plot_theta_map(u_1, u_2, theta, ax=axes[0])
    axes[0].set_xlabel(r"$u_1$ (player 1)")
    axes[0].set_ylabel(r"$u_2$ (player 2)")
    axes[0].set_title(rf"$\Theta(u_1, u_2)$ of the game {args.game.name}", fontsize=10)
    with write_errors(parser):
        arrays = {"u_1": u_1, "u_2": u_2, "theta": theta}
        meta = {"game": game.to_dict(), "game_file": str(args.game)}
        paths = [save_result(out / "theta_map.npz", "game_theta_map", arrays, meta)]
        paths += save_figure(fig, out, "theta_map")
    report(paths, args.quiet)
    result_line(theta_summary(u_1, u_2, theta, names=("u_1", "u_2")))
    return 0


def theta_summary(
    u_D: np.ndarray, u_G: np.ndarray, theta: np.ndarray, names: tuple[str, str] = ("u_D", "u_G")
) -> str:
    """One line: the largest Theta and where, and how much of the grid has Theta > 0."""
    if not np.isfinite(theta).any():
        return (
            "no critical points in this window: Theta = -inf on the whole grid (the index "
            "constraints cannot hold here)"
        )
    i_G, i_D = np.unravel_index(np.nanargmax(theta), theta.shape)
    top = (
        f"max Theta = {theta[i_G, i_D]:.4g} at {names[0]} = {u_D[i_D]:.4g}, "
        f"{names[1]} = {u_G[i_G]:.4g}"
    )
    positive = int(np.sum(theta > 0))
    if positive == 0:
        return (
            f"no critical points in this window: Theta < 0 on the whole grid ({top}); "
            "widen --u-d / --u-g or change the indices"
        )
    return f"{top}; Theta > 0 on {positive} of {theta.size} grid points"


def add(sub: Any) -> None:
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
            "With --game FILE, Theta(u_1, u_2) of a two-player spherical spin-glass game "
            "(docs/games.md): --u-d gives player 1's loss levels u_1 and --u-g player 2's "
            "u_2; theta_map.npz then holds u_1, u_2 and theta[i_2, i_1] and the game. "
            "The model, formula and index options do not apply to a game.\n\n"
            "Prints the largest Theta and where it is reached, or says in one line that "
            "the window holds no critical points.\n\n"
            "examples (the second: index-0 critical points, which for the default model "
            "exist only at u_D above about 15):\n"
            "  spinglass-gan theta-map --u-d -40 40 200 --u-g -40 40 200 --out theta\n"
            "  spinglass-gan theta-map --u-d 0 60 200 --u-g -30 30 200 --k-d 0 --k-g 0 "
            "--out theta00"
            "\n"
            "  spinglass-gan theta-map --game data/games/bipartite_gan.toml "
            "--u-d -10 10 20 --u-g -10 10 20 --out theta-game"
        ),
        formatter_class=Formatter,
    )
    add_model_options(parser)
    add_game_option(
        parser._action_groups[-1],
        "two players only: the u_1 and u_2 of --u-d and --u-g are theirs",
    )
    add_grid_options(parser, 200)
    group = parser.add_argument_group(
        "index constraints (docs/theory.md, 'Index-constrained complexity')"
    )
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
    track_given(parser, MODEL_DESTS)
    parser.set_defaults(handler=run, parser=parser)
