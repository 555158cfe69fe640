"""Counts of critical points of sampled instances against the exact finite-N formula.

    python scripts/compare_counts.py COUNTS.npz [--samples 400000] [--seed 0]
        [--u-D 0.5 1.0 ...] [--u-G -1 0 ...] [--max-index 2] [--proposal auto]
    python scripts/compare_counts.py data/counts --json data/counts/comparison.json
    python scripts/compare_counts.py data/counts --indexed --samples 100000 \
        --json data/counts/comparison_indexed.json

COUNTS.npz holds one record per critical point found, over a set of sampled instances
(the format of `count_critical_points` files):

* arrays ``instance`` (int, which instance the point belongs to), ``u_D``, ``u_G``
  (losses per N, L_D/N and L_G/N), ``k_D``, ``k_G`` (block indices of J' at the point,
  k_D in the convention named by the metadata's ``d_index``);
* metadata ``p``, ``q``, ``sigma_z``, ``n_D``, ``n_G``, ``instances`` or ``n_instances`` (instances
  sampled, including any with no point recorded) and optionally ``d_index``
  (``"ascent"`` by default).

Files written by :func:`spinglass_gan.save_result` and plain ``numpy.savez`` files
(metadata then as a JSON string in an array ``metadata``) are both read.

For each question (total; L_D <= N u_D; L_G <= N u_G; each (k_D, k_G) up to
``--max-index``) it prints the mean count per instance with its standard error
(std over instances / sqrt(n_instances)), the Monte Carlo value of the exact formula
from ONE set of draws (``kac_rice_samples``) with its standard error, and
z = (counts - formula) / sqrt(se_counts^2 + se_formula^2).  |z| of a few at most is
agreement; a missed critical point biases the counts low.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

import spinglass_gan as sg

FIELDS = ("instance", "u_D", "u_G", "k_D", "k_G")


def load_counts(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    """The per-point arrays and the metadata of a counts file."""
    try:
        res = sg.load_result(path)
        arrays = {name: np.asarray(res[name]) for name in FIELDS}
        meta = dict(res.metadata)
    except (ValueError, KeyError, OSError):
        with np.load(path, allow_pickle=False) as f:
            arrays = {name: np.asarray(f[name]) for name in FIELDS}
            meta = json.loads(str(f["metadata"]))
    if "n_instances" not in meta and "instances" in meta:  # count_critical_points files
        meta["n_instances"] = meta["instances"]
    for key in ("p", "q", "sigma_z", "n_D", "n_G", "n_instances"):
        if key not in meta:
            raise ValueError(f"counts metadata lacks {key!r}")
    return arrays, meta


def per_instance(arrays: dict[str, np.ndarray], keep: np.ndarray, n_inst: int) -> tuple:
    """Mean over instances of the number of points in ``keep``, and its standard error."""
    inst = arrays["instance"].astype(int)
    if inst.size and (inst.min() < 0 or inst.max() >= n_inst):
        raise ValueError("instance ids must lie in [0, n_instances)")
    counts = np.bincount(inst[keep], minlength=n_inst).astype(float)
    return counts.mean(), counts.std(ddof=1) / math.sqrt(n_inst)


def questions(arrays, u_D_list, u_G_list, max_index):
    """(label, u_D, u_G, k_D, k_G) for every comparison."""
    out = [("total", np.inf, np.inf, None, None)]
    out += [(f"u_D <= {u:g}", u, np.inf, None, None) for u in u_D_list]
    out += [(f"u_G <= {u:g}", np.inf, u, None, None) for u in u_G_list]
    out += [
        (f"(k_D, k_G) = ({kd}, {kg})", np.inf, np.inf, kd, kg)
        for kd in range(max_index + 1)
        for kg in range(max_index + 1)
    ]
    return out


def compare(arrays, meta, draws, u_D_list, u_G_list, max_index, only=None) -> list[dict]:
    n_inst = int(meta["n_instances"])
    d_index = meta.get("d_index", "ascent")
    rows = []
    for label, u_D, u_G, k_D, k_G in questions(arrays, u_D_list, u_G_list, max_index):
        if k_D is not None and (k_D > draws.n_D - 1 or k_G > draws.n_G - 1):
            continue
        if only is not None and (k_D, k_G) != only:
            continue
        keep = (arrays["u_D"] <= u_D) & (arrays["u_G"] <= u_G)
        if k_D is not None:
            keep &= (arrays["k_D"] == k_D) & (arrays["k_G"] == k_G)
        c_mean, c_err = per_instance(arrays, keep, n_inst)
        f_mean, f_err = draws.expected(u_D, u_G, k_D, k_G, d_index=d_index)
        err = math.hypot(c_err, f_err)
        z = (c_mean - f_mean) / err if err > 0 else math.nan
        rows.append({"question": label, "counts": c_mean, "counts_se": c_err,
                     "formula": f_mean, "formula_se": f_err, "z": z})  # fmt: skip
    return rows


def common_pairs(arrays, top: int = 3) -> list[tuple[int, int]]:
    """The ``top`` most common (k_D, k_G) among the recorded points."""
    pairs, freq = np.unique(np.stack([arrays["k_D"], arrays["k_G"]], 1), axis=0, return_counts=True)
    return [tuple(int(v) for v in pairs[i]) for i in np.argsort(-freq, kind="stable")[:top]]


def indexed_rows(arrays, meta, samples: int, seed: int, pairs) -> list[dict]:
    """Each (k_D, k_G) of ``pairs`` from its own draws, made for it: the spectral
    sampler with that index forced and the adaptive proposal (``proposal="auto"``)."""
    rows = []
    for k_D, k_G in pairs:
        draws = sg.kac_rice_samples(
            int(meta["p"]), int(meta["q"]), float(meta["sigma_z"]), int(meta["n_D"]),
            int(meta["n_G"]), samples, seed, proposal="auto", k_D=k_D, k_G=k_G,
            d_index=meta.get("d_index", "ascent"),
        )  # fmt: skip
        row = compare(arrays, meta, draws, [], [], max(k_D, k_G), only=(k_D, k_G))[0]
        row["ess"] = draws.log_expected(k_D=k_D, k_G=k_G, min_ess=0).ess
        rows.append(row)
    return rows


def compare_folder(
    folder: Path, samples: int, seed: int, out: Path | None, indexed: bool = False
) -> list[dict]:
    """Every counts file of ``folder``: total, the quartiles of u_D and of u_G as
    thresholds, and the three commonest index pairs; one summary row per file.  With
    ``indexed`` the pairs come from draws made for each (``indexed_rows``)."""
    summary = []
    for path in sorted(folder.glob("*.npz")):
        arrays, meta = load_counts(path)
        quart = (0.25, 0.5, 0.75)
        u_D_list = list(np.quantile(arrays["u_D"], quart))
        u_G_list = list(np.quantile(arrays["u_G"], quart))
        draws = sg.kac_rice_samples(
            int(meta["p"]), int(meta["q"]), float(meta["sigma_z"]), int(meta["n_D"]),
            int(meta["n_G"]), samples, seed,
        )  # fmt: skip
        rows = compare(arrays, meta, draws, u_D_list, u_G_list, max_index=-1)
        if indexed:
            rows += indexed_rows(arrays, meta, samples, seed, common_pairs(arrays))
        for k_D, k_G in [] if indexed else common_pairs(arrays):
            rows += [
                r for r in compare(arrays, meta, draws, [], [], max(k_D, k_G))
                if r["question"] == f"(k_D, k_G) = ({k_D}, {k_G})"
            ]  # fmt: skip
        zs = [r["z"] for r in rows]
        params = {k: meta[k] for k in ("p", "q", "sigma_z", "n_D", "n_G")}
        summary.append(
            {"file": path.name, **params, "instances": int(meta["n_instances"]),
             "rows": rows, "max_abs_z": float(np.max(np.abs(zs)))}
        )  # fmt: skip
        print(
            f"| {meta['p']} | {meta['q']} | {meta['sigma_z']} | {meta['n_D']} | {meta['n_G']} | "
            f"{int(meta['n_instances'])} | {rows[0]['counts']:.3f} +- {rows[0]['counts_se']:.3f} | "
            f"{rows[0]['formula']:.3f} +- {rows[0]['formula_se']:.3f} | "
            + " ".join(f"{z:+.1f}" for z in zs)
            + " |",
            flush=True,
        )
    if out is not None:
        out.write_text(json.dumps(summary, indent=1))
    return summary


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", type=Path, help="a counts file, or a folder of them")
    parser.add_argument("--json", type=Path, default=None, help="summary of a folder as JSON")
    parser.add_argument("--samples", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--u-D", type=float, nargs="*", default=None, dest="u_D")
    parser.add_argument("--u-G", type=float, nargs="*", default=None, dest="u_G")
    parser.add_argument("--max-index", type=int, default=2)
    parser.add_argument("--proposal", choices=("none", "auto"), default="none")
    parser.add_argument(
        "--indexed", action="store_true",
        help="folder mode: each index pair from draws forced to it (proposal='auto')",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.counts.is_dir():
        return compare_folder(args.counts, args.samples, args.seed, args.json, args.indexed)
    arrays, meta = load_counts(args.counts)
    quart = (0.25, 0.5, 0.75)
    u_D_list = args.u_D if args.u_D is not None else list(np.quantile(arrays["u_D"], quart))
    u_G_list = args.u_G if args.u_G is not None else list(np.quantile(arrays["u_G"], quart))
    draws = sg.kac_rice_samples(
        int(meta["p"]), int(meta["q"]), float(meta["sigma_z"]), int(meta["n_D"]),
        int(meta["n_G"]), args.samples, args.seed,
        proposal=None if args.proposal == "none" else "auto",
    )  # fmt: skip
    rows = compare(arrays, meta, draws, u_D_list, u_G_list, args.max_index)
    print(
        f"p={meta['p']} q={meta['q']} sigma_z={meta['sigma_z']} n_D={meta['n_D']} "
        f"n_G={meta['n_G']}: {meta['n_instances']} instances, {arrays['instance'].size} "
        f"points; formula from {args.samples} draws"
    )
    print("| question | counts per instance | exact formula (MC) | z |")
    print("|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['question']} | {r['counts']:.4g} +- {r['counts_se']:.2g} | "
            f"{r['formula']:.4g} +- {r['formula_se']:.2g} | {r['z']:+.2f} |"
        )
    return rows


if __name__ == "__main__":
    main()
