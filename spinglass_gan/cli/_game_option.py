"""``--game FILE`` and the options it excludes, shared by count and theta-map.

argparse cannot tell an option left at its default from one given with the default
value, so the options that conflict with another are marked: :func:`track_given`
makes them record their flag in ``args.given`` when they appear on the command line.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..games.game import SpinGlassGame

__all__ = ["add_game_option", "conflicts", "load_game", "track_given"]


class _Given(argparse._StoreAction):
    """A store action that also records its flag in ``namespace.given``."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None):
        super().__call__(parser, namespace, values, option_string)
        namespace.given = {*getattr(namespace, "given", ()), self.option_strings[0]}


def track_given(parser: argparse.ArgumentParser, dests: Iterable[str]) -> None:
    """Make the options of ``parser`` with these destinations record when they are given."""
    dests = set(dests)
    for action in parser._actions:
        # Only plain store actions are swapped; their behaviour is otherwise unchanged.
        if action.dest in dests and type(action) is argparse._StoreAction:
            action.__class__ = _Given
    parser.set_defaults(given=frozenset())


def conflicts(
    parser: argparse.ArgumentParser, args: argparse.Namespace, option: str, flags: Iterable[str]
) -> None:
    """One usage line if any of ``flags`` was given together with ``option``."""
    clash = [f for f in sorted(args.given) if f in set(flags)]
    if clash:
        parser.error(f"argument {option}: not allowed with {', '.join(clash)}")


def add_game_option(group: Any, what: str) -> None:
    group.add_argument(
        "--game",
        type=Path,
        metavar="FILE",
        help=(
            "a spherical spin-glass game read from a .toml or .json file (docs/games.md, "
            f"section 7; examples in data/games/) instead of the GAN model; {what} "
            "(default: none, the GAN model of the options below)"
        ),
    )


def load_game(parser: argparse.ArgumentParser, path: Path) -> SpinGlassGame:
    """The game of ``path``; a missing, unreadable or invalid file is one usage line."""
    try:
        return SpinGlassGame.from_file(path)
    except OSError as exc:
        parser.error(f"argument --game: cannot read {str(path)!r}: {exc.strerror or exc}")
    except ValueError as exc:  # the package's checks, and TOML or JSON syntax errors
        parser.error(f"argument --game: {str(path)!r}: {exc}")
    except (KeyError, TypeError, AttributeError) as exc:  # a table of the wrong shape
        parser.error(f"argument --game: {str(path)!r} is not a valid game: {exc!r}")
