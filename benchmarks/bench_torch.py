"""Benchmarks of the torch backend against the numpy path.

Run from the repository root (not part of the unit tests; needs torch)::

    python benchmarks/bench_torch.py                  # full sizes, about 4 minutes on 2 cores
    python benchmarks/bench_torch.py --quick          # reduced sizes, a smoke run
    python benchmarks/bench_torch.py --json out.json  # also write every number as JSON
    python benchmarks/bench_torch.py --device cuda    # torch on a GPU (numpy stays on the CPU)
    python benchmarks/bench_torch.py --threads 2      # threads for numpy and torch (default 1)
    python benchmarks/bench_torch.py --sizes 4096:32  # K matrices of order N per call

What is measured, for ``HessianEnsemble(1, 1, 0.5, 3)``:

1. Sampling: ``sample_eigvals(N, size, rng)`` with the numpy backend, and with
   ``backend="torch"`` in float64 and float32 on ``--device``, at N in
   {500, 1000, 2000, 4096} (``--quick``: {200, 500}); ``size`` is chosen so that one
   call takes a few seconds on one CPU thread.  Reported: seconds per call, matrices
   per second and the throughput ratio torch / numpy (higher is better for torch).
   The torch draws alone (normals on the device, no eigvalsh) are timed as well.
2. float32 accuracy, from the same calls (same seed, so the same matrices in both
   dtypes): the largest eigenvalue difference over the spectral radius, and the
   largest difference of (1/N) log|det(H' - x)| for 50 x outside the support.
3. Monte Carlo: ``annealed_log_det`` and ``quenched_log_det`` on numpy spectra of
   shape (K, N) at 200 x spanning the support plus its width on each side, numpy
   against ``backend="torch"`` (float64 spectra, and float32 on the device), with
   the largest difference of the annealed values.
4. Memory: the peak working memory of ``sample_eigvals(2000, 8, backend="torch",
   max_bytes=B)`` against the budget B = 256 MiB.  CPU: the peak resident memory
   added by the call in a fresh subprocess (Linux VmHWM, reset just before the call);
   CUDA: ``torch.cuda.max_memory_allocated``.

Timing: ``time.perf_counter`` with the garbage collector off (``_timing``).  Sampling:
each function is called once on a small input first (library loading, first-call
set-up), then the functions of one row are timed in alternation, one call per sample
(each takes seconds), ``repeats`` times each.  Monte Carlo: one warm-up call each,
then ``_timing.measure_interleaved`` (calls looped to at least 50 ms per sample, the
functions in alternation).  Best and median are kept; ratios use the best.  Every
torch sampling call returns a numpy array, which waits for the device, so GPU timings
include the copy of the spectra to the host; the Monte Carlo functions return numpy
arrays too.

Threads: NUMBA_NUM_THREADS, OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS
are set to ``--threads`` (default 1) before numpy is imported, and torch's intra- and
inter-op thread counts likewise, so numpy (OpenBLAS LAPACK) and torch (MKL LAPACK)
compare like with like.
"""

import argparse
import os
import sys

_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_PRE = argparse.ArgumentParser(add_help=False)
_PRE.add_argument("--threads", type=int, default=1)
_THREADS = max(1, _PRE.parse_known_args()[0].threads)
for _var in _THREAD_VARS:
    os.environ[_var] = str(_THREADS)

import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import spinglass_gan as sg  # noqa: E402

torch.set_num_threads(_THREADS)
torch.set_num_interop_threads(_THREADS)

from _timing import (  # noqa: E402
    Timing,
    environment,
    fmt_time,
    fmt_timing,
    measure_interleaved,
    once,
    write_json,
)

from spinglass_gan.rmt import _torch_backend as tb  # noqa: E402

PARAMS = {"b": 1.0, "b1": 1.0, "kappa": 0.5, "x1": 3.0}

FULL = {
    # N -> matrices per call: a few seconds per call on one CPU thread
    "sample_sizes": {500: 96, 1000: 24, 2000: 4, 4096: 1},
    "sample_repeats": 3,
    "mc_shapes": [(200, 500), (50, 2000)],
    "mc_nx": 200,
    "mc_repeats": 5,
    "memory": (2000, 8, 1 << 28),
}
QUICK = {
    **FULL,
    "sample_sizes": {200: 50, 500: 8},
    "sample_repeats": 2,
    "mc_shapes": [(50, 200)],
    "mc_repeats": 3,
    "memory": (1000, 8, 1 << 26),
}


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def interleaved(fns: list, repeats: int) -> list[Timing]:
    """Time several calls in alternation, one call per sample (each takes seconds)."""
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, acc in zip(fns, samples):
            acc.append(once(fn)[0])
    return [Timing(min(s), float(np.median(s)), repeats, 1) for s in samples]


