"""Ctrl-C in every subcommand: one line on stderr, status 130, no empty folder left.

Each command runs in a child process started with SIGINT at its default action (a
shell's background job would ignore it), long enough to be inside its computation
when SIGINT arrives: the first progress line on stderr (progress goes there as plain
lines when stderr is not a terminal) marks that point.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Subprocess and round-trip tests: the default run, not the fast subset.
pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[1]

# Each runs for minutes if left alone; "started" lines come from the progress display.
LONG = {
    "count": ["count", "--instances", "4000"],
    "sweep": ["sweep", "--sigma-z", "1e-5", "1e2", "4000"],
    "banded": ["banded", "--u-d", "-10", "10", "1200", "--u-g", "-10", "10", "1200"],
    "theta-map": ["theta-map", "--u-d", "-10", "10", "1500", "--u-g", "-10", "10", "1500"],
    "spectrum": ["spectrum", "--n", "1500", "--samples", "400"],
    "figures": ["figures"],
}


def _interrupt(argv, out: Path, wait_for: str, timeout: float = 120.0):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "spinglass_gan.cli", *argv, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        restore_signals=True,
    )
    start, seen = time.monotonic(), ""
    try:
        # Wait for the line that says the computation has begun, then a moment more.
        while wait_for not in seen and time.monotonic() - start < timeout:
            line = proc.stderr.readline()
            if not line:
                break
            seen += line
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        _, err_rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, seen, err_rest


@pytest.mark.parametrize("command", list(LONG))
def test_interrupt_is_one_line_and_status_130(tmp_path, command):
    out = tmp_path / "out" / "nested"
    wait_for = "started" if command in ("count", "sweep", "banded", "spectrum") else ":"
    code, before, after = _interrupt(LONG[command], out, wait_for)
    assert code == 130, (before, after)
    # The interrupt is one line, the last; progress lines may come before it.
    lines = after.strip().splitlines()
    assert "Traceback" not in after and lines[-1] == "spinglass-gan: interrupted", after
    assert sum("interrupted" in line for line in lines) == 1, after
    # No empty folder is left (the folder and its parent were both made by the
    # command); a folder that holds finished files (figures made before the
    # interrupt) is kept with them.
    root = tmp_path / "out"
    if root.exists():
        folders = [p for p in root.rglob("*") if p.is_dir()] + [root]
        assert all(any(f.iterdir()) for f in folders), folders
        assert any(p.is_file() for p in root.rglob("*"))


def test_interrupted_finite_n_banded_keeps_the_asymptotic_map(tmp_path):
    """Ctrl-C during the finite-N counts of ``banded --finite-n``: the N -> infinity map,
    finished before them, is kept as banded.npz."""
    argv = ["banded", "--finite-n", "300", "--u-d", "5", "30", "6", "--u-g", "-30", "-5", "6",
            "--k-d-max", "2", "--k-g-max", "1", "--samples", "30000"]  # fmt: skip
    out = tmp_path / "out"
    code, before, after = _interrupt(argv, out, "finite N")
    assert code == 130, (before, after)
    assert after.strip().splitlines()[-1] == "spinglass-gan: interrupted", after
    assert (out / "banded.npz").is_file() and not (out / "finite_n_banded.npz").exists()
