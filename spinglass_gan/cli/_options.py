"""Options shared by the ``spinglass-gan`` subcommands, each defined once.

A subcommand adds the options it needs with :func:`add_option` (one parameter by
name, with the default and wording of :data:`OPTIONS`) or with the group builders
below; the argparse types check ranges so that messages name the option, and the
model's own parameters are checked by the package (see ``user_errors``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .._cli_common import Range, integer, integer_at_least, number
from ..io.runner import RESULT_FILE

__all__ = [
    "OPTIONS",
    "PAPER",
    "add_common_options",
    "add_formula_option",
    "add_grid_options",
    "add_index_options",
    "add_model_options",
    "add_option",
    "add_runner_options",
    "with_assembled",
]

# The paper's parameters (p = q = 3, sigma_z = 1, kappa = 0.9) are the defaults
# everywhere, so that every subcommand runs with no options at all.
PAPER = {"p": 3, "q": 3, "sigma_z": 1.0, "kappa": 0.9}

index = integer_at_least(0)
count = integer_at_least(1)
grid_size = integer_at_least(2)
block = integer_at_least(2)

# name -> (flag, type, metavar, help without the default)
OPTIONS: dict[str, tuple[str, Any, str, str]] = {
    "p": ("--p", integer, "INT", "discriminator spin-glass order, >= 2"),
    "q": ("--q", integer, "INT", "generator's extra spin-glass order, >= 1"),
    "sigma_z": ("--sigma-z", number, "FLOAT", "latent-noise scale sigma_z, > 0, dimensionless"),
    "kappa": ("--kappa", number, "FLOAT", "discriminator's share of the N weights, in (0, 1)"),
    "seed": ("--seed", index, "INT", "seed of the random generator, >= 0"),
}


def add_option(group: Any, name: str, default: Any = None, help: str | None = None) -> None:
    """Add the option ``name`` of :data:`OPTIONS` to ``group``.

    ``default=None`` leaves it unset (the help then says what stands in for it, which
    the caller passes in ``help``); otherwise argparse fills it in.
    """
    flag, kind, metavar, text = OPTIONS[name]
    if help is None:
        help = f"{text} (default: %(default)s)"
    group.add_argument(flag, type=kind, default=default, metavar=metavar, help=help)


def add_runner_options(parser: argparse.ArgumentParser) -> None:
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
        type=count,
        metavar="N",
        help=(
            "local worker processes, >= 1, not with --scheduler (default: 1, or every "
            "CPU with --results-dir)"
        ),
    )


def with_assembled(paths: list[Path], args: argparse.Namespace) -> list[Path]:
    """``paths`` and, with --results-dir, the assembled result written there."""
    if args.results_dir is None:
        return paths
    return [args.results_dir / RESULT_FILE, *paths]


def add_formula_option(group: Any) -> None:
    group.add_argument(
        "--formula",
        choices=("derived", "published"),
        default="derived",
        help=(
            "Kac-Rice formula: 'derived', the model's own (its complexity), or "
            "'published', the paper's, to reproduce its figures (default: %(default)s)"
        ),
    )


def add_model_options(parser: argparse.ArgumentParser, *, sweeping: bool = False) -> None:
    group = parser.add_argument_group(
        "model (defaults: the paper's p = q = 3, sigma_z = 1, kappa = 0.9)"
    )
    add_formula_option(group)
    names = ("p", "q") if sweeping else ("p", "q", "sigma_z", "kappa")
    for name in names:
        add_option(group, name, PAPER[name])


def add_grid_options(parser: argparse.ArgumentParser, points: int) -> None:
    group = parser.add_argument_group("grid of loss levels")
    for flag, name in (("--u-d", "u_D, the discriminator's"), ("--u-g", "u_G, the generator's")):
        group.add_argument(
            flag,
            nargs=3,
            action=Range,
            default=(-10.0, 10.0, points),
            metavar=("LO", "HI", "N"),
            help=(
                f"{name} loss level per N (dimensionless): N >= 2 equally spaced "
                f"values from LO to HI, LO < HI (default: -10 10 {points})"
            ),
        )


def add_index_options(parser: argparse.ArgumentParser) -> None:
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


def add_common_options(parser: argparse.ArgumentParser, out_default: str) -> None:
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
