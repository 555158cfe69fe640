"""GAN experiments: channel split, the BatchNorm cancellation of sigma_z, training runs,
local datasets (IDX, CIFAR-10 folders and tarballs, the shipped subset), refusal of
malicious pickles, the sweep and its figure, and that nothing imports torch early.

Tests that train or build networks skip without PyTorch; the data tests do not need it.
"""

import gzip
import io
import os
import pickle
import struct
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from spinglass_gan.experiments import data as gdata
from spinglass_gan.experiments.dcgan import channel_split
from spinglass_gan.experiments.sweep import STATISTICS, summarize

# DCGAN runs and subprocess round trips: the default run, not the fast subset.
pytestmark = pytest.mark.heavy

# -- channel split ------------------------------------------------------------------


def test_channel_split_budget_and_clipping():
    assert channel_split(0.5) == (64, 64)  # the PyTorch DCGAN example's ndf = ngf = 64
    assert channel_split(0.9) == (115, 13)
    assert channel_split(0.1, 64) == (6, 58)
    assert channel_split(0.001) == (4, 124) and channel_split(0.999) == (124, 4)
    for kappa in np.linspace(0.01, 0.99, 25):
        d, g = channel_split(kappa, 96)
        assert d + g == 96 and min(d, g) >= 4
    for bad in (0.0, 1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="kappa"):
            channel_split(bad)
    with pytest.raises(ValueError, match="channels"):
        channel_split(0.5, 6)


def test_architectures_layers_and_shapes():
    torch = pytest.importorskip("torch")
    from spinglass_gan.experiments.dcgan import build_discriminator, build_generator

    pub = build_generator(8, "published", channels=3)
    var = build_generator(8, "sigma_acts", channels=3)
    assert pub.conv1.bias is None and isinstance(pub.bn1, torch.nn.BatchNorm2d)
    assert var.conv1.bias is not None and not hasattr(var, "bn1")
    assert [pub.conv1.out_channels, pub.conv2.out_channels, pub.conv3.out_channels] == [32, 16, 8]
    # Layers the two share start from the same weights (paired runs for one seed).
    torch.testing.assert_close(pub.conv2.weight, var.conv2.weight, rtol=0, atol=0)
    z = torch.randn(5, 100, 1, 1)
    assert pub(z).shape == var(z).shape == (5, 3, 32, 32)
    d = build_discriminator(8, channels=3)
    assert d(pub(z)).shape == (5,)
    with pytest.raises(ValueError, match="architecture"):
        build_generator(8, "nobn")


# -- the BatchNorm cancellation -----------------------------------------------------


def _first_step(architecture, sigma):
    """G(sigma z) and the first-step losses and G gradients, from identical weights."""
    torch = pytest.importorskip("torch")
    from spinglass_gan.experiments.dcgan import build_discriminator, build_generator

    g = build_generator(16, architecture, seed=3)
    d = build_discriminator(16, seed=3)
    z = torch.randn(64, 100, 1, 1, generator=torch.Generator().manual_seed(0))
    real = torch.rand(64, 1, 32, 32, generator=torch.Generator().manual_seed(1)) * 2 - 1
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    fake = g(sigma * z)
    loss_d = bce(d(real), torch.ones(64)) + bce(d(fake.detach()), torch.zeros(64))
    loss_g = bce(d(fake), torch.ones(64))
    loss_g.backward()
    grads = torch.cat([p.grad.flatten() for p in g.parameters()])
    return fake.detach(), loss_d.item(), loss_g.detach().item(), grads.numpy()


SIGMAS = (1.0, 10.0, 100.0)


def test_batchnorm_cancels_sigma_z_in_published_generator():
    ref = _first_step("published", 1.0)
    for sigma in SIGMAS[1:]:
        out = _first_step("published", sigma)
        # Equal up to BatchNorm's eps (1e-5 against a batch variance of ~0.04 sigma^2).
        np.testing.assert_allclose(out[0].numpy(), ref[0].numpy(), rtol=0, atol=1e-5)
        assert out[1] == pytest.approx(ref[1], abs=1e-6)
        assert out[2] == pytest.approx(ref[2], abs=1e-6)
        # Gradients too (eps shifts them by ~1e-3 relative at sigma_z = 1, less above).
        assert np.linalg.norm(out[3] - ref[3]) < 5e-3 * np.linalg.norm(ref[3])
    # The one exception: sigma_z so small that eps dominates the batch variance.
    tiny = _first_step("published", 1e-4)
    assert np.abs(tiny[0].numpy() - ref[0].numpy()).max() > 1e-2


