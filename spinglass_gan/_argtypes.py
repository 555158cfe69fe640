"""Argument types and checks shared by the command-line interfaces.

Parsing and range checks happen in argparse ``type=`` callables so that messages
name the option (argparse prefixes "argument --n:").
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["integer", "integer_at_least", "number", "output_dir", "positive_number", "unit_number"]


def number(text: str) -> float:
    """A finite float."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_number(text: str) -> float:
    """A finite float > 0."""
    value = number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def unit_number(text: str) -> float:
    """A float in the open interval (0, 1)."""
    value = number(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}")
    return value


def integer(text: str) -> int:
    """An int."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def integer_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an int >= ``minimum``."""

    def parse(text: str) -> int:
        value = integer(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value

    return parse


def output_dir(parser: argparse.ArgumentParser, path: Path, option: str = "--out") -> Path:
    """Create ``path`` and check that files can be written in it, before computing.

    Checked up front so that a bad folder fails at once instead of after a long
    computation.  mkdir alone succeeds on an existing read-only folder, so a
    temporary file is written (and removed) as the actual test.
    """
    if path.exists() and not path.is_dir():
        parser.error(f"argument {option}: {str(path)!r} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        parser.error(f"argument {option}: cannot write to {str(path)!r}: {exc.strerror or exc}")
    return path
