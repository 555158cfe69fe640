"""Task functions for test_runner.py, importable by the worker processes of a run.

Each call appends its ``i`` to the file named by $RUNNER_TEST_LOG (when set) before it
works, so a test can tell which tasks a run computed.  The log is not a parameter:
parameters are part of a task's id, and a rerun must have the same ids.
"""

import os
import time

import numpy as np

LOG_VARIABLE = "RUNNER_TEST_LOG"


def _log(i: int) -> None:
    path = os.environ.get(LOG_VARIABLE)
    if path:
        with open(path, "a") as fh:
            fh.write(f"{i}\n")


def slow_square(i: int, delay: float = 0.0) -> dict:
    """i squared and a small vector, after ``delay`` seconds."""
    _log(i)
    time.sleep(delay)
    return {"square": float(i) ** 2, "vector": np.arange(3) * i, "root": np.sqrt(float(i))}


def fail_at(i: int, bad: int) -> dict:
    """Like slow_square without the delay, but raises for i == bad."""
    _log(i)
    if i == bad:
        raise ValueError(f"task {i} fails on purpose")
    return {"square": float(i) ** 2}


def logged(path: str) -> list[int]:
    """The ``i`` logged in ``path`` (empty if there is no log)."""
    try:
        with open(path) as fh:
            return [int(line) for line in fh if line.strip()]
    except FileNotFoundError:
        return []


def returns(name: str, value: object) -> dict:
    """A result with one array called ``name``: for results that cannot be stored."""
    return {name: value}