def test_sigma_z_acts_in_variant_generator():
    outs = [_first_step("sigma_acts", sigma) for sigma in (0.1, *SIGMAS)]
    ref = outs[1]
    for out in (outs[0], outs[2], outs[3]):
        assert np.abs(out[0].numpy() - ref[0].numpy()).max() > 1e-2
        assert abs(out[2] - ref[2]) > 1e-4
        assert np.linalg.norm(out[3] - ref[3]) > 0.1 * np.linalg.norm(ref[3])


def _histories(architecture):
    pytest.importorskip("torch")
    from spinglass_gan.experiments.dcgan import train_one

    common = {"kappa": 0.5, "dataset": "shipped", "subset": 128, "batch_size": 32}
    return [
        train_one(sigma_z=s, architecture=architecture, channels=16, threads=1, **common)
        for s in SIGMAS
    ]


def test_short_training_identical_across_sigma_z_only_when_published():
    pub = _histories("published")
    var = _histories("sigma_acts")
    for runs, same in ((pub, True), (var, False)):
        gap = max(np.abs(r[k] - runs[0][k]).max() for r in runs[1:] for k in ("loss_D", "loss_G"))
        assert (gap < 2e-4) if same else (gap > 2e-3), gap


# -- one run ------------------------------------------------------------------------


def test_train_one_writes_finite_history_and_is_deterministic():
    pytest.importorskip("torch")
    from spinglass_gan.experiments.dcgan import train_one

    args = {"sigma_z": 0.5, "kappa": 0.3, "dataset": "shipped", "subset": 96}
    args |= {"batch_size": 32, "channels": 16, "epochs": 2, "threads": 1}
    out = train_one(**args)
    assert out["loss_D"].shape == out["loss_G"].shape == (6,)
    for key in ("loss_D", "loss_G", "d_real", "d_fake"):
        assert np.all(np.isfinite(out[key]))
    assert np.all((out["d_real"] > 0) & (out["d_real"] < 1))
    assert (int(out["width_D"]), int(out["width_G"])) == (5, 11)
    assert 0 < float(out["kappa_params"]) < 1 and int(out["steps_per_epoch"]) == 3
    again = train_one(**args)
    np.testing.assert_array_equal(again["loss_D"], out["loss_D"])
    with pytest.raises(ValueError, match="SHA-256"):
        train_one(**args, data_sha256="0" * 64)


# -- summary ------------------------------------------------------------------------


def test_summarize_min_final_over_seeds():
    hist = np.linspace(2.0, 1.0, 20)
    records = [
        {
            "architecture": "published",
            "sigma_z": 1.0,
            "kappa": 0.5,
            "seed": s,
            "loss_D": hist + s,
            "loss_G": 3.0 - hist,
            "dataset": "shipped",
        }
        for s in (0, 1)
    ]
    records.append(
        {
            "architecture": "sigma_acts",
            "sigma_z": 0.1,
            "kappa": 0.5,
            "seed": 0,
            "loss_D": hist,
            "loss_G": hist,
            "dataset": "shipped",
        }
    )
    summary = summarize(records)
    assert summary.architectures == ("published", "sigma_acts")
    np.testing.assert_array_equal(summary.sigma_z, [0.1, 1.0])
    assert summary.n_seeds[0, 1, 0] == 2 and summary.n_seeds[0, 0, 0] == 0
    assert summary.mean["min_loss_D"][0, 1, 0] == pytest.approx(1.5)
    assert summary.std["min_loss_D"][0, 1, 0] == pytest.approx(np.std([1.0, 2.0], ddof=1))
    assert summary.mean["final_loss_D"][0, 1, 0] == pytest.approx(np.mean(hist[-2:]) + 0.5)
    assert summary.mean["min_loss_G"][0, 1, 0] == pytest.approx(1.0)
    assert np.isnan(summary.mean["min_loss_D"][0, 0, 0])
    assert summary.metadata["dataset"] == "shipped"
    assert set(summary.arrays()) >= {f"{s}_mean" for s in STATISTICS}
    with pytest.raises(ValueError, match="two runs"):
        summarize([*records, records[0]])
    with pytest.raises(ValueError, match="differ in channels"):
        summarize([{**records[0], "channels": 64}, {**records[1], "channels": 128}])


