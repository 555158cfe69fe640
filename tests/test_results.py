"""Result files: round trip, provenance, atomic writes, and refusal of unsafe input."""

import json
import math
import re
from datetime import datetime

import numpy as np
import pytest

import spinglass_gan.io.results as results
from spinglass_gan._version import __version__
from spinglass_gan.io.results import Result, load_result, save_result

MARKER_NAME = "unpickled.marker"


class Payload:
    """Unpickling this writes a marker file: loading must never get that far."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (_touch, (self.marker,))


def _touch(marker):
    with open(marker, "w") as fh:
        fh.write("executed")


def _arrays():
    rng = np.random.default_rng(0)
    return {
        "theta": rng.standard_normal((3, 4)),
        "counts": np.arange(6, dtype=np.int32).reshape(2, 3),
        "mask": np.array([True, False, True]),
        "stieltjes": rng.standard_normal(5) + 1j * rng.standard_normal(5),
        "scalar": np.float32(2.5),
        "empty": np.zeros((0, 2)),
        "big_endian": np.arange(3, dtype=">f8"),
    }


def _metadata():
    return {
        "b": np.float64(43.82),
        "kappa": 0.9,
        "n": np.int64(7),
        "flag": np.bool_(True),
        "missing": math.nan,
        "edge": -math.inf,
        "grid": {"x1": np.linspace(-1.0, 1.0, 3), "axes": ("x", "x1"), "note": None},
        "label": "acceptance set 5",
    }


def test_round_trip(tmp_path):
    arrays = _arrays()
    path = save_result(tmp_path / "map.npz", "theta_map", arrays, _metadata())
    assert path == tmp_path / "map.npz"
    res = load_result(path)
    assert isinstance(res, Result)
    assert res.kind == "theta_map"
    assert set(res.arrays) == set(arrays)
    for name, expected in arrays.items():
        got = res[name]
        assert isinstance(got, np.ndarray)
        assert got.dtype == np.asarray(expected).dtype
        assert got.shape == np.shape(expected)
        np.testing.assert_array_equal(got, expected)
    meta = res.metadata
    assert meta["b"] == 43.82 and type(meta["b"]) is float
    assert meta["n"] == 7 and type(meta["n"]) is int
    assert meta["flag"] is True
    assert math.isnan(meta["missing"])
    assert meta["edge"] == -math.inf
    assert meta["grid"] == {"x1": [-1.0, 0.0, 1.0], "axes": ["x", "x1"], "note": None}
    assert meta["label"] == "acceptance set 5"


def test_provenance_recorded(tmp_path):
    path = save_result(tmp_path / "s", "sweep", {"y": np.ones((2, 3))}, {})
    meta = load_result(path).metadata
    assert meta["kind"] == "sweep"
    assert meta["package"] == "spinglass_gan"
    assert meta["version"] == __version__
    assert meta["format_version"] == 1
    assert datetime.fromisoformat(meta["created"]).utcoffset().total_seconds() == 0
    assert meta["arrays"] == {"y": {"shape": [2, 3], "dtype": "float64"}}
    # The metadata is plain JSON that any reader can get at without this package.
    with np.load(path, allow_pickle=False) as data:
        assert data["__metadata__"].ndim == 0
        assert json.loads(str(data["__metadata__"]))["kind"] == "sweep"


def test_arrays_are_loaded_eagerly(tmp_path):
    path = save_result(tmp_path / "a.npz", "sweep", {"y": np.arange(4)}, {})
    res = load_result(path)
    path.unlink()
    np.testing.assert_array_equal(res["y"], np.arange(4))


@pytest.mark.parametrize(
    ("given", "written"),
    [("out", "out.npz"), ("out.npz", "out.npz"), ("out.v2", "out.v2.npz"), ("o.npy", "o.npy.npz")],
)
def test_suffix(tmp_path, given, written):
    path = save_result(str(tmp_path / given), "sweep", {"y": np.zeros(1)}, {})
    assert path == tmp_path / written
    assert sorted(p.name for p in tmp_path.iterdir()) == [written]
    assert load_result(path).kind == "sweep"


def test_overwrite_replaces(tmp_path):
    target = tmp_path / "r.npz"
    save_result(target, "sweep", {"y": np.zeros(2)}, {"run": 1})
    save_result(target, "banded", {"z": np.ones(3)}, {"run": 2})
    res = load_result(target)
    assert (res.kind, res.metadata["run"], set(res.arrays)) == ("banded", 2, {"z"})


class _Boom(RuntimeError):
    pass


def _failing_savez(file, *args, **kwds):
    file.write(b"PK\x03\x04 partial archive")
    raise _Boom("disk full")


@pytest.mark.parametrize("existed", [True, False])
def test_atomic_write(tmp_path, monkeypatch, existed):
    target = tmp_path / "r.npz"
    if existed:
        save_result(target, "sweep", {"y": np.arange(3)}, {"run": 1})
        before = target.read_bytes()
    monkeypatch.setattr(results.np, "savez_compressed", _failing_savez)
    with pytest.raises(_Boom):
        save_result(target, "sweep", {"y": np.arange(5)}, {"run": 2})
    if existed:
        assert target.read_bytes() == before
        assert load_result(target).metadata["run"] == 1
    else:
        assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == (["r.npz"] if existed else [])
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    "value",
    [
        np.array([object(), 1], dtype=object),
        np.array([1.0, 2.0], dtype=object),
        ["a", "b"],
        np.array(["2024-01-01"], dtype="datetime64[D]"),
    ],
)
def test_non_numeric_array_rejected(tmp_path, value):
    with pytest.raises(ValueError, match="'bad'"):
        save_result(tmp_path / "r", "sweep", {"ok": np.zeros(1), "bad": value}, {})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["__metadata__", "not valid", "1x", "", "file", "a-b"])
def test_bad_array_name_rejected(tmp_path, name):
    with pytest.raises(ValueError, match="invalid array name"):
        save_result(tmp_path / "r", "sweep", {name: np.zeros(1)}, {})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("metadata", "key"),
    [
        ({"primes": {2, 3}}, "primes"),
        ({"grid": {"x": [1.0, object()]}}, "grid"),
        ({"z": 1 + 2j}, "z"),
        ({"w": np.complex128(1j)}, "w"),
        ({"nested": {3: "int key"}}, "nested"),
    ],
)
def test_non_json_metadata_rejected(tmp_path, metadata, key):
    with pytest.raises(ValueError, match=f"'{key}'"):
        save_result(tmp_path / "r", "sweep", {"y": np.zeros(1)}, metadata)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ["kind", "version", "arrays", "created"])
def test_reserved_metadata_key_rejected(tmp_path, key):
    with pytest.raises(ValueError, match=key):
        save_result(tmp_path / "r", "sweep", {"y": np.zeros(1)}, {key: 1})


def _pickled_npz(path, with_metadata):
    marker = path.parent / MARKER_NAME
    members = {"evil": np.array([Payload(marker)], dtype=object)}
    if with_metadata:
        meta = {
            "kind": "sweep",
            "package": "spinglass_gan",
            "format_version": 1,
            "arrays": {"evil": {"shape": [1], "dtype": "object"}},
        }
        members["__metadata__"] = np.array(json.dumps(meta))
    with open(path, "wb") as fh:
        np.savez(fh, **members)
    return marker


@pytest.mark.parametrize("with_metadata", [True, False])
def test_pickle_never_executed(tmp_path, with_metadata):
    path = tmp_path / "evil.npz"
    marker = _pickled_npz(path, with_metadata)
    # Sanity check: the payload is live when pickle is allowed.
    with np.load(path, allow_pickle=True) as data:
        data["evil"]
    assert marker.exists()
    marker.unlink()
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_result(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00" * 10, np.random.default_rng(1).bytes(4096), b"PK\x03\x04" + b"\x01" * 200],
    ids=["empty", "zeros", "random", "fake-zip"],
)
def test_garbage_rejected(tmp_path, content):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_result(path)


def test_bare_npy_and_plain_npz_rejected(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(3))
    with pytest.raises(ValueError, match="npy"):
        load_result(tmp_path / "a.npy")
    np.savez(tmp_path / "b.npz", x=np.arange(3))
    with pytest.raises(ValueError, match="__metadata__"):
        load_result(tmp_path / "b.npz")


def test_missing_file_is_not_a_format_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_result(tmp_path / "absent.npz")


def _rewrite_metadata(path, **changes):
    with np.load(path, allow_pickle=False) as data:
        members = {k: data[k] for k in data.files}
    meta = json.loads(str(members["__metadata__"]))
    meta.update(changes)
    members["__metadata__"] = np.array(json.dumps(meta))
    with open(path, "wb") as fh:
        np.savez(fh, **members)


@pytest.mark.parametrize(
    "changes",
    [
        {"package": "other"},
        {"format_version": 2},
        {"arrays": {"y": {"shape": [4], "dtype": "float64"}}},
        {"arrays": {"y": {"shape": [3], "dtype": "float32"}}},
        {"arrays": {}},
        {"arrays": {"y": {"shape": [3], "dtype": "float64"}, "z": {"shape": [], "dtype": "f"}}},
    ],
)
def test_inconsistent_metadata_rejected(tmp_path, changes):
    path = save_result(tmp_path / "r", "sweep", {"y": np.zeros(3)}, {})
    load_result(path)
    _rewrite_metadata(path, **changes)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_result(path)


def test_metadata_must_be_a_json_object(tmp_path):
    path = tmp_path / "r.npz"
    with open(path, "wb") as fh:
        np.savez(fh, __metadata__=np.array("[1, 2]"), y=np.zeros(1))
    with pytest.raises(ValueError, match="JSON object"):
        load_result(path)


def test_save_to_a_folder_is_refused(tmp_path):
    # Formerly wrote tmp_path.npz beside the folder.
    with pytest.raises(ValueError, match=r"^path must name a file"):
        save_result(tmp_path, "sweep", {"x": np.zeros(2)}, {})
    assert not tmp_path.with_name(tmp_path.name + ".npz").exists()
