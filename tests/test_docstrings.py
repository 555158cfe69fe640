"""Docstrings of the public API, checked with numpydoc's validator.

Every name in ``spinglass_gan.__all__`` (except ``__version__``, a string) and every
public method and property of a public class is validated by ``numpydoc.validate``.
The checks enforced are the ones that make a docstring usable as reference:

GL08  the object has a docstring;
SS01  it has a one-line summary;
PR01  every parameter of the signature is documented;
PR02  no parameter is documented that the signature does not have;
RT01  a function or method that returns a value has a Returns section;
YD01  a generator has a Yields section.

Two conventions refine PR01 and RT01. A class documents its constructor's arguments
under Parameters or, for result containers (dataclasses whose fields are the
constructor's arguments), under Attributes. Properties are documented like attributes
(numpydoc's convention: a summary, no Returns section), so RT01 does not apply to them.
Style checks (see-also sections, examples on every name, summary wording) are not
enforced; examples that exist are run as doctests by the default test command.

The API page (docs/api.md) is checked to list every public name.
"""

import functools
import inspect
import re
from pathlib import Path

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")
docscrape = pytest.importorskip("numpydoc.docscrape")

import spinglass_gan as sg  # noqa: E402

CHECKS = {"GL08", "SS01", "PR01", "PR02", "RT01", "YD01"}
ROOT = Path(__file__).resolve().parent.parent
PUBLIC = [n for n in sg.__all__ if n != "__version__"]


def _public_members(cls: type) -> list[str]:
    """Public methods and properties defined by ``cls`` itself (not inherited)."""
    names = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        kinds = property | functools.cached_property | classmethod | staticmethod
        if isinstance(value, kinds) or inspect.isfunction(value):
            names.append(name)
    return names


def _objects() -> list[str]:
    names = []
    for name in PUBLIC:
        obj = getattr(sg, name)
        names.append(f"spinglass_gan.{name}")
        if inspect.isclass(obj):
            names += [f"spinglass_gan.{name}.{m}" for m in _public_members(obj)]
    return names


OBJECTS = _objects()


def _resolve(name: str):
    parts = name.split(".")
    obj = sg
    owner = None
    for part in parts[1:]:
        owner = obj
        obj = getattr(obj, part)
    return owner, parts[-1], obj


def _errors(name: str) -> list[str]:
    owner, attr, obj = _resolve(name)
    result = numpydoc_validate.validate(name)
    errors = [(code, msg) for code, msg in result["errors"] if code in CHECKS]
    is_property = inspect.isclass(owner) and isinstance(
        vars(owner).get(attr), property | functools.cached_property
    )
    if is_property:
        errors = [(c, m) for c, m in errors if c != "RT01"]
    if inspect.isclass(obj):
        doc = docscrape.ClassDoc(obj, config={})
        entries = [p.name for p in doc["Attributes"] + doc["Parameters"]]
        # "a, b : float" documents both a and b (numpydoc's convention for Parameters).
        documented = {n.strip() for e in entries for n in e.split(",")}
        try:
            signature = inspect.signature(obj).parameters.values()
        except ValueError:
            # A warning or exception class that keeps BaseException's constructor has no
            # inspectable signature; that constructor takes only *args, nothing to document.
            if not issubclass(obj, BaseException):
                raise
            signature = []
        params = [p for p in signature if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        missing = [p.name for p in params if p.name not in documented]
        errors = [(c, m) for c, m in errors if c != "PR01"]
        if missing:
            errors.append(("PR01", f"Parameters {missing} not documented"))
    return [f"{code}: {msg}" for code, msg in errors]


def test_coverage_is_the_whole_public_api():
    """Every public name is walked, and the classes' methods with them."""
    assert len(PUBLIC) == len(sg.__all__) - 1
    classes = [n for n in PUBLIC if inspect.isclass(getattr(sg, n))]
    assert len(OBJECTS) > len(PUBLIC) + len(classes), "public methods are missing"


@pytest.mark.parametrize("name", OBJECTS)
def test_numpydoc(name):
    errors = _errors(name)
    assert not errors, f"{name}:\n  " + "\n  ".join(errors)


def test_api_page_lists_every_public_name():
    """docs/api.md's autosummary tables name each public object by its top-level name."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s+spinglass_gan\.(\w+)\s*$", text, flags=re.MULTILINE))
    assert listed == set(PUBLIC), (
        f"missing from docs/api.md: {sorted(set(PUBLIC) - listed)}; "
        f"not public: {sorted(listed - set(PUBLIC))}"
    )