# -- data ---------------------------------------------------------------------------


def test_shipped_subset_and_dataset_choice(monkeypatch, tmp_path):
    data = gdata.load_dataset("shipped", subset=500)
    assert data.images.shape == (500, 1, 32, 32) and data.images.dtype == np.float32
    assert data.images.min() == -1.0 and data.images.max() <= 1.0
    # Padding is background: the 2-pixel border is -1 everywhere.
    assert np.all(data.images[:, :, :2, :] == -1.0) and np.all(data.images[:, :, :, -2:] == -1.0)
    assert data.std == pytest.approx(float(data.images.std()), rel=1e-6)
    assert data.source["name"] == "shipped" and data.source["n_images"] == 500
    with pytest.raises(ValueError, match="subset"):
        gdata.load_dataset("shipped", subset=5000)
    monkeypatch.delenv(gdata.CIFAR10_ENV, raising=False)
    monkeypatch.setenv(gdata.FASHION_MNIST_ENV, str(tmp_path / "absent"))
    assert gdata.resolve_dataset("auto") == ("shipped", None)
    monkeypatch.setenv(gdata.CIFAR10_ENV, str(tmp_path))
    assert gdata.resolve_dataset("auto") == ("cifar10", str(tmp_path))
    monkeypatch.delenv(gdata.CIFAR10_ENV)
    with pytest.raises(ValueError, match="needs a path"):
        gdata.resolve_dataset("cifar10")
    with pytest.raises(ValueError, match="dataset must be"):
        gdata.resolve_dataset("mnist")


