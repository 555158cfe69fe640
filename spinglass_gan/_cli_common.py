"""Parser, argument types, checks and runner options shared by the command lines.

``spinglass-gan`` (the :mod:`spinglass_gan.cli` package) and ``gan-sweep``
(:mod:`spinglass_gan.experiments.cli`) both build on this module and on nothing of
each other's, so that neither imports the other's internals.

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
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from tqdm.auto import tqdm

__all__ = [
    "SCHEDULER_TIMEOUT",
    "Formatter",
    "Parser",
    "Range",
    "check_runner_options",
    "integer",
    "integer_at_least",
    "new_figure",
    "note",
    "number",
    "output_dir",
    "positive_number",
    "removing_empty_outputs",
    "report",
    "result_line",
    "run_command",
    "runner_options",
    "save_figure",
    "unit_number",
    "user_errors",
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
                _remove_empty_tree(path)
        _created.clear()


def _remove_empty_tree(path: Path) -> None:
    """Remove ``path`` and the folders in it that hold no file (a results folder's
    empty ``tasks``), keeping every folder that holds a file."""
    if not path.is_dir():
        return
    for root, _, _ in sorted(os.walk(path), key=lambda w: -len(w[0])):
        with contextlib.suppress(OSError):
            os.rmdir(root)  # only if empty


# -- parser, help layout and the range option ----------------------------------------


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are a single line.

    argparse prints the whole usage block before the message; for a command with
    this many options that buries the one line that matters, and callers
    (scripts, tests) can rely on exactly one line on stderr.
    """

    # argparse takes "-inf", "-1e3" and "-.5e2" for unknown options (its own pattern
    # knows only "-12" and "-1.5"), so "--u-d -1e3 5 4" would fail.  No option of this
    # command line looks like a negative number, so every such word is a value.
    NEGATIVE_NUMBER = re.compile(
        r"^-(?:(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|inf(?:inity)?|nan)$", re.IGNORECASE
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = self.NEGATIVE_NUMBER

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class Formatter(argparse.HelpFormatter):
    """Wraps prose paragraphs but keeps indented ones (examples) as written."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        # The default formatter joins all lines into one paragraph, which would run
        # the examples together; a raw description would not wrap the prose.
        paragraphs = []
        for para in text.strip("\n").split("\n\n"):
            lines = para.splitlines()
            if any(line[:1].isspace() for line in lines):
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                paragraphs.append(super()._fill_text(para, width, indent))
        return "\n\n".join(paragraphs)

    def _format_args(self, action: argparse.Action, default_metavar: str) -> str:
        # nargs="+" would print "VALUE [VALUE ...]"; a sweep option takes one or three.
        if isinstance(action, Range) and action.nargs == "+":
            return "VALUE | LO HI N"
        return super()._format_args(action, default_metavar)


class Range(argparse.Action):
    """``LO HI N`` (a range of N >= 2 points, LO < HI) or, with nargs="+", one VALUE.

    Stores ``(lo, hi, n)`` or the float VALUE.  The three values have different
    types, which argparse's ``type=`` cannot express, hence an action.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        try:
            if len(values) == 3:
                lo, hi, n = number(values[0]), number(values[1]), integer_at_least(2)(values[2])
                if not lo < hi:
                    raise argparse.ArgumentTypeError(f"need LO < HI, got {lo:g} and {hi:g}")
                result: Any = (lo, hi, n)
            elif len(values) == 1 and self.nargs == "+":
                result = number(values[0])
            else:
                wanted = "VALUE or LO HI N" if self.nargs == "+" else "LO HI N"
                raise argparse.ArgumentTypeError(f"expected {wanted}, got {len(values)} values")
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, self.dest, result)


# -- running a command -------------------------------------------------------------


@contextlib.contextmanager
def user_errors(parser: argparse.ArgumentParser) -> Iterator[None]:
    """Turn the package's ValueError (it names the argument) into a usage error.

    Used only around the checks made before any computation (models, ensembles,
    grids, memory): a ValueError raised later would be a fault of the package, and
    reporting it as bad input would hide it.
    """
    try:
        yield
    except ValueError as exc:
        message = str(exc)
        # "sigma_z must be > 0" is about --sigma-z: say so in argparse's own words.
        # The first name of the message: "u_D, u_G=(...) needs" is about --u-d too.
        name = re.match(r"[A-Za-z_][A-Za-z0-9_]*", message)
        option = "--" + (name.group(0) if name else "").replace("_", "-").lower()
        known = {flag for action in parser._actions for flag in action.option_strings}
        parser.error(f"argument {option}: {message}" if option in known else message)


def report(paths: Sequence[Path], quiet: bool) -> None:
    if not quiet:
        for path in paths:
            tqdm.write(str(path))


def new_figure(ncols: int = 1, width: float = 4.8) -> tuple[Any, Any]:
    # A bare Figure (no pyplot): no GUI backend is touched and nothing stays
    # registered in pyplot after main() returns, which matters when main() is
    # called repeatedly in one process.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, 3.8), layout="constrained")
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def save_figure(fig: Any, out: Path, stem: str) -> list[Path]:
    paths = [out / f"{stem}.png", out / f"{stem}.pdf"]
    fig.savefig(paths[0], dpi=150, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    return paths


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised while handling, a KeyboardInterrupt.

    Ctrl-C inside a numba-compiled function surfaces as a SystemError whose context
    is the KeyboardInterrupt.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


_NUMBA = os.sep + "numba" + os.sep


@contextlib.contextmanager
def _interrupts_outside_numba() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt, but never inside numba's own Python code.

    numba's dispatcher calls back into Python (to type the arguments); an exception
    raised there is mishandled by its C part (a SystemError, or a segmentation fault
    measured in about half of the interrupts of ``count``).  When SIGINT finds such
    a frame, it is sent again 20 ms later, by which time the call has returned.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        while frame is not None:
            if _NUMBA in frame.f_code.co_filename:
                threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT)).start()
                return
            frame = frame.f_back
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_command(prog: str, args: argparse.Namespace) -> int:
    """Run ``args.handler(args, args.parser)`` as a command: the exit status.

    A command that stops with an error or is interrupted leaves no empty folder
    behind (folders holding finished files are kept); Ctrl-C is one line on stderr
    and status 130.
    """
    try:
        with removing_empty_outputs(), _interrupts_outside_numba():
            try:
                return args.handler(args, args.parser)
            except SystemError as exc:
                if _interrupted(exc):
                    raise KeyboardInterrupt from None
                raise
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def note(args: argparse.Namespace, message: str) -> None:
    """A line about the work (an estimate, a plan) on stderr, unless --quiet."""
    if not args.quiet:
        tqdm.write(message, file=sys.stderr)


def result_line(message: str) -> None:
    """A line of the result on stdout, printed even with --quiet."""
    tqdm.write(message)