# -------------------------------------------------------------- sampling
def draws_timer(ens: sg.HessianEnsemble, n: int, size: int, seed: int, device: torch.device):
    """The torch draws of one ``sample_eigvals(n, size)`` call alone (private drawer)."""
    n_d = ens.block_size(n)
    gen = tb.make_generator(seed, device)
    drawer = tb._Drawer((ens.b, ens.b1, ens.x1), n, n_d, gen, device, torch.float64)
    batch = tb.batch_size(n, n_d, size, 8, 1 << 28)
    buf = torch.empty((batch, n, n), dtype=torch.float64, device=device)

    def draws_only() -> None:
        for _ in range(-(-size // batch)):
            drawer.fill(buf)
        sync(device)

    return draws_only


def bench_sampling(cfg: dict[str, Any], device: torch.device) -> list[dict]:
    ens = sg.HessianEnsemble(**PARAMS)
    sup = ens.support()
    lo, hi = sup[0][0], sup[-1][1]
    x_out = np.concatenate(
        [np.linspace(lo - 5.0, lo - 0.2, 25), np.linspace(hi + 0.2, hi + 5.0, 25)]
    )
    rows = []
    for n, size in cfg["sample_sizes"].items():
        seed = n

        def numpy_call(n: int = n, size: int = size, seed: int = seed) -> np.ndarray:
            return ens.sample_eigvals(n, size, rng=seed)

        def torch_call(dtype: str, n: int = n, size: int = size, seed: int = seed) -> np.ndarray:
            return ens.sample_eigvals(
                n, size, rng=seed, backend="torch", device=device, dtype=dtype
            )

        draws_only = draws_timer(ens, n, size, seed, device)

        # First calls on a small input: library loading and set-up are not timed.
        ens.sample_eigvals(50, 2, rng=0)
        ens.sample_eigvals(50, 2, rng=0, backend="torch", device=device)
        ens.sample_eigvals(50, 2, rng=0, backend="torch", device=device, dtype="float32")

        t_np, t64, t32, t_draw = interleaved(
            [numpy_call, lambda: torch_call("float64"), lambda: torch_call("float32"), draws_only],
            cfg["sample_repeats"],
        )
        ev64 = torch_call("float64")
        ev32 = torch_call("float32")
        radius = float(np.abs(ev64).max())
        # The private reduction accepts a single spectrum (the public one needs K >= 2).
        ld64 = tb.log_abs_det(torch.as_tensor(ev64), x_out, 1 << 22).numpy() / n
        ld32 = tb.log_abs_det(torch.as_tensor(ev32), x_out, 1 << 22).numpy() / n
        rows.append(
            {
                "id": f"sample_eigvals_{n}",
                "n": n,
                "size": size,
                "numpy": asdict(t_np),
                "torch_float64": asdict(t64),
                "torch_float32": asdict(t32),
                "torch_draws_only": asdict(t_draw),
                "numpy_matrices_per_s": size / t_np.best,
                "torch_float64_matrices_per_s": size / t64.best,
                "torch_float32_matrices_per_s": size / t32.best,
                "ratio_float64": t_np.best / t64.best,
                "ratio_float32": t_np.best / t32.best,
                "ratio_definition": "torch throughput / numpy throughput (best times)",
                "draw_share_float64": t_draw.best / t64.best,
                "float32_max_eig_diff_over_radius": float(np.abs(ev32 - ev64).max()) / radius,
                "float32_max_logdet_diff_outside": float(np.abs(ld32 - ld64).max()),
            }
        )
        print(f"  sampled N = {n}", flush=True)
    return rows


# ------------------------------------------------------------ Monte Carlo
def bench_monte_carlo(cfg: dict[str, Any], device: torch.device) -> list[dict]:
    ens = sg.HessianEnsemble(**PARAMS)
    sup = ens.support()
    lo, hi = sup[0][0], sup[-1][1]
    x = np.linspace(lo - (hi - lo), hi + (hi - lo), cfg["mc_nx"])
    rows = []
    for k, n in cfg["mc_shapes"]:
        ev = ens.sample_eigvals(n, k, rng=k + n)
        t64 = torch.as_tensor(ev, device=device)
        t32 = t64.to(torch.float32)
        fns = {
            "annealed numpy": lambda ev=ev: sg.annealed_log_det(ev, x),
            "annealed torch float64": lambda t=t64: sg.annealed_log_det(t, x),
            "annealed torch float32": lambda t=t32: sg.annealed_log_det(t, x),
            "quenched numpy": lambda ev=ev: sg.quenched_log_det(ev, x),
            "quenched torch float64": lambda t=t64: sg.quenched_log_det(t, x),
        }
        # Calls of tens of ms: looped to at least 50 ms per sample, in alternation.
        times = dict(zip(fns, measure_interleaved(list(fns.values()), cfg["mc_repeats"])))
        ref = sg.annealed_log_det(ev, x).value
        rows.append(
            {
                "id": f"monte_carlo_{k}x{n}",
                "shape": [k, n],
                "n_x": x.size,
                "times": {name: asdict(t) for name, t in times.items()},
                "ratio_annealed_float64": times["annealed numpy"].best
                / times["annealed torch float64"].best,
                "ratio_annealed_float32": times["annealed numpy"].best
                / times["annealed torch float32"].best,
                "ratio_quenched_float64": times["quenched numpy"].best
                / times["quenched torch float64"].best,
                "ratio_definition": "numpy time / torch time",
                "annealed_max_diff_float64": float(
                    np.abs(sg.annealed_log_det(t64, x).value - ref).max()
                ),
                "annealed_max_diff_float32": float(
                    np.abs(sg.annealed_log_det(t32, x).value - ref).max()
                ),
            }
        )
    return rows


# ----------------------------------------------------------------- memory
def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def rss_child(n: int, size: int, max_bytes: int) -> dict[str, float]:
    """In a fresh process: peak resident memory added by one call.

    Linux: the peak (VmHWM) is reset through /proc/self/clear_refs just before the
    call and compared with the resident set (VmRSS) at that moment.  Elsewhere, the
    growth of ``ru_maxrss`` (a lower bound when imports peaked higher).
    """
    ens = sg.HessianEnsemble(**PARAMS)
    ens.sample_eigvals(50, 2, rng=0, backend="torch")  # libraries loaded, pools warm
    try:
        before = _status_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")
        ens.sample_eigvals(n, size, rng=0, backend="torch", max_bytes=max_bytes)
        return {"peak_bytes": float((_status_kib("VmHWM") - before) * 1024), "how": "VmHWM"}
    except (OSError, KeyError):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ens.sample_eigvals(n, size, rng=0, backend="torch", max_bytes=max_bytes)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"peak_bytes": float((after - before) * 1024), "how": "ru_maxrss growth"}


def bench_memory(cfg: dict[str, Any], device: torch.device) -> dict:
    n, size, max_bytes = cfg["memory"]
    ens = sg.HessianEnsemble(**PARAMS)
    n_d = ens.block_size(n)
    batch = tb.batch_size(n, n_d, size, 8, max_bytes)
    if device.type == "cuda":
        ens.sample_eigvals(50, 2, rng=0, backend="torch", device=device)
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        ens.sample_eigvals(n, size, rng=0, backend="torch", device=device, max_bytes=max_bytes)
        peak = float(torch.cuda.max_memory_allocated(device) - base)
        how = "torch.cuda.max_memory_allocated"
    else:
        proc = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--rss-child",
                *map(str, (n, size, max_bytes)),
                "--threads",
                str(_THREADS),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        peak, how = child["peak_bytes"], f"{child['how']} in a fresh process"
    return {
        "n": n,
        "size": size,
        "max_bytes": max_bytes,
        "batch": batch,
        "batch_bytes": batch * n * n * 8,
        "estimate_bytes": tb.WORK_FACTOR * batch * n * n * 8 + 8 * (n * n + n_d * n_d),
        "peak_bytes": peak,
        "how": how,
    }


# ----------------------------------------------------------------- report
def mib(b: float) -> str:
    return f"{b / 2**20:.0f} MiB"


def report(samp: list[dict], mc: list[dict], mem: dict, device: torch.device) -> None:
    dev = device.type
    print(f"\nsample_eigvals: numpy (CPU) vs torch ({dev}); ratio = torch / numpy throughput")
    head = f"{'N':>5} {'size':>5}  {'numpy':>22}  {'torch f64':>22}  {'torch f32':>22}"
    print(head + "  ratio f64  ratio f32  draws/f64")
    for r in samp:
        cells = []
        for key in ("numpy", "torch_float64", "torch_float32"):
            t = Timing(**r[key])
            rate = r["size"] / t.best
            cells.append(f"{fmt_time(t.best):>8} {rate:7.1f}/s")
        print(
            f"{r['n']:>5} {r['size']:>5}  {cells[0]:>22}  {cells[1]:>22}  {cells[2]:>22}"
            f"  {r['ratio_float64']:8.2f}x  {r['ratio_float32']:8.2f}x"
            f"  {100 * r['draw_share_float64']:7.1f}%"
        )
    print("\nfloat32 (same matrices): max |dlambda| / radius, max |d (1/N) log|det|| outside")
    for r in samp:
        print(
            f"  N = {r['n']:>5}: {r['float32_max_eig_diff_over_radius']:.2e}, "
            f"{r['float32_max_logdet_diff_outside']:.2e}"
        )
    print(f"\nMonte Carlo, {mc[0]['n_x'] if mc else 0} x: numpy vs torch ({dev})")
    for r in mc:
        t = r["times"]
        print(f"  spectra {tuple(r['shape'])}:")
        for name, tt in t.items():
            print(f"    {name:24s} {fmt_timing(Timing(**tt))}")
        print(
            f"    annealed ratio numpy/torch: f64 {r['ratio_annealed_float64']:.2f}x, "
            f"f32 {r['ratio_annealed_float32']:.2f}x; quenched f64 "
            f"{r['ratio_quenched_float64']:.2f}x; annealed values agree to "
            f"{r['annealed_max_diff_float64']:.1e} (f64), "
            f"{r['annealed_max_diff_float32']:.1e} (f32)"
        )
    print(
        f"\nmemory: sample_eigvals({mem['n']}, {mem['size']}) with max_bytes = "
        f"{mib(mem['max_bytes'])}: batches of {mem['batch']} ({mib(mem['batch_bytes'])}), "
        f"estimate {mib(mem['estimate_bytes'])}, measured peak {mib(mem['peak_bytes'])} "
        f"({mem['how']})"
    )


def _size_pair(text: str) -> tuple[int, int]:
    try:
        n, k = (int(v) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N:K, got {text!r}") from None
    if n < 2 or k < 1:
        raise argparse.ArgumentTypeError(f"expected N >= 2 and K >= 1, got {text!r}")
    return n, k


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes (smoke run)")
    parser.add_argument("--json", metavar="PATH", help="write all results as JSON to PATH")
    parser.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    parser.add_argument(
        "--sizes",
        nargs="+",
        type=_size_pair,
        metavar="N:K",
        help="sampling rows: K matrices of order N per call (default: 500:96 1000:24 "
        "2000:4 4096:1; a GPU wants larger K, e.g. 4096:32)",
    )
    parser.add_argument("--rss-child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.rss_child:
        print(json.dumps(rss_child(*args.rss_child)))
        return 0

    t_start = time.perf_counter()
    device = tb.resolve_device(args.device)
    cfg = QUICK if args.quick else FULL
    if args.sizes:
        cfg = {**cfg, "sample_sizes": dict(args.sizes)}
    env = environment(args.quick, _THREAD_VARS)
    env["torch"] = torch.__version__
    env["torch_threads"] = torch.get_num_threads()
    env["device"] = str(device)
    env["load_average_start"] = os.getloadavg()
    if device.type == "cuda":
        env["device_name"] = torch.cuda.get_device_name(device)
    print(
        f"spinglass_gan {env['spinglass_gan']} | numpy {env['numpy']} torch {env['torch']} | "
        f"{env['cpu_count']} CPUs, {_THREADS} thread(s) | torch device {device}"
        f"{' (' + env['device_name'] + ')' if 'device_name' in env else ''} | "
        f"{'quick' if args.quick else 'full'} sizes\nparameters {PARAMS}"
    )
    samp = bench_sampling(cfg, device)
    mc = bench_monte_carlo(cfg, device)
    mem = bench_memory(cfg, device)
    report(samp, mc, mem, device)
    total = time.perf_counter() - t_start
    env["load_average_end"] = os.getloadavg()
    print(
        f"\ntotal wall time {total:.1f} s; load average (1 min) {env['load_average_start'][0]:.2f}"
        f" at the start, {env['load_average_end'][0]:.2f} at the end (the run itself adds 1)"
    )
    if args.json:
        payload = {
            "environment": env,
            "config": {**cfg, "sample_sizes": {str(k): v for k, v in cfg["sample_sizes"].items()}},
            "sampling": samp,
            "monte_carlo": mc,
            "memory": mem,
            "total_wall_s": total,
        }
        write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
