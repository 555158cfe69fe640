"""``spinglass-gan gan-sweep``: the DCGAN sweep of Fig. 9 from the command line.

``add_parser(subparsers)`` adds the subcommand to a parent parser (its handler is
:func:`run`); :func:`main` runs it on its own (``python -m spinglass_gan.experiments.cli``).
Nothing here imports PyTorch until a sweep is run, so the parent command line works
without the ``torch`` extra.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._cli_common import (
    Parser,
    check_runner_options,
    integer_at_least,
    output_dir,
    positive_number,
    run_command,
    runner_options,
    unit_number,
    write_errors,
)
from .data import CIFAR10_ENV, DATASETS, FASHION_MNIST_DIR, FASHION_MNIST_ENV, UnsafePickleError
from .sweep import ARCHITECTURES, FULL, QUICK

__all__ = ["add_parser", "main", "run"]

NAME = "gan-sweep"

DESCRIPTION = f"""\
DCGAN runs over a grid of sigma_z (latent-noise scale; z = N(0, I) sigma_z / std(data))
and kappa (discriminator's share of the channel budget), for the published generator
(ConvT without bias -> BatchNorm first, where BatchNorm cancels sigma_z) and the
'sigma_acts' variant (ConvT with bias, no BatchNorm first); Adam 2e-4, beta1 0.5,
batch 128, BCE losses. Writes fig9.png/.pdf/.npz (losses against sigma_z and kappa
beside the spin-glass theory) to --out and one result file per run to --results-dir;
rerunning the same command skips finished runs.

settings:
  --quick  {len(QUICK["sigma_zs"])} sigma_z x {len(QUICK["kappas"])} kappa x 2 architectures, \
1 seed, 1 epoch on the first {QUICK["subset"]}
           images, {QUICK["channels"]} channels: a few minutes on 2 CPU cores
  default  {len(FULL["sigma_zs"])} sigma_z (1e-5..1e2) x {len(FULL["kappas"])} kappa x 2 \
architectures x {len(FULL["seeds"])} seeds,
           {FULL["epochs"]} epochs on the whole training set, {FULL["channels"]} channels: \
for a GPU
  Options given explicitly override either setting.

data (never downloaded):
  --dataset auto   CIFAR-10 from --data-path or ${CIFAR10_ENV}; else Fashion-MNIST
                   from {FASHION_MNIST_DIR} (Debian package
                   dataset-fashion-mnist) or ${FASHION_MNIST_ENV}; else the 2000
                   Fashion-MNIST images shipped with the package
  CIFAR-10: the cifar-10-batches-py folder or cifar-10-python.tar.gz (pickles read
  with an unpickler that admits numpy arrays only), or the binary version.

examples:
  spinglass-gan gan-sweep --quick --out gan-quick
  spinglass-gan gan-sweep --dataset cifar10 --data-path ~/data/cifar-10-python.tar.gz \\
      --device cuda --out gan-full
"""


def _subset(text: str) -> int:
    # 0 stands for "all": None is kept for "not given" (then the setting decides).
    return 0 if text == "all" else integer_at_least(1)(text)


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the quick setting (see above) instead of the full one (default: full)",
    )
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", choices=DATASETS, default="auto", help="(default: auto)")
    data.add_argument(
        "--data-path",
        metavar="PATH",
        help=f"CIFAR-10 folder or tarball, or Fashion-MNIST folder (default: ${CIFAR10_ENV})",
    )
    data.add_argument(
        "--subset",
        type=_subset,
        metavar="N|all",
        help="train on the first N training images (default: quick 2000, full all)",
    )
    grid = parser.add_argument_group("grid and training")
    grid.add_argument(
        "--sigma-z",
        type=positive_number,
        nargs="+",
        metavar="S",
        help="latent-noise scales, > 0 (default: quick 0.01 0.1 1 10, full 1e-5 ... 1e2)",
    )
    grid.add_argument(
        "--kappa",
        type=unit_number,
        nargs="+",
        metavar="K",
        help="discriminator's channel shares, in (0, 1) (default: quick 0.1 0.3 ... 0.9, full 0.1 "
        "0.2 ... 0.9)",
    )
    grid.add_argument(
        "--seeds",
        type=integer_at_least(0),
        nargs="+",
        metavar="SEED",
        help="one run per seed (default: quick 0, full 0 1 2)",
    )
    grid.add_argument(
        "--epochs",
        type=integer_at_least(1),
        metavar="N",
        help="training epochs (default: quick 1, full 5)",
    )
    grid.add_argument(
        "--channels",
        type=integer_at_least(8),
        metavar="N",
        help="channel budget w_D + w_G (default: quick 64, full 128)",
    )
    grid.add_argument(
        "--batch-size", type=integer_at_least(2), default=128, metavar="N", help="(default: 128)"
    )
    grid.add_argument(
        "--architecture",
        choices=(*ARCHITECTURES, "both"),
        default="both",
        help="generator first layer (default: both)",
    )
    run_opts = parser.add_argument_group("execution")
    run_opts.add_argument(
        "--device", default="auto", help="torch device: cpu, cuda, cuda:1, auto (default: auto)"
    )
    run_opts.add_argument(
        "--threads",
        type=integer_at_least(1),
        metavar="N",
        help="torch threads per run (default: 1 on the CPU, torch's default on a GPU)",
    )
    run_opts.add_argument(
        "--processes",
        type=integer_at_least(1),
        metavar="N",
        help="local worker processes (default: one per CPU core; 1 on a GPU)",
    )
    run_opts.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on this dask scheduler (e.g. tcp://host:8786) (default: local processes)",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--out", type=Path, default=Path("gan-sweep"), metavar="DIR", help="(default: gan-sweep)"
    )
    out.add_argument(
        "--results-dir",
        type=Path,
        metavar="DIR",
        help="one result file per run, for resuming (default: OUT/runs)",
    )
    out.add_argument(
        "--replot",
        action="store_true",
        help="redraw the figure from the runs in --results-dir, no training (default: off)",
    )
    out.add_argument(
        "--quiet", action="store_true", help="no progress bars or file list (default: off)"
    )


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``gan-sweep`` to ``subparsers`` (from ``add_subparsers``) and return it.

    Sets ``handler=run`` and ``parser`` as defaults: the parent calls
    ``args.handler(args, args.parser)``.
    """
    parser = subparsers.add_parser(
        NAME,
        help="DCGAN losses over sigma_z and kappa beside the theory (Fig. 9; needs torch)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_options(parser)
    parser.set_defaults(handler=run, parser=parser)
    return parser


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The sweep's settings: --quick or the full defaults, overridden by explicit options."""
    base = QUICK if args.quick else FULL
    pick = {
        "sigma_zs": args.sigma_z,
        "kappas": args.kappa,
        "seeds": args.seeds,
        "epochs": args.epochs,
        "channels": args.channels,
    }
    out = {k: tuple(v) if isinstance(v, list) else v for k, v in pick.items()}
    out = {k: base[k] if v is None else v for k, v in out.items()}
    out["subset"] = base["subset"] if args.subset is None else (args.subset or None)
    return out


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the sweep and draw Fig. 9 from parsed ``args``; return the exit status.

    Bad input (options, data path, a refused pickle) and a missing PyTorch exit with
    status 2 after one line on stderr, before any folder is created (as ``--scheduler``
    without the dask extra does); an unreachable scheduler or a failed write with
    status 1.
    """
    from .sweep import load_records, plan, run_planned

    conf = settings(args)
    if args.results_dir is None:
        args.results_dir = args.out / "runs"
    if args.replot:
        records = load_records(args.results_dir)
        if not records:
            parser.error(f"argument --replot: no finished GAN runs in {str(args.results_dir)!r}")
        out = output_dir(parser, args.out)
        return _draw(parser, args, out, records, None, None)
    check_runner_options(args, parser)
    try:
        tasks, source = plan(
            conf["sigma_zs"],
            conf["kappas"],
            seeds=conf["seeds"],
            epochs=conf["epochs"],
            subset=conf["subset"],
            dataset=args.dataset,
            data_path=args.data_path,
            architecture=ARCHITECTURES if args.architecture == "both" else args.architecture,
            channels=conf["channels"],
            batch_size=args.batch_size,
            device=args.device,
            threads=args.threads,
        )
    except (ImportError, ValueError, OSError, UnsafePickleError) as exc:
        parser.error(str(exc))
    out = output_dir(parser, args.out)
    if args.processes is None and args.scheduler is None and tasks[0]["device"] != "cpu":
        args.processes = 1  # one GPU: runs in turn (--processes N to share it)
    start = time.perf_counter()
    with runner_options(args, parser) as runner, write_errors(parser):
        records = run_planned(tasks, progress=not args.quiet, **runner)
    return _draw(parser, args, out, records, source, time.perf_counter() - start)


def _draw(parser, args, out, records, source, seconds) -> int:
    from .figure import figure9

    with write_errors(parser):
        paths = figure9(out, records, source=source, progress=not args.quiet)
    if not args.quiet:
        for p in paths:
            print(p)
        took = "" if seconds is None else f" in {seconds:.1f} s"
        print(f"{len(records)} runs{took} (results in {args.results_dir})", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``spinglass-gan gan-sweep`` with the options ``argv`` (default ``sys.argv[1:]``).

    Builds the subcommand's parser on its own, so that this module never imports the
    ``spinglass-gan`` command line (which imports this one to add the subcommand).
    """
    prog = f"spinglass-gan {NAME}"
    parser = Parser(
        prog=prog, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _add_options(parser)
    parser.set_defaults(handler=run, parser=parser)
    return run_command(prog, parser.parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
