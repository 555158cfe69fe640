"""Argument types, checks and runner options shared by the command-line interfaces.

Parsing and range checks happen in argparse ``type=`` callables so that messages
name the option (argparse prefixes "argument --n:").  The runner options
(``--results-dir``, ``--scheduler``, ``--processes``) are checked and opened here for
``spinglass-gan banded``, ``sweep`` and ``gan-sweep`` alike.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import math
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEDULER_TIMEOUT",
    "check_runner_options",
    "integer",
    "integer_at_least",
    "number",
    "output_dir",
    "positive_number",
    "removing_empty_outputs",
    "runner_options",
    "unit_number",
    "write_errors",
]

SCHEDULER_TIMEOUT = 20  # seconds to connect to a dask scheduler

# Folders made by output_dir during the current command (see removing_empty_outputs).
_created: list[Path] = []


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
    missing = [p for p in (path, *path.parents) if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True)
        _created.extend(reversed(missing))  # outermost first
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        parser.error(f"argument {option}: cannot write to {str(path)!r}: {exc.strerror or exc}")
    return path


@contextlib.contextmanager
def write_errors(parser: argparse.ArgumentParser) -> Iterator[None]:
    """A failed write (disk full, folder removed meanwhile) is one line and status 1.

    Only errors of the operating system (with an errno) are meant: the sweep commands
    run their computation inside this too, and other OSError subclasses, such as a
    dask connection closed mid-run, keep their traceback.
    """
    try:
        yield
    except OSError as exc:
        if exc.errno is None:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        parser.exit(1, f"{parser.prog}: error: cannot write{where}: {exc.strerror or exc}\n")


def check_runner_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Usage errors of the runner options, found before anything is created."""
    if args.scheduler is not None and args.processes is not None:
        parser.error("argument --processes: not allowed with --scheduler")
    if args.scheduler is not None and importlib.util.find_spec("distributed") is None:
        parser.error(
            "argument --scheduler: needs dask.distributed (pip install 'spinglass_gan[dask]')"
        )


@contextlib.contextmanager
def runner_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Iterator[dict]:
    """Keyword arguments of the runner options; a dask client is open meanwhile.

    The results folder is checked and the scheduler contacted before the computation,
    so that a wrong folder or address fails at once, in one line.
    """
    kwargs: dict[str, Any] = {"processes": args.processes}
    if args.results_dir is not None:
        kwargs["results_dir"] = output_dir(parser, args.results_dir, "--results-dir")
    if args.scheduler is None:
        yield kwargs
        return
    from distributed import Client

    try:
        client = Client(args.scheduler, timeout=SCHEDULER_TIMEOUT)
    except Exception as exc:  # refused, timed out, malformed address: all mean the same
        parser.exit(1, f"{parser.prog}: error: cannot reach scheduler {args.scheduler}: {exc}\n")
    with client:
        yield {**kwargs, "client": client}


@contextlib.contextmanager
def removing_empty_outputs() -> Iterator[None]:
    """Remove the folders :func:`output_dir` created if the command then fails.

    A command that exits with an error (a usage error found after the output folder
    was made, an unreachable scheduler, an exception) leaves no empty folders behind;
    folders that hold anything, such as finished task files, are kept.
    """
    _created.clear()
    ok = False
    try:
        yield
        ok = True
    except SystemExit as exc:
        ok = exc.code in (0, None)
        raise
    finally:
        if not ok:
            for path in reversed(_created):  # innermost first
                with contextlib.suppress(OSError):
                    path.rmdir()  # only if empty
        _created.clear()
