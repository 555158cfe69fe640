"""The ``spinglass-gan`` command line: files written, help texts and bad input.

Subcommands run in-process through ``cli.main`` on tiny grids and matrices; one test
starts a real process to check the exit status seen by a shell.
"""

import argparse
import errno
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import spinglass_gan as sg
from spinglass_gan import _cli_common, cli
from spinglass_gan.cli import _figures as cli_figures
from spinglass_gan.cli import _sweep as cli_sweep
from spinglass_gan.cli import _theta_map as cli_theta_map
from spinglass_gan.figures import paper as figures

SUBCOMMANDS = ["figures", "spectrum", "theta-map", "banded", "sweep", "count", "gan-sweep"]
TINY_GRID = ["--u-d", "-10", "10", "5", "--u-g", "-10", "10", "4"]


def run(*argv: str) -> int:
    return cli.main([*argv, "--quiet"])


def _listed(out):
    """The files a command listed: its stdout lines that name existing files (the
    other lines are the result's summary)."""
    return [Path(line) for line in out.splitlines() if Path(line).is_file()]


def test_spectrum_files_and_contents(tmp_path):
    assert (
        run("spectrum", "--n", "40", "--samples", "2", "--bins", "10", "--out", str(tmp_path)) == 0
    )
    for name in ("spectrum.npz", "spectrum.png", "spectrum.pdf"):
        assert (tmp_path / name).stat().st_size > 0
    res = sg.load_result(tmp_path / "spectrum.npz")
    assert res.kind == "spectrum"
    meta = res.metadata
    assert (meta["b"], meta["b1"], meta["kappa"], meta["x1"]) == (1.0, 1.0, 0.9, 0.0)
    assert (meta["n"], meta["samples"], meta["seed"], meta["bins"]) == (40, 2, 0, 10)
    # The seed gives the library's own draws, so a saved run can be regenerated.
    ens = sg.HessianEnsemble(1.0, 1.0, 0.9, 0.0)
    np.testing.assert_array_equal(res["eigvals"], ens.sample_eigvals(40, 2, rng=0))
    assert res["support"].shape[1] == 2
    mass = np.sum(0.5 * (res["density"][1:] + res["density"][:-1]) * np.diff(res["lam"]))
    assert abs(mass - 1.0) < 1e-2
    assert res["hist_density"].shape == (10,) and res["hist_edges"].shape == (11,)


def test_spectrum_from_model_constants(tmp_path):
    argv = ["spectrum", "--p", "3", "--q", "2", "--sigma-z", "0.5", "--kappa", "0.5"]
    assert run(*argv, "--n", "20", "--samples", "1", "--out", str(tmp_path)) == 0
    meta = sg.load_result(tmp_path / "spectrum.npz").metadata
    model = sg.GanSpinGlass(3, 2, 0.5, 0.5, formula="published")
    assert (meta["p"], meta["q"], meta["sigma_z"]) == (3, 2, 0.5)
    assert meta["b"] == pytest.approx(model.b) and meta["b1"] == pytest.approx(model.b1)


def test_theta_map_matches_library(tmp_path):
    argv = ["theta-map", *TINY_GRID, "--k-d", "0", "--convention", "published"]
    argv += ["--formula", "published"]
    assert run(*argv, "--out", str(tmp_path)) == 0
    assert (tmp_path / "theta_map.png").exists() and (tmp_path / "theta_map.pdf").exists()
    res = sg.load_result(tmp_path / "theta_map.npz")
    assert res.kind == "theta_map"
    u_D, u_G = np.linspace(-10, 10, 5), np.linspace(-10, 10, 4)
    np.testing.assert_array_equal(res["u_D"], u_D)
    np.testing.assert_array_equal(res["u_G"], u_G)
    model = sg.GanSpinGlass(3, 3, 1.0, 0.9, formula="published")
    expected = model.theta_map(u_D, u_G, 0, None, convention="published")
    np.testing.assert_array_equal(res["theta"], expected)
    meta = res.metadata
    assert (meta["k_D"], meta["k_G"], meta["d_index"], meta["convention"]) == (
        0,
        None,
        "ascent",
        "published",
    )
    assert meta["constants"] == model.constants.as_dict()


