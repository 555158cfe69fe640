"""Image data for the GAN experiments, read from local files only (never downloaded).

Sources, in the order ``name="auto"`` tries them:

1. CIFAR-10 from a path given by the caller or by the environment variable
   ``SPINGLASS_GAN_CIFAR10``: the python-batches folder (``cifar-10-batches-py``) or its
   tarball (``cifar-10-python.tar.gz``), or the binary version (``cifar-10-batches-bin``,
   ``cifar-10-binary.tar.gz``).  Python batches are pickles; they are read with
   :class:`RestrictedUnpickler`, which admits only the few numpy names an array needs, so a
   tampered file raises :class:`UnsafePickleError` and runs nothing.  Tarballs are read in
   memory (no extraction to disk, so member names cannot write outside a folder).
2. Fashion-MNIST from the IDX files of the Debian package ``dataset-fashion-mnist``
   (``/usr/share/datasets/fashion-mnist``, or ``SPINGLASS_GAN_FASHION_MNIST``), parsed
   with header checks by :func:`read_idx`.
3. The first 2000 Fashion-MNIST training images shipped with this package
   (``_data/``, MIT licence, Copyright (c) 2017 Zalando SE), for tests and quick runs.

Every loader returns :class:`ImageData`: float32 images in [-1, 1] of shape
(N, C, 32, 32), their pixel standard deviation, and a JSON-ready description of the
source (name, files, SHA-256, number of images) that the experiments store with their
results.  A subset is always the *first* ``subset`` training images, so a quick run on
the shipped file and on the full Fashion-MNIST file sees the same images.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import re
import struct
import tarfile
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "CIFAR10_ENV",
    "DATASETS",
    "FASHION_MNIST_DIR",
    "FASHION_MNIST_ENV",
    "ImageData",
    "RestrictedUnpickler",
    "UnsafePickleError",
    "load_cifar10",
    "load_dataset",
    "load_fashion_mnist",
    "load_shipped",
    "make_shipped_subset",
    "read_idx",
    "resolve_dataset",
]

CIFAR10_ENV = "SPINGLASS_GAN_CIFAR10"
FASHION_MNIST_ENV = "SPINGLASS_GAN_FASHION_MNIST"
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
DATASETS = ("auto", "cifar10", "fashion-mnist", "shipped")
SHIPPED_FILE = "fashion-mnist-train-2000.npz"

_CIFAR_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_PIXELS = 3 * 32 * 32
# A CIFAR-10 python batch is ~31 MB; anything far larger is not one (and would be read
# into memory whole).  The cap also bounds what a decompression bomb can allocate.
_MAX_MEMBER_BYTES = 64 << 20
_MAX_IDX_BYTES = 1 << 30
_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class ImageData(NamedTuple):
    """Images in [-1, 1], shape (N, C, 32, 32) float32, with their std and source."""

    images: np.ndarray
    std: float
    source: dict[str, Any]


# -- safe unpickling ----------------------------------------------------------------


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for a global outside the numpy-array allow-list."""


def _numpy_attr(modules: tuple[str, ...], name: str) -> Any:
    # numpy 2 moved numpy.core to numpy._core; old pickles name the former.
    import importlib

    for module in modules:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"numpy provides none of {[m + '.' + name for m in modules]}")


def _reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    """numpy's ``_reconstruct``, limited to plain ndarrays (no subclasses)."""
    if subtype is not np.ndarray:
        raise UnsafePickleError(f"array reconstruction of {subtype!r} refused")
    real = _numpy_attr(("numpy._core.multiarray", "numpy.core.multiarray"), "_reconstruct")
    return real(subtype, shape, dtype)


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    """numpy's ``_frombuffer`` (protocol-5 arrays); builds an array from bytes only."""
    if not isinstance(buf, (bytes, bytearray, memoryview, pickle.PickleBuffer)):
        raise UnsafePickleError(f"array buffer of type {type(buf).__name__} refused")
    real = _numpy_attr(("numpy._core.numeric", "numpy.core.numeric"), "_frombuffer")
    return real(buf, dtype, shape, order)


