"""Timing and environment helpers shared by the benchmark scripts.

``time.perf_counter`` with the garbage collector off while timing; fast calls are
looped so that one sample lasts at least ``min_time``; best and median of repeats.
"""

from __future__ import annotations

import datetime
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any


@dataclass
class Timing:
    """Seconds per call: best and median over ``repeats`` samples of ``number`` calls."""

    best: float
    median: float
    repeats: int
    number: int


def loop(fn: Callable[[], Any], number: int) -> float:
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        return time.perf_counter() - t0
    finally:
        if enabled:
            gc.enable()


def calls_per_sample(fn: Callable[[], Any], min_time: float) -> int:
    """Calls per timing sample so that one sample lasts at least ``min_time``."""
    t = loop(fn, 1)
    if t >= min_time:
        return 1
    return min(100_000, math.ceil(min_time / max(t, 1e-9)))


def measure(
    fn: Callable[[], Any], repeats: int, *, warmup: bool = True, min_time: float = 0.05
) -> Timing:
    """Time ``fn`` after one warm-up call (compilation excluded)."""
    if warmup:
        fn()
    number = calls_per_sample(fn, min_time)
    samples = [loop(fn, number) / number for _ in range(repeats)]
    return Timing(min(samples), statistics.median(samples), repeats, number)


def once(fn: Callable[[], Any]) -> tuple[float, Any]:
    """One timed call (garbage collector off) and its result."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out
    finally:
        if enabled:
            gc.enable()


def measure_interleaved(
    fns: list[Callable[[], Any]], repeats: int, *, min_time: float = 0.05
) -> list[Timing]:
    """Time several functions in alternation, so that drift affects all alike."""
    for fn in fns:
        fn()
    numbers = [calls_per_sample(fn, min_time) for fn in fns]
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, number, acc in zip(fns, numbers, samples):
            acc.append(loop(fn, number) / number)
    return [
        Timing(min(s), statistics.median(s), repeats, n)
        for s, n in zip(samples, numbers, strict=True)
    ]


def fmt_time(seconds: float) -> str:
    if abs(seconds) >= 1000:
        return f"{seconds:,.0f} s"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_timing(t: Timing) -> str:
    return f"{fmt_time(t.best)} ({fmt_time(t.median)})"


def environment(quick: bool, thread_vars: tuple[str, ...]) -> dict[str, Any]:
    """Versions, machine and commit, recorded beside every benchmark result."""
    import numba
    import numpy as np

    import spinglass_gan as sg

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": commit or None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "spinglass_gan": sg.__version__,
        "numpy": np.__version__,
        "scipy": version("scipy"),
        "numba": version("numba"),
        "numba_threads": numba.get_num_threads(),
        "thread_env": {v: os.environ.get(v) for v in thread_vars},
        "quick": quick,
    }


def write_json(path: str | None, payload: dict[str, Any]) -> None:
    """Write a benchmark's results as JSON to ``path`` (nothing when None)."""
    if path is None:
        return
    Path(path).write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {path}")
