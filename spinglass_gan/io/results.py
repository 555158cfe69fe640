"""Save and load computed results (maps over grids, sweeps) as self-describing files.

A result file is an ordinary NumPy ``.npz`` archive: one ``.npy`` member per numeric or
boolean array, plus a 0-d unicode member ``__metadata__`` holding a JSON object with the
caller's parameters and the provenance fields ``kind``, ``package``, ``version``,
``format_version``, ``created`` (UTC, ISO 8601) and ``arrays`` (the name, shape and dtype
of every stored array).  Such a file can be read by any NumPy and any JSON parser, with
no import of this package.  Pickle is never used: unpickling runs arbitrary code from the
file, and a pickle ties the data to the class layout of the version that wrote it, so
files are written without object arrays and read with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._version import __version__

__all__ = ["Result", "load_result", "save_result", "user_metadata"]

FORMAT_VERSION = 1
_META = "__metadata__"
_RESERVED_KEYS = ("kind", "package", "version", "format_version", "created", "arrays")
# Array names that np.savez_compressed would take as its own keyword arguments.
_RESERVED_NAMES = (_META, "file", "allow_pickle")
# Corrupt archives surface as any of these, depending on where the damage is.
_READ_ERRORS = (ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)


@dataclass(frozen=True)
class Result:
    """A loaded result: its kind, its arrays (in memory) and its metadata.

    ``result[name]`` is ``result.arrays[name]``.

    Attributes
    ----------
    kind : str
        What the file holds (the ``kind`` given to :func:`save_result`).
    arrays : dict of str to ndarray
        The stored arrays, loaded into memory.
    metadata : dict
        The JSON metadata: the caller's entries and the package's own (version, date).
    """

    kind: str
    arrays: dict[str, np.ndarray]
    metadata: dict

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]


def _jsonable(obj: Any, where: str) -> Any:
    """Return ``obj`` as plain JSON types (NumPy scalars and arrays converted)."""
    if isinstance(obj, (np.generic, np.ndarray)):
        return _jsonable(obj.tolist(), where)
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, Mapping):
        out = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                # json.dumps would silently turn the key into a string.
                raise ValueError(f"metadata key {key!r} in {where} is not a string")
            out[key] = _jsonable(value, f"{where}[{key!r}]")
        return out
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    raise ValueError(f"{where} is not JSON-serialisable ({type(obj).__name__})")


def checked_arrays(arrays: Mapping[str, ArrayLike]) -> dict[str, np.ndarray]:
    """``arrays`` as numpy arrays, if :func:`save_result` can store them.

    Raises ValueError for a name that is not an identifier or is reserved, or for an
    array that is not numeric or bool.
    """
    if not isinstance(arrays, Mapping):
        raise ValueError(
            f"arrays must be a mapping of names to arrays, got {type(arrays).__name__}"
        )
    payload: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        if not isinstance(name, str) or not name.isidentifier() or name in _RESERVED_NAMES:
            raise ValueError(
                f"invalid array name {name!r} in arrays: need an identifier not in "
                f"{_RESERVED_NAMES}"
            )
        try:
            arr = np.asarray(value)
        except ValueError as exc:
            raise ValueError(f"arrays[{name!r}] cannot be converted: {exc}") from exc
        if arr.dtype.kind not in "biufc":
            raise ValueError(f"arrays[{name!r}] has dtype {arr.dtype}; need numeric or bool")
        payload[name] = arr
    return payload


def save_result(
    path: str | os.PathLike[str],
    kind: str,
    arrays: Mapping[str, ArrayLike],
    metadata: Mapping[str, Any],
) -> Path:
    """Write arrays and metadata to an ``.npz`` result file, atomically.

    The archive goes to a temporary file in the target's directory, is synced and renamed
    over the target: readers see the old file or the complete new one, never a mixture.

    Parameters
    ----------
    path : str or path-like
        Target file; ``.npz`` is appended unless it is already the suffix.  An
        existing folder is refused (ValueError), not turned into ``folder.npz``.
    kind : str
        What the result is, e.g. ``"theta_map"``, ``"banded"``, ``"sweep"``.
    arrays : mapping of str to array_like
        Numeric or boolean arrays, keyed by valid Python identifiers.
    metadata : mapping
        JSON-serialisable parameters; NumPy scalars and arrays are converted, tuples come
        back as lists.  NaN and infinities are allowed: they are written as the
        non-standard JSON tokens ``NaN`` and ``Infinity``, which Python reads back.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        For a bad or reserved array name, a non-numeric array, metadata that is not
        JSON-serialisable, or a metadata key reserved for the provenance fields
        (``kind, package, version, format_version, created, arrays``).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = save_result(Path(tmp) / "demo", "sweep", {"x": np.linspace(0, 1, 3)}, {"b": 1})
    ...     r = load_result(p)
    >>> p.name, r.kind, r["x"], r.metadata["b"]
    ('demo.npz', 'sweep', array([0. , 0.5, 1. ]), 1)
    """
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"kind must be a non-empty string, got {kind!r}")
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a str or path-like, got {type(path).__name__}")
    path = Path(path)
    if path.is_dir():  # "existing_dir" would become existing_dir.npz beside it
        raise ValueError(f"path must name a file, got the folder {str(path)!r}")
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    payload = checked_arrays(arrays)
    if not isinstance(metadata, Mapping):
        raise ValueError(f"metadata must be a mapping, got {type(metadata).__name__}")
    meta = _jsonable(metadata, "metadata")
    clash = sorted(set(meta) & set(_RESERVED_KEYS))
    if clash:
        raise ValueError(f"metadata keys {clash} are reserved for provenance fields")
    meta.update(
        kind=kind,
        package="spinglass_gan",
        version=__version__,
        format_version=FORMAT_VERSION,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        arrays={n: {"shape": list(a.shape), "dtype": str(a.dtype)} for n, a in payload.items()},
    )
    payload[_META] = np.array(json.dumps(meta, sort_keys=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    tmp = Path(fh.name)
    try:
        with fh:
            # A file handle, so numpy writes exactly here instead of appending ".npz".
            np.savez_compressed(fh, **payload)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates files readable by the owner only; results are for sharing.
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def load_result(path: str | os.PathLike[str]) -> Result:
    """Read a file written by `save_result`, checking it against its own metadata.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.

    Returns
    -------
    Result
        Kind, arrays (read into memory) and the full metadata, provenance included.

    Raises
    ------
    ValueError
        If the file is not an ``.npz`` archive, holds pickled data, lacks metadata, is
        not format version 1 of this package, or disagrees with its recorded arrays.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a str or path-like, got {type(path).__name__}")
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path} is not a readable .npz file: {exc}") from exc
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} holds a bare .npy array, not an .npz result")
    with data:
        if _META not in data.files:
            raise ValueError(f"{path} has no {_META} entry; not a spinglass_gan result")
        try:
            raw = data[_META]
            meta = json.loads(str(raw[()])) if raw.ndim == 0 and raw.dtype.kind == "U" else None
        except _READ_ERRORS as exc:
            raise ValueError(f"{path}: unreadable {_META}: {exc}") from exc
        if not isinstance(meta, dict):
            raise ValueError(f"{path}: {_META} is not a JSON object string")
        origin = (meta.get("package"), meta.get("format_version"))
        if origin != ("spinglass_gan", FORMAT_VERSION) or not isinstance(meta.get("kind"), str):
            raise ValueError(f"{path}: unsupported (package, format_version) = {origin}")
        specs = meta.get("arrays")
        names = set(data.files) - {_META}
        if not isinstance(specs, dict) or set(specs) != names:
            raise ValueError(f"{path}: arrays {sorted(names)} do not match the metadata")
        try:
            # Member access copies into memory; with allow_pickle=False an object array
            # raises here instead of being unpickled.
            stored = {name: data[name] for name in specs}
        except _READ_ERRORS as exc:
            raise ValueError(f"{path}: unreadable or pickled array data: {exc}") from exc
    for name, arr in stored.items():
        if specs[name] != {"shape": list(arr.shape), "dtype": str(arr.dtype)}:
            raise ValueError(
                f"{path}: array {name!r} is {arr.shape} {arr.dtype}, recorded {specs[name]!r}"
            )
    return Result(kind=meta["kind"], arrays=stored, metadata=meta)


def user_metadata(result: Result) -> dict[str, Any]:
    """The metadata a caller saved, without the keys ``save_result`` adds."""
    return {k: v for k, v in result.metadata.items() if k not in _RESERVED_KEYS}
