"""``spinglass-gan figures``: the paper's figures on default settings."""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._cli_common import Formatter, integer, output_dir, report, write_errors
from .._progress import progress_bar
from ..figures import paper as figures
from ._options import add_common_options, add_formula_option


def _figure_registry() -> dict[int, Callable[..., Any]]:
    """Every ``figureN`` function of ``spinglass_gan.figures.paper``, by N.

    Read at each call rather than fixed at import, so that figures added to the
    module are available without touching the command line.
    """
    found = {}
    for name in dir(figures):
        match = re.fullmatch(r"figure([1-9][0-9]*)", name)
        if match and callable(getattr(figures, name)):
            found[int(match.group(1))] = getattr(figures, name)
    return dict(sorted(found.items()))


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    """Whether ``fn`` takes the keyword ``name``, by name or through ``**params``.

    The figure functions forward ``**params`` to the figure data, which take
    ``progress`` and ``formula`` where they apply, so a catch-all counts as accepting.
    """
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins and C callables may have no signature
        return False
    return any(
        p.kind is p.VAR_KEYWORD
        or (p.name == name and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
        for p in params
    )


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    registry = _figure_registry()
    numbers = sorted(set(args.only)) if args.only else list(registry)
    out = output_dir(parser, args.out)
    bar = progress_bar(
        numbers, desc="figures", unit="figure", disable=args.quiet or len(numbers) < 2
    )
    for number in bar:
        fn = registry[number]
        # The figures' own bars only on a terminal (a log gets the lines above).
        kwargs = {"progress": not args.quiet and sys.stderr.isatty(), "formula": args.formula}
        kwargs = {k: v for k, v in kwargs.items() if _accepts(fn, k)}
        with write_errors(parser):
            paths = fn(out, **kwargs)
        report([Path(p) for p in paths or ()], args.quiet)
    return 0


def add(sub: Any) -> None:
    registry = _figure_registry()
    listed = ", ".join(str(n) for n in registry)
    parser = sub.add_parser(
        "figures",
        help="the paper's figures on default settings",
        description=(
            "Compute and draw the paper's figures on their default settings, from the "
            "model's own Kac-Rice formula (--formula derived, the default) or the paper's "
            "(--formula published). Each figure N writes figN.png, figN.pdf and figN.npz "
            f"(the plotted data with its parameters) to --out. Available: {listed}.\n\n"
            "example:\n  spinglass-gan figures --out figures --only 1 3"
        ),
        formatter_class=Formatter,
    )
    parser.add_argument(
        "--only",
        type=integer,
        nargs="+",
        choices=list(registry),
        metavar="N",
        help=f"figure numbers to make, from {{{listed}}} (default: all of them)",
    )
    add_formula_option(parser)
    add_common_options(parser, "figures")
    parser.set_defaults(handler=run, parser=parser)