def _idx_bytes(array, code=0x08):
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def test_idx_parser_on_synthetic_files(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    gz = tmp_path / "train-images-idx3-ubyte.gz"
    gz.write_bytes(gzip.compress(_idx_bytes(images)))
    np.testing.assert_array_equal(gdata.read_idx(gz), images)
    plain = tmp_path / "plain-idx"
    floats = np.arange(6, dtype=np.float32).reshape(2, 3)
    plain.write_bytes(_idx_bytes(floats, 0x0D))
    np.testing.assert_array_equal(gdata.read_idx(plain), floats)
    good = _idx_bytes(images)
    for bad, message in (
        (b"\x01" + good[1:], "bad magic"),
        (good[:2] + b"\x07" + good[3:], "unsupported"),
        (good[:-1], "payload"),
        (good + b"\x00", "payload"),
        (good[:6], "truncated"),
    ):
        plain.write_bytes(bad)
        with pytest.raises(ValueError, match=message):
            gdata.read_idx(plain)
    data = gdata.load_fashion_mnist(tmp_path, subset=5)
    assert data.images.shape == (5, 1, 32, 32)
    expect = images[:5].astype(np.float32) / 127.5 - 1
    np.testing.assert_allclose(data.images[:, 0, 2:30, 2:30], expect, atol=1e-6)
    assert data.source["name"] == "fashion-mnist"


# -- CIFAR-10 -----------------------------------------------------------------------


class _Py2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 strings (BINSTRING), as the CIFAR-10 files have them."""

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_py2_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_py2_str


def _batch(seed, n=10):
    rng = np.random.default_rng(seed)
    return {
        "batch_label": f"training batch {seed}",
        "labels": [int(v) for v in rng.integers(0, 10, n)],
        "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        "filenames": [f"img_{i}.png" for i in range(n)],
    }


def _pickle_batch(batch, style):
    if style == "py2":
        # Keys and strings as Python 2 str, and the numpy module name of the time.
        as_py2 = {
            k.encode(): ([s.encode() for s in v] if k == "filenames" else v)
            for k, v in batch.items()
        }
        as_py2["batch_label"] = batch["batch_label"].encode()
        buf = io.BytesIO()
        _Py2Pickler(buf, protocol=2).dump(as_py2)
        return buf.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    return pickle.dumps(batch, protocol=2 if style == "py3-protocol2" else 5)


@pytest.mark.parametrize("style", ["py2", "py3-protocol2", "py3-protocol5"])
def test_cifar10_python_folder(tmp_path, style):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batches = [_batch(i) for i in (1, 2)]
    for i, b in enumerate(batches, 1):
        (folder / f"data_batch_{i}").write_bytes(_pickle_batch(b, style))
    (folder / "test_batch").write_bytes(b"not read")
    data = gdata.load_cifar10(tmp_path)  # the parent folder works too
    rows = np.concatenate([b["data"] for b in batches])
    assert data.images.shape == (20, 3, 32, 32)
    expect = rows.reshape(-1, 3, 32, 32).astype(np.float32) / 127.5 - 1
    np.testing.assert_allclose(data.images, expect, atol=1e-6)
    assert sorted(data.source["files"]) == ["data_batch_1", "data_batch_2"]
    # A subset reads only as many batches as it needs.
    assert list(gdata.load_cifar10(folder, subset=4).source["files"]) == ["data_batch_1"]


def _tarball(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))


def test_cifar10_tarball_and_binary(tmp_path):
    batches = [_batch(i) for i in (1, 2, 3)]
    tgz = tmp_path / "cifar-10-python.tar.gz"
    _tarball(
        tgz,
        {
            f"cifar-10-batches-py/data_batch_{i}": _pickle_batch(b, "py2")
            for i, b in enumerate(batches, 1)
        },
    )
    data = gdata.load_dataset("auto", tgz, subset=25)
    assert data.source["name"] == "cifar10" and data.images.shape == (25, 3, 32, 32)
    assert len(data.source["files"]) == 3
    rows = np.concatenate([b["data"] for b in batches])[:25]
    np.testing.assert_allclose(data.images.reshape(25, -1), rows / 127.5 - 1, atol=1e-6)
    # Binary version: 1 label byte + 3072 pixel bytes per record.
    binary = tmp_path / "cifar-10-batches-bin"
    binary.mkdir()
    labels = np.array(batches[0]["labels"], np.uint8)[:, None]
    (binary / "data_batch_1.bin").write_bytes(np.hstack([labels, batches[0]["data"]]).tobytes())
    out = gdata.load_cifar10(binary)
    assert out.source["format"] == "binary"
    np.testing.assert_allclose(
        out.images.reshape(10, -1), batches[0]["data"] / 127.5 - 1, atol=1e-6
    )
    (binary / "data_batch_1.bin").write_bytes(b"\x00" * 3000)
    with pytest.raises(ValueError, match="whole number"):
        gdata.load_cifar10(binary)


# -- malicious pickles --------------------------------------------------------------


class _Shell:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _Writer:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (_touch, (self.marker,))


def _touch(path):
    with open(path, "w") as fh:
        fh.write("executed")


@pytest.mark.parametrize("payload", [_Shell, _Writer])
@pytest.mark.parametrize("where", ["folder", "tarball", "inside-dict"])
def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path, payload, where):
    marker = tmp_path / "executed.marker"
    evil = payload(marker)
    raw = pickle.dumps({"data": evil} if where == "inside-dict" else evil, protocol=2)
    if where == "tarball":
        target = tmp_path / "cifar-10-python.tar.gz"
        _tarball(target, {"cifar-10-batches-py/data_batch_1": raw})
    else:
        target = tmp_path / "cifar-10-batches-py"
        target.mkdir()
        (target / "data_batch_1").write_bytes(raw)
    with pytest.raises(gdata.UnsafePickleError, match="refusing to load global"):
        gdata.load_dataset("cifar10", target)
    assert not marker.exists()


def test_restricted_unpickler_refuses_array_subclasses_and_codecs():
    masked = pickle.dumps(np.ma.masked_array([1, 2]), protocol=2)
    with pytest.raises(gdata.UnsafePickleError):
        gdata.restricted_loads(masked)
    sneaky = b"c_codecs\nencode\n(Vx\nVrot13\ntR."
    with pytest.raises(gdata.UnsafePickleError, match="refused"):
        gdata.restricted_loads(sneaky)


# -- sweep, figure, command line ----------------------------------------------------


def test_gan_sweep_resumes(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("spinglass_gan.io.runner")
    from spinglass_gan.experiments import gan_sweep
    from spinglass_gan.experiments.sweep import load_records

    kwargs = {"seeds": (0,), "epochs": 1, "subset": 64, "dataset": "shipped", "channels": 16}
    kwargs |= {"batch_size": 32, "results_dir": tmp_path / "runs", "processes": 1}
    first = gan_sweep((0.1, 1.0), (0.5,), **kwargs)
    assert len(first) == 4 and {r["architecture"] for r in first} == {"published", "sigma_acts"}
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").rglob("*.npz")}
    assert len(stamps) == 4
    again = gan_sweep((0.1, 1.0), (0.5,), **kwargs)
    assert stamps == {p: p.stat().st_mtime_ns for p in stamps}  # nothing recomputed
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a["loss_D"], b["loss_D"])
    assert all(r["dataset"] == "shipped" and r["data_sha256"] for r in again)
    assert all(r["threads"] == 1 and r["device"] == "cpu" for r in again)
    loaded = load_records(tmp_path / "runs")
    assert len(loaded) == 4 and {r["sigma_z"] for r in loaded} == {0.1, 1.0}
    summary = summarize(loaded)
    assert summary.mean["min_loss_D"].shape == (2, 2, 1)
    assert np.all(np.isfinite(summary.mean["min_loss_D"]))


def test_cli_rejects_bad_input(tmp_path, capsys):
    from spinglass_gan.experiments import cli

    bad = (
        ["--kappa", "1.5"],
        ["--sigma-z", "0"],
        ["--dataset", "mnist"],
        ["--scheduler", "tcp://127.0.0.1:1", "--processes", "2"],
    )
    for argv in bad:
        with pytest.raises(SystemExit) as exc:
            cli.main([*argv, "--out", str(tmp_path)])
        assert exc.value.code == 2
        assert capsys.readouterr().err.count("\n") == 1
    marker = tmp_path / "executed.marker"
    evil = tmp_path / "cifar-10-batches-py"
    evil.mkdir()
    (evil / "data_batch_1").write_bytes(pickle.dumps(_Shell(marker), protocol=2))
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        cli.main(
            [
                "--quick",
                "--dataset",
                "cifar10",
                "--data-path",
                str(evil),
                "--out",
                str(tmp_path / "out"),
                "--quiet",
            ]
        )
    assert exc.value.code == 2 and not marker.exists()
    assert "refusing to load global" in capsys.readouterr().err


def test_cli_batch_larger_than_the_data_is_a_usage_error(tmp_path, capsys):
    # Found while planning, before any run starts (and before torch is needed): one
    # line, status 2, no task files.
    from spinglass_gan.experiments import cli

    argv = "--quick --subset 64 --batch-size 128 --dataset shipped --device cpu --out"
    with pytest.raises(SystemExit) as exc:
        cli.main([*argv.split(), str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "batch_size=128 exceeds the 64 images" in err
    assert not (tmp_path / "runs").exists()


def test_cli_without_torch_is_one_line_and_creates_nothing(tmp_path, capsys, monkeypatch):
    # A valid command without the torch extra: one line saying how to install it,
    # status 2 (as --scheduler without dask), and no output folder.  None in
    # sys.modules makes "import torch" fail whether or not torch is installed.
    from spinglass_gan.experiments import cli

    monkeypatch.setitem(sys.modules, "torch", None)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        cli.main(["--quick", "--dataset", "shipped", "--device", "cpu", "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "spinglass_gan[torch]" in err and "Traceback" not in err
    assert not out.exists()


def test_cli_tiny_sweep_figure_and_replot(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("spinglass_gan.io.runner")
    from spinglass_gan import load_result
    from spinglass_gan.experiments import cli

    argv = "--sigma-z 0.1 1 --kappa 0.5 --seeds 0 --epochs 1 --subset 64 --batch-size 32"
    argv += " --channels 16 --dataset shipped --device cpu --processes 1 --quiet --out"
    assert cli.main([*argv.split(), str(tmp_path)]) == 0
    assert len(list((tmp_path / "runs" / "tasks").glob("*.npz"))) == 4
    res = load_result(tmp_path / "fig9.npz")
    assert res["min_loss_D_mean"].shape == (2, 2, 1)
    assert res.metadata["architectures"] == ["published", "sigma_acts"]
    assert res.metadata["dataset"] == "shipped" and res.metadata["source"]["n_images"] == 64
    assert np.all(np.isfinite(res["theory_sigma_z_u_D_min"]))
    (tmp_path / "fig9.png").unlink()
    assert cli.main(["--replot", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "fig9.png").stat().st_size > 0


def test_no_torch_import_until_needed():
    code = (
        "import sys, spinglass_gan, spinglass_gan.experiments, spinglass_gan.experiments.cli;"
        "from spinglass_gan.experiments import load_dataset; load_dataset('shipped', subset=10);"
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