def _latin1_encode(text: Any, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles from Python 3 use it for bytes: latin-1
    text to bytes, nothing else (other codecs can look up and import modules)."""
    if not isinstance(text, str) or encoding != "latin1" or errors != "strict":
        raise UnsafePickleError(f"_codecs.encode({type(text).__name__}, {encoding!r}) refused")
    return text.encode("latin1")


# (module, name) -> the object returned.  These are what numpy arrays need in the
# CIFAR-10 batches (written by Python 2: _reconstruct, ndarray, dtype) and in pickles of
# the same dicts from Python 3 (protocol 2: _codecs.encode; protocol 5: _frombuffer).
_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that builds only Python containers, numbers, strings, bytes and
    numpy arrays.

    Unpickling calls whatever callable the file names (``os.system`` is one pickle
    opcode away), so every global goes through :meth:`find_class`, which returns an
    entry of a fixed allow-list or raises :class:`UnsafePickleError` before anything is
    called.  Persistent ids are refused too (the base class raises on them).
    """

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refusing to load global {module}.{name}: only numpy arrays are allowed"
            ) from None


def restricted_loads(data: bytes) -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler` (Python-2 strings as bytes)."""
    return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()


# -- CIFAR-10 -----------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _decode_python_batch(raw: bytes, where: str) -> np.ndarray:
    """The (n, 3072) uint8 rows of one python batch, after checking its structure."""
    try:
        batch = restricted_loads(raw)
    except UnsafePickleError as exc:
        raise UnsafePickleError(f"{where}: {exc}") from None
    except Exception as exc:  # truncated or garbled pickles raise many types
        raise ValueError(f"{where}: not a CIFAR-10 python batch ({exc})") from exc
    if not isinstance(batch, dict):
        raise ValueError(f"{where}: expected a dict, got {type(batch).__name__}")
    keys = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data = keys.get("data")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8:
        raise ValueError(f"{where}: 'data' is not a uint8 array")
    if data.ndim != 2 or data.shape[1] != _CIFAR_PIXELS:
        raise ValueError(f"{where}: 'data' has shape {data.shape}, need (n, {_CIFAR_PIXELS})")
    return data


def _decode_binary_batch(raw: bytes, where: str) -> np.ndarray:
    """The (n, 3072) uint8 rows of one binary batch (1 label byte + 3072 pixels each)."""
    record = 1 + _CIFAR_PIXELS
    if len(raw) == 0 or len(raw) % record:
        raise ValueError(f"{where}: {len(raw)} bytes is not a whole number of records")
    return np.frombuffer(raw, np.uint8).reshape(-1, record)[:, 1:]


def _one_format(names: list[str]) -> list[str]:
    """The python batches if there are any, else the binary ones (never both)."""
    python = sorted(n for n in names if not n.endswith(".bin"))
    return python or sorted(names)


def _member_reader(path: Path) -> tuple[list[str], Callable[[str], bytes]]:
    """Names of the batch files found at ``path`` and a function reading one by name.

    ``path`` is a folder (``cifar-10-batches-py`` or ``-bin``, or its parent) or a
    tarball.  A tarball is read in one pass (a gzip stream cannot seek: reading members
    one by one would decompress it again each time) and its batches are kept in memory;
    only regular files named ``data_batch_1..5`` are read, nothing is written to disk.
    """
    wanted = re.compile(r"data_batch_[1-5](\.bin)?")
    if path.is_dir():
        found: dict[str, Path] = {}
        for folder in (path, path / "cifar-10-batches-py", path / "cifar-10-batches-bin"):
            for child in sorted(folder.glob("data_batch_*")) if folder.is_dir() else []:
                if wanted.fullmatch(child.name) and child.is_file():
                    found.setdefault(child.name, child)

        def read_file(name: str) -> bytes:
            target = found[name]
            if target.stat().st_size > _MAX_MEMBER_BYTES:
                raise ValueError(f"{target}: larger than any CIFAR-10 batch")
            return target.read_bytes()

        return _one_format(list(found)), read_file
    if path.is_file() and tarfile.is_tarfile(path):
        contents: dict[str, bytes] = {}
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                name = Path(member.name).name
                if not (member.isfile() and wanted.fullmatch(name)) or name in contents:
                    continue
                if member.size > _MAX_MEMBER_BYTES:
                    raise ValueError(f"{path}:{member.name}: larger than any CIFAR-10 batch")
                fh = tar.extractfile(member)
                if fh is not None:
                    contents[name] = fh.read()
        return _one_format(list(contents)), contents.__getitem__
    raise FileNotFoundError(f"no CIFAR-10 batches at {path} (need a folder or a .tar.gz)")


def load_cifar10(path: str | os.PathLike[str], subset: int | None = None) -> ImageData:
    """CIFAR-10 training images from a local folder or tarball, read safely.

    Parameters
    ----------
    path : str or path-like
        ``cifar-10-batches-py`` (python batches) or ``cifar-10-batches-bin`` (binary
        batches), a folder holding one of them, or ``cifar-10-python.tar.gz`` /
        ``cifar-10-binary.tar.gz``.
    subset : int, optional
        Keep the first ``subset`` training images (batches are read only as far as
        needed); default all 50000.

    Returns
    -------
    ImageData
        Images (N, 3, 32, 32) in [-1, 1].

    Raises
    ------
    UnsafePickleError
        If a python batch names any global beyond those a numpy array needs; nothing
        from the file is executed.
    ValueError, FileNotFoundError
        For missing or malformed batches.
    """
    path = Path(path).expanduser()
    names, read = _member_reader(path)
    if not names:
        raise FileNotFoundError(f"no data_batch_1..5 files at {path}")
    rows: list[np.ndarray] = []
    hashes: dict[str, str] = {}
    for name in names:
        raw = read(name)
        hashes[name] = _sha256(raw)
        where = f"{path}:{name}"
        decode = _decode_binary_batch if name.endswith(".bin") else _decode_python_batch
        rows.append(decode(raw, where))
        if subset is not None and sum(len(r) for r in rows) >= subset:
            break
    data = np.concatenate(rows)
    if subset is not None and subset > len(data):
        raise ValueError(f"subset={subset} exceeds the {len(data)} images at {path}")
    data = data[:subset]
    # Rows are the R, G and B planes of 32 x 32, i.e. C-order (3, 32, 32).
    images = data.reshape(-1, 3, 32, 32)
    fmt = "binary" if names[0].endswith(".bin") else "python"
    source = {"name": "cifar10", "path": str(path), "format": fmt, "files": hashes}
    return _finish(images, source)


# -- Fashion-MNIST ------------------------------------------------------------------


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """An IDX array (the MNIST file format), gzip-compressed or not.

    The header is checked: two zero bytes, a known type code, 1-4 dimensions, and a
    payload of exactly the size the dimensions give.

    Parameters
    ----------
    path : str or path-like
        ``*-idx?-ubyte`` or ``*-idx?-ubyte.gz``.

    Returns
    -------
    numpy.ndarray
        In native byte order, shaped as the header says.

    Raises
    ------
    ValueError
        For a malformed header or a payload of the wrong size.
    """
    path = Path(path)
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as fh:
        header = fh.read(4)
        if len(header) != 4 or header[:2] != b"\x00\x00":
            raise ValueError(f"{path}: not an IDX file (bad magic {header!r})")
        code, ndim = header[2], header[3]
        if code not in _IDX_TYPES or not 1 <= ndim <= 4:
            raise ValueError(f"{path}: unsupported IDX type 0x{code:02x} or {ndim} dims")
        dims_raw = fh.read(4 * ndim)
        if len(dims_raw) != 4 * ndim:
            raise ValueError(f"{path}: truncated IDX header")
        dims = struct.unpack(f">{ndim}I", dims_raw)
        dtype = _IDX_TYPES[code]
        size = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
        if size > _MAX_IDX_BYTES:
            raise ValueError(f"{path}: IDX header declares {size} bytes, more than allowed")
        # One byte more than declared, to detect trailing data without reading it all.
        payload = fh.read(size + 1)
    if len(payload) != size:
        raise ValueError(f"{path}: IDX payload is {len(payload)} bytes, header says {size}")
    return np.frombuffer(payload, dtype).astype(dtype.newbyteorder("="), copy=True).reshape(dims)


def _fashion_file(folder: Path) -> Path:
    for name in ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(
        f"no train-images-idx3-ubyte(.gz) in {folder}; install the Debian package "
        "dataset-fashion-mnist or give the folder holding the IDX files"
    )


def _fashion_images(images: np.ndarray, source: dict[str, Any], subset: int | None):
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(f"Fashion-MNIST images must be (n, 28, 28) uint8, got {images.shape}")
    if subset is not None and subset > len(images):
        raise ValueError(f"subset={subset} exceeds the {len(images)} images")
    images = images[:subset]
    # Zero-padding to 32 x 32 (the DCGAN size) adds background: pixel 0 is background.
    padded = np.zeros((len(images), 1, 32, 32), np.uint8)
    padded[:, 0, 2:30, 2:30] = images
    return _finish(padded, {**source, "padding": "28x28 centred in 32x32 with background"})


def load_fashion_mnist(
    path: str | os.PathLike[str] | None = None, subset: int | None = None
) -> ImageData:
    """Fashion-MNIST training images from local IDX files.

    Parameters
    ----------
    path : str or path-like, optional
        The folder with ``train-images-idx3-ubyte.gz`` (or the file itself); default
        ``$SPINGLASS_GAN_FASHION_MNIST`` or ``/usr/share/datasets/fashion-mnist`` (Debian
        package ``dataset-fashion-mnist``).
    subset : int, optional
        Keep the first ``subset`` images; default all 60000.

    Returns
    -------
    ImageData
        Images (N, 1, 32, 32) in [-1, 1], the 28 x 28 originals centred on background.
    """
    if path is None:
        path = os.environ.get(FASHION_MNIST_ENV) or FASHION_MNIST_DIR
    path = Path(path).expanduser()
    file = path if path.is_file() else _fashion_file(path)
    source = {"name": "fashion-mnist", "path": str(file), "files": {file.name: _file_sha256(file)}}
    return _fashion_images(read_idx(file), source, subset)


def load_shipped(subset: int | None = None) -> ImageData:
    """The first 2000 Fashion-MNIST training images shipped with the package."""
    ref = resources.files(__package__).joinpath("_data", SHIPPED_FILE)
    raw = ref.read_bytes()
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        images = npz["images"]
    source = {
        "name": "shipped",
        "path": f"spinglass_gan/experiments/_data/{SHIPPED_FILE}",
        "files": {SHIPPED_FILE: _sha256(raw)},
        "origin": "first 2000 images of Fashion-MNIST train-images-idx3-ubyte (MIT licence)",
    }
    return _fashion_images(images, source, subset)


def make_shipped_subset(
    source: str | os.PathLike[str] = FASHION_MNIST_DIR,
    out: str | os.PathLike[str] | None = None,
    n: int = 2000,
) -> Path:
    """Write the shipped subset: the first ``n`` Fashion-MNIST training images and labels.

    This is how ``_data/fashion-mnist-train-2000.npz`` was made (from the Debian
    package's IDX files); kept so that the file can be checked and remade.
    """
    folder = Path(source)
    images = read_idx(_fashion_file(folder))[:n]
    labels = read_idx(folder / "train-labels-idx1-ubyte.gz")[:n]
    target = Path(out) if out is not None else Path(__file__).parent / "_data" / SHIPPED_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(target, images=images, labels=labels)
    return target


# -- common -------------------------------------------------------------------------


def _finish(images_u8: np.ndarray, source: dict[str, Any]) -> ImageData:
    if len(images_u8) == 0:
        raise ValueError("no images loaded")
    images = images_u8.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    std = float(images.std(dtype=np.float64))
    return ImageData(images, std, {**source, "n_images": len(images), "std": std})


def resolve_dataset(
    name: str = "auto", path: str | os.PathLike[str] | None = None
) -> tuple[str, str | None]:
    """The concrete dataset ``(name, path)`` that :func:`load_dataset` would read.

    ``"auto"``: CIFAR-10 if ``path`` or ``$SPINGLASS_GAN_CIFAR10`` is given (a
    ``path`` holding Fashion-MNIST IDX files counts as Fashion-MNIST), else the system
    Fashion-MNIST if installed, else the shipped subset.  For ``"shipped"`` the path is
    None.
    """
    if name not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}")
    if name == "shipped":
        return "shipped", None
    if name == "cifar10":
        chosen = path or os.environ.get(CIFAR10_ENV)
        if not chosen:
            raise ValueError(
                f"dataset 'cifar10' needs a path: give one or set ${CIFAR10_ENV} to the "
                "cifar-10-batches-py folder or cifar-10-python.tar.gz (never downloaded)"
            )
        return "cifar10", str(Path(chosen).expanduser())
    if name == "fashion-mnist":
        chosen = path or os.environ.get(FASHION_MNIST_ENV) or FASHION_MNIST_DIR
        return "fashion-mnist", str(Path(chosen).expanduser())
    # auto
    if path is not None:
        p = Path(path).expanduser()
        is_idx = (p.is_dir() and any(p.glob("train-images-idx3-ubyte*"))) or "idx3" in p.name
        return ("fashion-mnist" if is_idx else "cifar10"), str(p)
    if os.environ.get(CIFAR10_ENV):
        return "cifar10", str(Path(os.environ[CIFAR10_ENV]).expanduser())
    fashion = Path(os.environ.get(FASHION_MNIST_ENV) or FASHION_MNIST_DIR)
    if fashion.is_file() or any(fashion.glob("train-images-idx3-ubyte*")):
        return "fashion-mnist", str(fashion)
    return "shipped", None


def load_dataset(
    name: str = "auto",
    path: str | os.PathLike[str] | None = None,
    subset: int | None = None,
) -> ImageData:
    """Load a dataset by name from local files (see the module docstring for the order).

    Parameters
    ----------
    name : {"auto", "cifar10", "fashion-mnist", "shipped"}
        Which data; ``"auto"`` picks as :func:`resolve_dataset` says.
    path : str or path-like, optional
        Where the files are (CIFAR-10 folder or tarball; Fashion-MNIST folder).
    subset : int, optional
        Keep the first ``subset`` training images.

    Returns
    -------
    ImageData
        ``images`` (N, C, 32, 32) float32 in [-1, 1], ``std`` (their pixel standard
        deviation, which scales the latent noise) and ``source`` (JSON-ready).

    Examples
    --------
    >>> data = load_dataset("shipped", subset=100)
    >>> data.images.shape, data.images.dtype, data.source["name"]
    ((100, 1, 32, 32), dtype('float32'), 'shipped')
    """
    if subset is not None and (isinstance(subset, bool) or int(subset) < 1):
        raise ValueError(f"subset must be a positive integer or None, got {subset!r}")
    concrete, where = resolve_dataset(name, path)
    return _load_cached(concrete, where, None if subset is None else int(subset))


@lru_cache(maxsize=4)
def _load_cached(name: str, path: str | None, subset: int | None) -> ImageData:
    # Each training run of a sweep asks for the same data; a worker process reads and
    # decodes it once.  The arrays are shared, so they are made read-only.
    if name == "cifar10":
        data = load_cifar10(path, subset)  # type: ignore[arg-type]
    elif name == "fashion-mnist":
        data = load_fashion_mnist(path, subset)
    else:
        data = load_shipped(subset)
    data.images.setflags(write=False)
    return data