def test_theta_map_without_critical_points(tmp_path, monkeypatch):
    # Index constraints can leave the feasible set empty (Theta = -inf) on a whole grid.
    def empty(self, u_D, u_G, *args, **kwargs):
        return np.full((len(u_G), len(u_D)), -np.inf)

    monkeypatch.setattr(sg.GanSpinGlass, "theta_map", empty)
    assert run("theta-map", *TINY_GRID, "--k-g", "4", "--out", str(tmp_path)) == 0
    assert np.all(sg.load_result(tmp_path / "theta_map.npz")["theta"] == -np.inf)
    assert (tmp_path / "theta_map.png").exists()


def test_theta_map_formula(tmp_path):
    """--formula picks the Kac-Rice formula; the model's own is the default."""
    assert run("theta-map", *TINY_GRID, "--out", str(tmp_path / "a")) == 0
    res = sg.load_result(tmp_path / "a" / "theta_map.npz")
    assert res.metadata["formula"] == "derived"
    u_D, u_G = np.linspace(-10, 10, 5), np.linspace(-10, 10, 4)
    model = sg.GanSpinGlass(3, 3, 1.0, 0.9)
    np.testing.assert_array_equal(res["theta"], model.theta_map(u_D, u_G))
    with pytest.raises(SystemExit) as exc:
        run("theta-map", *TINY_GRID, "--formula", "paper", "--out", str(tmp_path / "b"))
    assert exc.value.code == 2


def test_banded_files(tmp_path):
    argv = ["banded", *TINY_GRID, "--k-d-max", "1", "--k-g-max", "2", "--d-index", "descent"]
    assert run(*argv, "--out", str(tmp_path)) == 0
    assert (tmp_path / "banded.png").exists() and (tmp_path / "banded.pdf").exists()
    assert sg.load_result(tmp_path / "banded.npz").kind == "banded"
    band = sg.BandedStructure.load(tmp_path / "banded.npz")
    assert band.staircase.shape == (3, 4, 5)
    assert band.metadata["d_index"] == "descent"


@pytest.mark.parametrize(
    ("argv", "parameter", "values"),
    [
        (["--sigma-z", "0.1", "1", "2"], "sigma_z", [0.1, 1.0]),  # log-spaced
        (["--kappa", "0.5", "0.9", "3", "--sigma-z", "2"], "kappa", [0.5, 0.7, 0.9]),
    ],
)
def test_sweep_files(tmp_path, argv, parameter, values):
    assert run("sweep", *argv, "--formula", "published", "--out", str(tmp_path)) == 0
    assert (tmp_path / "sweep.png").exists() and (tmp_path / "sweep.pdf").exists()
    assert sg.load_result(tmp_path / "sweep.npz").kind == "sweep"
    result = sg.Sweep.load(tmp_path / "sweep.npz")
    assert result.parameter == parameter
    np.testing.assert_allclose(result.values, values, rtol=1e-12)
    assert np.all(np.isfinite(result["u_D_min"]))


def test_sweep_single_value_sweeps_the_other(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_sweep, "KAPPA_RANGE", (0.6, 0.8, 2))
    argv = ["sweep", "--sigma-z", "0.5", "--formula", "published"]
    assert run(*argv, "--out", str(tmp_path)) == 0
    result = sg.Sweep.load(tmp_path / "sweep.npz")
    assert result.parameter == "kappa" and result.metadata["sigma_z"] == 0.5
    np.testing.assert_allclose(result.values, [0.6, 0.8])


