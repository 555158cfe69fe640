"""``spinglass-gan count``: critical points of sampled instances, counted."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

from .. import _validation as val
from .._cli_common import (
    Formatter,
    check_runner_options,
    note,
    number,
    output_dir,
    report,
    result_line,
    runner_options,
    user_errors,
    write_errors,
)
from ..complexity.derived import DerivedConstants
from ..landscapes.counting import count_critical_points, seconds_per_instance
from ..landscapes.landscape import check_instance_size
from ._game_option import add_game_option, conflicts, load_game, track_given
from ._options import (
    PAPER,
    add_common_options,
    add_option,
    add_runner_options,
    block,
    count,
    with_assembled,
)

# A count expected to take longer than this (seconds) is announced with a warning.
LONG_COUNT = 600.0


# Options of the GAN model (a game file replaces them) and options of a game only.
MODEL_DESTS = ("p", "q", "sigma_z", "n_d", "n_g", "u_d", "u_g", "d_index")
GAME_DESTS = ("sizes", "max_u")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    check_runner_options(args, parser)
    if args.game is not None:
        return run_game(args, parser)
    for flag in sorted(args.given):
        if flag in ("--sizes", "--max-u"):
            parser.error(f"argument {flag}: only with --game (the GAN model takes --n-d, --n-g)")
    with user_errors(parser):
        # Checks p, q and sigma_z (the sizes and counts are checked by argparse), the
        # thresholds, and that an instance fits in memory and can be symmetrised.
        DerivedConstants.from_model(args.p, args.q, args.sigma_z, 0.5)
        check_instance_size(args.p, args.q, args.n_d, args.n_g)
        u_d = val.loss_level("max_u_D", args.u_d)
        u_g = val.loss_level("max_u_G", args.u_g)
    out = output_dir(parser, args.out)
    _announce(args)
    with runner_options(args, parser) as runner, write_errors(parser):
        counts = count_critical_points(
            args.p,
            args.q,
            args.sigma_z,
            args.n_d,
            args.n_g,
            args.instances,
            rng=args.seed,
            chunk=max(1, min(25, args.instances // 20)),
            progress=not args.quiet,
            **runner,
        )
    with write_errors(parser):
        paths = [counts.save(out / "counts.npz")]
    report(with_assembled(paths, args), args.quiet)
    fails = int(np.sum(~counts.poincare_hopf_ok))
    for line in _summary(counts, u_d, u_g, args.d_index, fails):
        result_line(line)
    return 0 if fails == 0 else 3


def run_game(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Critical points of sampled instances of the game of --game FILE, counted."""
    flags = [a.option_strings[0] for a in parser._actions if a.dest in MODEL_DESTS]
    conflicts(parser, args, "--game", flags)
    game = load_game(parser, args.game)
    if args.sizes is None:
        parser.error(f"argument --sizes: needed with --game: {game.K} sizes N_s >= 2, one a player")
    if len(args.sizes) != game.K:
        parser.error(
            f"argument --sizes: {args.game} has {game.K} players, got {len(args.sizes)} sizes"
        )
    u = args.max_u
    if u is not None and len(u) != game.K:
        parser.error(f"argument --max-u: {args.game} has {game.K} players, got {len(u)} values")
    with user_errors(parser):
        sizes = game.check_sizes(args.sizes, tensors=True)
        if u is not None:
            u = [val.loss_level("max_u", x) for x in u]
    out = output_dir(parser, args.out)
    note(args, f"count: {args.instances} instances of the game {args.game}, sizes {list(sizes)}")
    with runner_options(args, parser) as runner, write_errors(parser):
        counts = count_critical_points(
            game,
            sizes,
            args.instances,
            rng=args.seed,
            chunk=max(1, min(25, args.instances // 20)),
            progress=not args.quiet,
            **runner,
        )
    with write_errors(parser):
        paths = [counts.save(out / "counts.npz")]
    report(with_assembled(paths, args), args.quiet)
    fails = int(np.sum(~counts.poincare_hopf_ok))
    for line in _game_summary(counts, u, fails):
        result_line(line)
    return 0 if fails == 0 else 3


def _game_summary(counts: Any, u: list[float] | None, fails: int) -> list[str]:
    def pm(mean: float, err: float) -> str:
        return f"{mean:.4g}" + ("" if counts.instances < 2 else f" +- {err:.2g}")

    n = counts.instances
    lines = [
        f"instances {n}: mean number of critical points {pm(*counts.mean())}"
        + ("" if n > 1 else " (one instance: no standard error)"),
        f"Poincare-Hopf sum holds on {n - fails} of {n} instances",
    ]
    if u is not None:
        bound = ", ".join(f"u_{s + 1} <= {x:g}" for s, x in enumerate(u))
        lines.append(f"with {bound}: {pm(*counts.mean(u))}")
    # The three commonest block-index tuples (k_1, ..., k_K), as count shows for the GAN.
    blocks = [tuple(int(k) for k in row) for row in counts.points["block_index"]]
    for key in sorted(set(blocks), key=lambda b: -blocks.count(b))[:3]:
        per = np.bincount(
            counts.points["instance"][[b == key for b in blocks]], minlength=n
        ).astype(float)
        err = float(per.std(ddof=1)) / np.sqrt(n) if n > 1 else np.inf
        lines.append(f"block indices {key}: {pm(float(per.mean()), err)}")
    return lines


def _announce(args: argparse.Namespace) -> None:
    """The expected time, before the work: a line, and a warning when it is long."""
    each = seconds_per_instance(args.p, args.q, args.n_d, args.n_g)
    workers = args.processes or (os.cpu_count() or 1 if args.results_dir else 1)
    total = each * args.instances / workers
    plan = (
        f"count: {args.instances} instances x about {_duration(each)} each"
        f" = about {_duration(total)}"
        + (f" on {workers} processes" if workers > 1 else "")
        + " (a rough estimate, within a factor 3 or so)"
    )
    note(args, plan)
    if total > LONG_COUNT:
        print(
            f"{parser_prog(args)}: warning: this count may take about {_duration(total)}; "
            "fewer --instances, smaller --n-d/--n-g or --p/--q, or --processes N shorten it",
            file=sys.stderr,
        )


def parser_prog(args: argparse.Namespace) -> str:
    return args.parser.prog


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.2g} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _summary(counts: Any, u_d: float, u_g: float, d_index: str, fails: int) -> list[str]:
    def pm(mean: float, err: float) -> str:
        # One instance has no spread to estimate.
        return f"{mean:.4g}" + ("" if counts.instances < 2 else f" +- {err:.2g}")

    lines = [
        f"instances {counts.instances}: mean number of critical points "
        f"{pm(*counts.mean())} (Bezout bound {counts.bezout})"
        + ("" if counts.instances > 1 else " (one instance: no standard error)"),
        f"Poincare-Hopf sum holds on {counts.instances - fails} of {counts.instances} instances",
        f"with u_D <= {u_d:g} and u_G <= {u_g:g}: {pm(*counts.mean(u_d, u_g))}",
    ]
    for (k_d, k_g), (m, e) in list(counts.by_index(d_index=d_index).items())[:3]:
        lines.append(f"(k_D, k_G) = ({k_d}, {k_g}) [{d_index}]: {pm(m, e)}")
    return lines


def add(sub: Any) -> None:
    parser = sub.add_parser(
        "count",
        help="critical points of sampled instances, counted over many instances",
        description=(
            "Sample instances of the model (explicit Gaussian tensors, weights on two "
            "spheres of radius sqrt(N), N = n_D + n_G), find all critical points of each "
            "(Newton from random starts; an angle grid on the torus n_D = n_G = 2) and "
            "count them. Prints the mean count with its standard error, the same under "
            "the loss thresholds --max-u-d, --max-u-g and for the three commonest index "
            "pairs, "
            "and how many instances pass the Poincare-Hopf check; exits with status 3 if "
            "any fails.\n\n"
            "Writes counts.npz: one record per critical point (instance, u_D, u_G, k_D, "
            "k_D_descent, k_G, sign) and per instance (n_points, euler_sum, starts, "
            "min_hits, missed_estimate, max_residual), so any count can be recomputed "
            "(spinglass_gan.CriticalPointCounts.load).\n\n"
            "Before it starts, prints the expected time (instances x a rough estimate "
            "per instance) and warns when that is long.\n\n"
            "With --game FILE, instances of a spherical spin-glass game (docs/games.md) "
            "with --sizes N_1 ... N_K weights per player; the summary then gives the "
            "count under the thresholds --max-u u_1 ... u_K (L_s <= N u_s) and for the "
            "three commonest tuples of block indices (negative eigenvalues of each "
            "diagonal block of J'), and counts.npz holds the game "
            "(spinglass_gan.game_counting.GameCriticalPointCounts.load). The model "
            "options (--p, --q, --sigma-z, --n-d, --n-g, --max-u-d, --max-u-g, "
            "--d-index) do not apply to a game.\n\n"
            "examples (about 20 s, 90 s and 1 s on one core):\n"
            "  spinglass-gan count --instances 20 --out counts\n"
            "  spinglass-gan count --p 2 --q 2 --sigma-z 1 --n-d 3 --n-g 3 "
            "--instances 500 --out counts-p2\n"
            "  spinglass-gan count --game data/games/bipartite_gan.toml --sizes 3 3 "
            "--max-u 0 0 --instances 20 --out counts-game"
        ),
        formatter_class=Formatter,
    )
    group = parser.add_argument_group("model")
    for name in ("p", "q", "sigma_z"):
        add_option(group, name, PAPER[name])
    group.add_argument(
        "--n-d",
        type=block,
        default=2,
        metavar="INT",
        help="discriminator weights n_D, >= 2 (default: %(default)s)",
    )
    group.add_argument(
        "--n-g",
        type=block,
        default=2,
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
    for flag, name, dest in (("--max-u-d", "L_D", "u_d"), ("--max-u-g", "L_G", "u_g")):
        group.add_argument(
            flag,
            type=number,
            default=0.0,
            dest=dest,
            metavar="FLOAT",
            help=(
                f"loss threshold per weight for the printed summary: count points with "
                f"{name} <= N * {dest.replace('_d', '_D').replace('_g', '_G')}, loss units "
                "per weight, one number (not a range) (default: %(default)s)"
            ),
        )
        # The former spelling, kept working but no longer listed.
        group.add_argument(
            f"--{dest.replace('_', '-')}",
            type=number,
            default=0.0,
            dest=dest,
            help=argparse.SUPPRESS,
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
    group = parser.add_argument_group("a spherical spin-glass game (docs/games.md)")
    add_game_option(group, "with --sizes and optionally --max-u")
    group.add_argument(
        "--sizes",
        type=block,
        nargs="+",
        metavar="N",
        help="with --game: weights N_s >= 2 of each of the K players (default: none)",
    )
    group.add_argument(
        "--max-u",
        type=number,
        nargs="+",
        metavar="FLOAT",
        help=(
            "with --game: loss thresholds per N of the K players for the printed summary, "
            "count points with L_s <= N u_s for every s (default: none, no threshold line)"
        ),
    )
    add_runner_options(parser)
    add_common_options(parser, ".")
    track_given(parser, MODEL_DESTS + GAME_DESTS)
    parser.set_defaults(handler=run, parser=parser)
