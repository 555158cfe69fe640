"""Every command example of the help texts, the README and docs/ runs and shows something.

The examples are read from the subcommands' ``--help`` ("example:" sections) and from
the fenced and inline ``spinglass-gan ...`` commands of README.md and docs/*.md.  Each
is run as written (its ``--out`` and ``--results-dir`` moved into a temporary folder)
and must exit 0 with a result that is not empty: the commands say "no critical
points ..." or "no index pair ..." in one line when a window holds nothing.  The
quick ones run by default; the others (figures, sweeps, counts) with ``-m slow``.
Examples that need what a test machine lacks (a GPU, a dask cluster, CIFAR-10, the
torch extra) or elide options ("...") are listed in SKIPPED and only parsed.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from spinglass_gan import cli

# Subprocess and round-trip tests: the default run, not the fast subset.
pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIPPED = ("--scheduler", "--device cuda", "cifar10", "gan-sweep", " ...", "pip install")
QUICK = ("theta-map", "spectrum")
EMPTY = re.compile(r"^no (critical points|index pair)", re.MULTILINE)


def _from_help() -> list[str]:
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    found = []
    for command in [parser, *sub.choices.values()]:
        text = command.description or ""
        lines = [line.strip().rstrip("\\").strip() for line in text.splitlines()]
        found += [line for line in lines if line.startswith("spinglass-gan ")]
    return found


def _from_docs() -> list[str]:
    found = []
    for path in DOCS:
        text = path.read_text().replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("#", 1)[0] if line.lstrip().startswith("spinglass-gan") else line
            for match in re.finditer(r"(?:^|`)\s*(spinglass-gan [a-z][^`\n]*)", line):
                found.append(" ".join(match.group(1).split()))
    return found


def _key(example: str) -> tuple[str, ...]:
    """The example less its output folders and its formula when that is the default:
    examples that differ only there compute the same thing once."""
    words, out = shlex.split(example), []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in ("--out", "--results-dir"):
            skip = True
        else:
            out.append(word)
    text = " ".join(out).replace("--formula derived", "").split()
    return tuple(text)


def _examples() -> list[str]:
    every: dict[tuple[str, ...], str] = {}
    for example in _from_help() + _from_docs():
        # A bare "spinglass-gan COMMAND" in prose names the command; figures is one.
        if len(example.split()) > 2 or example.endswith("figures"):
            every.setdefault(_key(example) if " ..." not in example else (example,), example)
    return list(every.values())


EXAMPLES = _examples()
RUN = [e for e in EXAMPLES if not any(s in e for s in SKIPPED)]


def _run(example: str, tmp_path: Path, capsys) -> str:
    argv = shlex.split(example)[1:]
    for flag in ("--out", "--results-dir"):
        if flag in argv:
            i = argv.index(flag) + 1
            argv[i] = str(tmp_path / Path(argv[i]).name)
    if "--game" in argv:  # the example files are named from the repository's root
        i = argv.index("--game") + 1
        argv[i] = str(ROOT / argv[i])
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    code = cli.main([*argv, "--quiet"])
    return code, capsys.readouterr().out


def test_examples_are_found():
    commands = {e.split()[1] for e in EXAMPLES}
    assert {"figures", "spectrum", "theta-map", "banded", "sweep", "count"} <= commands
    # Every example parses (the skipped ones too, where their extra is not needed).
    parser = cli.build_parser()
    for example in EXAMPLES:
        if " ..." in example or "pip install" in example:
            continue
        parser.parse_args(shlex.split(example)[1:])


@pytest.mark.parametrize("example", [e for e in RUN if e.split()[1] in QUICK])
def test_quick_example_shows_something(example, tmp_path, capsys):
    code, out = _run(example, tmp_path, capsys)
    assert code == 0 and out.strip() and not EMPTY.search(out), out


@pytest.mark.slow
@pytest.mark.parametrize("example", [e for e in RUN if e.split()[1] not in QUICK])
def test_example_shows_something(example, tmp_path, capsys):
    code, out = _run(example, tmp_path, capsys)
    assert code == 0 and not EMPTY.search(out), out