@pytest.mark.parametrize("errno_given", [True, False])
def test_sweep_os_errors(tmp_path, capsys, monkeypatch, errno_given):
    # A file-system error during the run (it writes task files) is one line and
    # status 1; an OSError without an errno (as dask raises for a closed connection)
    # is not a write error and keeps its traceback.
    def failing(*args, **kwargs):
        if errno_given:
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.npz"))
        raise OSError("connection closed")

    monkeypatch.setattr(cli_sweep, "sweep", failing)
    argv = ("sweep", "--sigma-z", "0.1", "10", "3", "--out", str(tmp_path))
    if not errno_given:
        with pytest.raises(OSError, match="connection closed"):
            run(*argv)
        return
    with pytest.raises(SystemExit) as exc:
        run(*argv)
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err and "No space left" in err


def test_sweep_results_dir_resumes(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "out"
    argv = ["sweep", "--sigma-z", "0.1", "10", "3", "--results-dir", str(runs), "--out", str(out)]
    assert run(*argv, "--processes", "1") == 0
    plain = sg.Sweep.load(out / "sweep.npz")
    stored = sg.Sweep.load(runs / "result.npz")
    for name in plain.results:
        np.testing.assert_array_equal(stored[name], plain[name])
    assert len(stored.metadata["tasks"]) == 3
    files = sorted((runs / "tasks").glob("*.npz"))
    assert [f.stem for f in files] == sorted(stored.metadata["tasks"])
    # A lost task is computed again; the finished ones are loaded, not rewritten.
    files[0].unlink()
    kept = {f: f.stat().st_mtime_ns for f in files[1:]}
    assert run(*argv) == 0
    assert files[0].exists() and all(f.stat().st_mtime_ns == t for f, t in kept.items())
    again = sg.Sweep.load(out / "sweep.npz")
    for name in plain.results:
        np.testing.assert_array_equal(again[name], plain[name])


def test_banded_results_dir_equals_plain_run(tmp_path, capsys):
    argv = ["banded", *TINY_GRID, "--k-d-max", "1", "--k-g-max", "2"]
    assert run(*argv, "--out", str(tmp_path / "plain")) == 0
    runs = tmp_path / "runs"
    extra = ["--results-dir", str(runs), "--processes", "1"]
    assert cli.main([*argv, *extra, "--out", str(tmp_path / "out")]) == 0
    # The assembled result is listed with the other files written.
    listed = _listed(capsys.readouterr().out)
    assert listed[:2] == [runs / "result.npz", tmp_path / "out" / "banded.npz"]
    plain = sg.BandedStructure.load(tmp_path / "plain" / "banded.npz")
    for path in (runs / "result.npz", tmp_path / "out" / "banded.npz"):
        np.testing.assert_array_equal(sg.BandedStructure.load(path).staircase, plain.staircase)
    assert len(list((runs / "tasks").glob("*.npz"))) == 3  # one task per k_G


def test_scheduler_runs_on_dask(tmp_path):
    distributed = pytest.importorskip("distributed")
    argv = ["sweep", "--kappa", "0.5", "0.9", "2", "--sigma-z", "1"]
    assert run(*argv, "--out", str(tmp_path / "plain")) == 0
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert run(*argv, "--scheduler", address, "--out", str(tmp_path / "dask")) == 0
    plain = sg.Sweep.load(tmp_path / "plain" / "sweep.npz")
    on_dask = sg.Sweep.load(tmp_path / "dask" / "sweep.npz")
    for name in plain.results:
        np.testing.assert_array_equal(on_dask[name], plain[name])


def test_unreachable_scheduler_is_one_line_and_status_1(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(_cli_common, "SCHEDULER_TIMEOUT", 1)
    out = tmp_path / "out" / "sub"
    with pytest.raises(SystemExit) as exc:
        run("sweep", "--scheduler", "tcp://127.0.0.1:1", "--out", str(out))
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach scheduler" in err and "Traceback" not in err
    # The output folder was made before the scheduler was tried; it is removed again.
    assert not (tmp_path / "out").exists()


def test_scheduler_without_dask_is_a_usage_error(tmp_path, capsys, monkeypatch):
    real = _cli_common.importlib.util.find_spec
    monkeypatch.setattr(
        _cli_common.importlib.util,
        "find_spec",
        lambda name: None if name == "distributed" else real(name),
    )
    with pytest.raises(SystemExit) as exc:
        run("banded", "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path / "out"))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--scheduler" in err and "spinglass_gan[dask]" in err
    assert not (tmp_path / "out").exists()


def test_unwritable_results_dir(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    with pytest.raises(SystemExit) as exc:
        run("sweep", "--results-dir", str(a_file), "--out", str(tmp_path / "out"))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--results-dir" in err
    assert not (tmp_path / "out").exists()  # no empty output folder left behind


def test_a_failed_command_keeps_folders_that_hold_files(tmp_path, capsys):
    # Only empty folders made by the failing command go: an existing output folder and
    # one that received files stay.
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("")
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    with pytest.raises(SystemExit):
        run("sweep", "--results-dir", str(a_file / "r"), "--out", str(out / "new"))
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_negative_numbers_in_range_options(tmp_path):
    # argparse alone takes "-1e1" and "-inf" for options; here they are values.
    argv = ["--u-d", "-1e1", "5", "3", "--u-g", "-.5e1", "-1E-1", "3", "--out", str(tmp_path)]
    assert run("theta-map", *argv) == 0
    res = sg.load_result(tmp_path / "theta_map.npz")
    np.testing.assert_array_equal(res["u_D"], np.linspace(-10.0, 5.0, 3))
    np.testing.assert_array_equal(res["u_G"], np.linspace(-5.0, -0.1, 3))
    argv = ["--x1", "-1e1", "--n", "10", "--samples", "2", "--out", str(tmp_path)]
    assert run("spectrum", *argv) == 0
    assert sg.load_result(tmp_path / "spectrum.npz").metadata["x1"] == -10.0


def test_written_files_are_listed_unless_quiet(tmp_path, capsys):
    assert cli.main(["theta-map", *TINY_GRID, "--out", str(tmp_path)]) == 0
    listed = _listed(capsys.readouterr().out)
    assert [Path(p).name for p in listed] == ["theta_map.npz", "theta_map.png", "theta_map.pdf"]


@pytest.fixture
def fake_figures(monkeypatch, tmp_path):
    """Replace every figureN with a fast stand-in that records its call."""
    calls = []

    def make(number, with_progress):
        def write(out_dir, **kwargs):
            calls.append((number, kwargs))
            path = Path(out_dir) / f"fig{number}.png"
            path.write_bytes(b"")
            return [path]

        if with_progress:

            def fig(out_dir, *, progress=True):
                return write(out_dir, progress=progress)
        else:

            def fig(out_dir):
                return write(out_dir)

        return fig

    for name in [n for n in dir(figures) if n.startswith("figure") and n[6:].isdigit()]:
        monkeypatch.delattr(figures, name)
    monkeypatch.setattr(figures, "figure2", make(2, True), raising=False)
    monkeypatch.setattr(figures, "figure10", make(10, False), raising=False)
    return calls


def test_figures_registry_and_progress(tmp_path, fake_figures, capsys):
    # All figures by default, in numeric order (10 after 2).
    assert cli.main(["figures", "--out", str(tmp_path)]) == 0
    # Captured stderr is no terminal: the figures' own bars are off, lines instead.
    assert fake_figures == [(2, {"progress": False}), (10, {})]
    assert "fig10.png" in capsys.readouterr().out
    fake_figures.clear()
    assert run("figures", "--only", "2", "--out", str(tmp_path)) == 0
    assert fake_figures == [(2, {"progress": False})]
    with pytest.raises(SystemExit) as exc:
        run("figures", "--only", "3", "--out", str(tmp_path))
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_real_figure_registry():
    numbers = list(cli_figures._figure_registry())
    assert numbers == sorted(numbers) and 1 in numbers


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "default" in text and "example" in text
    units = {
        "figures": "folder",
        "spectrum": "eigenvalue units",
        "theta-map": "per N",
        "banded": "per N",
        "sweep": "dimensionless",
        "gan-sweep": "sigma_z",
        "count": "per weight",
    }
    assert units[command] in text


def test_every_option_states_its_default():
    parser = cli.build_parser()
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, sub in subparsers.choices.items():
        for action in sub._actions:
            if action.dest != "help" and action.option_strings and action.help != argparse.SUPPRESS:
                assert "default" in action.help, (name, action.option_strings)


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert sg.__version__ in capsys.readouterr().out


BAD_INPUTS = {
    "kappa out of range": (["theta-map", "--kappa", "1.5"], "--kappa"),
    "p too small": (["theta-map", "--p", "1"], "--p"),
    "negative sigma_z": (["theta-map", "--sigma-z", "-1"], "--sigma-z"),
    "non-numeric": (["theta-map", "--kappa", "abc"], "--kappa"),
    "non-finite": (["banded", "--sigma-z", "inf"], "--sigma-z"),
    "grid of one point": (["theta-map", "--u-d", "-1", "1", "1"], "--u-d"),
    "empty grid": (["banded", "--u-g", "-1", "1", "0"], "--u-g"),
    "reversed grid": (["theta-map", "--u-g", "1", "-1", "5"], "--u-g"),
    "infinite grid end": (["theta-map", "--u-d", "-inf", "5", "4"], "--u-d"),
    "NaN grid end": (["banded", "--u-g", "-nan", "5", "4"], "--u-g"),
    "negative sigma_z in exponent form": (["theta-map", "--sigma-z", "-1e-3"], "--sigma-z"),
    "fractional index": (["theta-map", "--k-g", "0.5"], "--k-g"),
    "sweep both": (["sweep", "--sigma-z", "1", "2", "3", "--kappa", "0.1", "0.5", "3"], "one"),
    "sweep neither": (["sweep", "--sigma-z", "1", "--kappa", "0.5"], "nothing to sweep"),
    "sweep end out of range": (["sweep", "--kappa", "0.5", "1.5", "3"], "--kappa"),
    "sweep two values": (["sweep", "--kappa", "0.5", "0.9"], "--kappa"),
    "spectrum mixed": (["spectrum", "--b", "1", "--p", "3"], "not both"),
    "spectrum order": (["spectrum", "--n", "1"], "--n"),
    "spectrum empty block": (["spectrum", "--n", "4", "--kappa", "0.05"], "empty block"),
    "unknown figure": (["figures", "--only", "0"], "--only"),
    "processes and scheduler": (
        ["sweep", "--processes", "2", "--scheduler", "tcp://127.0.0.1:1"],
        "--processes",
    ),
    "no processes": (["banded", "--processes", "0"], "--processes"),
    "count n_D too small": (["count", "--n-d", "1"], "--n-d"),
    "count fractional n_G": (["count", "--n-g", "2.5"], "--n-g"),
    "count p too small": (["count", "--p", "1"], "--p"),
    "count q too small": (["count", "--q", "0"], "--q"),
    "count sigma_z zero": (["count", "--sigma-z", "0"], "--sigma-z"),
    "count no instances": (["count", "--instances", "0"], "--instances"),
    # Inputs that used to exhaust the machine or end in a traceback (each refused
    # before any output, by a measured limit).
    "kappa too small to scan": (["theta-map", "--kappa", "1e-6"], "--kappa"),
    "kappa too near 1": (["banded", "--kappa", "0.99999"], "--kappa"),
    "kappa 1e-12": (["sweep", "--kappa", "1e-12", "0.5", "3"], "--kappa"),
    "huge matrix": (["spectrum", "--n", "10000000"], "--n"),
    "too many spectra": (["spectrum", "--n", "100", "--samples", "1000000000"], "--samples"),
    "huge grid": (["theta-map", "--u-d", "-10", "10", "100000"], "--u-d"),
    "loss level beyond its limit": (["theta-map", "--u-d", "-1e13", "10", "50"], "--u-d"),
    "p beyond the computable range": (["theta-map", "--p", "50"], "--p"),
    "p far too large": (["theta-map", "--p", "1000"], "--p"),
    "q beyond the computable range": (["banded", "--q", "50"], "--q"),
    "published p too large": (["spectrum", "--p", "2000"], "--p"),
    "sigma_z too large for the derived formula": (["theta-map", "--sigma-z", "1e6"], "--sigma-z"),
    "index too large": (["theta-map", "--k-d", "1000000"], "--k-d"),
    "index cap too large": (["banded", "--k-g-max", "5000"], "--k-g-max"),
    "sweep too long": (["sweep", "--kappa", "0.1", "0.9", "1000000"], "--kappa"),
    "count threshold overflow": (["count", "--max-u-d", "1e300"], "--max-u-d"),
    "count instance too large": (["count", "--n-d", "50", "--n-g", "50"], "--n-d"),
    "count order too large": (["count", "--p", "5", "--q", "5"], "--p"),
    "spectrum scale overflows": (["spectrum", "--b", "1e300"], "--b"),
}


@pytest.mark.parametrize(("argv", "mentions"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_one_line_and_status_2(tmp_path, capsys, argv, mentions):
    with pytest.raises(SystemExit) as exc:
        cli.main([*argv, "--out", str(tmp_path / "out"), "--quiet"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert mentions in err and "Traceback" not in err
    # Validation comes before any output: nothing was created.
    assert not (tmp_path / "out").exists()


def _unwritable_outs(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    outs = [a_file, a_file / "sub"]
    if Path("/proc/self").is_dir():  # Linux: /proc takes no new folders, even as root
        outs.append(Path("/proc/x"))
    return outs


@pytest.mark.parametrize("command", ["spectrum", "theta-map", "sweep", "figures"])
def test_unwritable_output_folder(tmp_path, capsys, command):
    for out in _unwritable_outs(tmp_path):
        with pytest.raises(SystemExit) as exc:
            cli.main([command, "--out", str(out), "--quiet"])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--out" in err and "Traceback" not in err


def test_failed_write_is_status_1(tmp_path, capsys, monkeypatch):
    def disk_full(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(cli_theta_map, "save_result", disk_full)
    with pytest.raises(SystemExit) as exc:
        run("theta-map", *TINY_GRID, "--out", str(tmp_path))
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left" in err and "Traceback" not in err


_SCRIPT = shutil.which("spinglass-gan")


@pytest.mark.parametrize(
    "prefix",
    [
        pytest.param([sys.executable, "-m", "spinglass_gan.cli"], id="module"),
        pytest.param(
            [_SCRIPT or "spinglass-gan"],
            id="console-script",
            marks=pytest.mark.skipif(_SCRIPT is None, reason="console script not on PATH"),
        ),
    ],
)
def test_process_exit_status(prefix, tmp_path):
    proc = subprocess.run(
        [*prefix, "theta-map", "--kappa", "1.5", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--kappa" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_count_matches_library(tmp_path, capsys):
    argv = ["count", "--p", "2", "--q", "1", "--n-d", "3", "--n-g", "2", "--instances", "6"]
    assert cli.main([*argv, "--seed", "4", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Poincare-Hopf sum holds on 6 of 6" in out and "mean number" in out
    saved = sg.CriticalPointCounts.load(tmp_path / "counts.npz")
    lib = sg.count_critical_points(2, 1, 1.0, 3, 2, 6, rng=4)
    assert saved.mean() == lib.mean() and saved.mean(0.0, 0.5) == lib.mean(0.0, 0.5)
    np.testing.assert_array_equal(saved.points["k_G"], lib.points["k_G"])


def test_gan_sweep_command_line_does_not_import_the_parent():
    # The parent adds gan-sweep through experiments.cli.add_parser; the reverse
    # import would be a cycle (and would load every other subcommand for gan-sweep).
    code = (
        "import sys, spinglass_gan.experiments.cli as e;print('spinglass_gan.cli' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "False", proc.stderr
