"""Command line: ``spinglass-gan figures --out DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from . import figures

FIGURES = {1: figures.figure1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spinglass-gan", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fig = sub.add_parser("figures", help="reproduce the paper's figures on default settings")
    fig.add_argument("--out", type=Path, default=Path("figures"), help="output folder")
    fig.add_argument(
        "--only", type=int, nargs="+", choices=sorted(FIGURES), help="figure numbers to make"
    )
    fig.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"--out: cannot create {args.out}: {exc.strerror}")
    for number in tqdm(args.only or sorted(FIGURES), desc="figures", disable=args.quiet):
        for path in FIGURES[number](args.out):
            if not args.quiet:
                tqdm.write(str(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
