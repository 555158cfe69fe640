"""Command line of spinglass_gan: ``spinglass-gan SUBCOMMAND [options]``.

Subcommands (``spinglass-gan SUBCOMMAND --help`` lists every option with its units
and default):

figures
    The paper's figures on default settings, as PNG, PDF and .npz files::

        spinglass-gan figures --out figures --only 1 3

spectrum
    Eigenvalues of sampled matrices H'(x1) against the master-equation density.
    The ensemble is given by its scales (--b, --b1) or by a model (--p, --q,
    --sigma-z), whose constants then supply b and b1::

        spinglass-gan spectrum --b 1 --b1 1 --kappa 0.5 --x1 3 --out spec
        spinglass-gan spectrum --p 3 --q 3 --sigma-z 1 --kappa 0.9 --out spec

theta-map
    The complexity Theta(u_D, u_G) on a grid of loss levels, optionally with the
    block indices k_D, k_G fixed::

        spinglass-gan theta-map --u-d -40 40 200 --u-g -40 40 200
        spinglass-gan theta-map --u-d 0 60 200 --u-g -30 30 200 --k-d 0 --k-g 0

    With --game FILE, Theta(u_1, u_2) of a two-player spherical spin-glass game read
    from a TOML or JSON file (docs/games.md)::

        spinglass-gan theta-map --game data/games/bipartite_gan.toml --u-d -10 10 20 --u-g -10 10 20

banded
    The largest feasible indices k_D and k_G over a grid of loss levels::

        spinglass-gan banded --u-d 0 60 60 --u-g -30 30 60 --k-d-max 10 --k-g-max 2 --out band

    With --finite-n N, also the same at N weights from the exact finite-N formula,
    beside the N -> infinity map::

        spinglass-gan banded --finite-n 50 --u-d 5 30 6 --u-g -30 -5 6 --k-d-max 2 --k-g-max 1

sweep
    The lowest losses at which critical points exist, along a sweep of sigma_z
    (log-spaced) or of kappa (linear)::

        spinglass-gan sweep --sigma-z 1e-5 1e2 36 --kappa 0.9
        spinglass-gan sweep --kappa 0.05 0.95 19 --sigma-z 1

banded, sweep and count run in parallel and resumably with --processes N (local worker
processes), --scheduler ADDRESS (a dask.distributed cluster) and --results-dir DIR
(each finished task is kept there; a rerun computes only the missing ones)::

        spinglass-gan sweep --sigma-z 1e-5 1e2 200 --results-dir runs/s --processes 8
        spinglass-gan banded --results-dir runs/b --scheduler tcp://10.0.0.1:8786

count
    All critical points of sampled instances of the model, counted over many
    instances (mean with its standard error; records of every point kept)::

        spinglass-gan count --instances 20 --out c

    With --game FILE and --sizes, instances of a spherical spin-glass game::

        spinglass-gan count --game data/games/bipartite_gan.toml --sizes 3 3 --instances 20

gan-sweep trains DCGANs over sigma_z and kappa beside the theory (paper Fig. 9; needs
the torch extra; docs/gan-experiments.md)::

        spinglass-gan gan-sweep --quick --out gan

Every subcommand prints its result in a line or a few on stdout (or says in one line
that the window holds no critical points); --quiet leaves out the progress and the list
of files written, not the result.  Progress is a bar on a terminal and plain lines on
stderr otherwise (a log gets no cursor codes).
Invalid input, and a command or option whose optional extra (torch, dask) is not
installed, is reported in one line on stderr with exit status 2, before anything is
written: this includes inputs past the measured limits (docs/model.md, section 4) and
past the memory budget, 2 GiB unless SPINGLASS_GAN_MEMORY_BUDGET says otherwise (e.g.
8G).  An unreachable scheduler or a failure to write the results exits with status 1;
Ctrl-C with one line and status 130.  A command that fails or is interrupted leaves no
empty output folder behind (finished files are kept).  Negative values are written as
they are, also in exponent form: --u-d -1e3 -10 50.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .._cli_common import Formatter, Parser, run_command
from .._version import __version__
from ..experiments.cli import add_parser as _add_gan_sweep
from . import _banded, _count, _figures, _spectrum, _sweep, _theta_map

__all__ = ["PROG", "build_parser", "main"]

PROG = "spinglass-gan"

# Subcommands in the order --help lists them; each module has add(subparsers).
COMMANDS = (_figures, _spectrum, _theta_map, _banded, _sweep, _count)


def build_parser() -> argparse.ArgumentParser:
    """The ``spinglass-gan`` argument parser (the figure list is read afresh)."""
    # The module docstring, less its reStructuredText markup, is the overview.
    overview = (__doc__ or "").replace("``", "").replace("::", ":")
    parser = Parser(prog=PROG, description=overview, formatter_class=Formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    for command in COMMANDS:
        command.add(sub)
    _add_gan_sweep(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Usage errors raise ``SystemExit(2)`` after one line on stderr.  Output folders
    created by a command that then fails are removed again if they are still empty;
    Ctrl-C is one line on stderr and status 130.
    """
    args = build_parser().parse_args(argv)
    return run_command(PROG, args)
