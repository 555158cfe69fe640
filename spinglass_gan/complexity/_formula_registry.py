"""The registry of Kac-Rice formulas (private; see ``formulas``): register a formula
class by name, and find the class for a name, for a set of constants or for the
metadata of a saved result.

The registry itself, ``FORMULAS``, and the base class are in ``_formula_base``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._formula_base import DEFAULT_FORMULA, FORMULAS, KacRiceFormula


def register_formula(cls: type[KacRiceFormula]) -> type[KacRiceFormula]:
    """Make a formula class available by its ``name`` (usable as a decorator).

    The one argument, ``cls``, is a subclass of :class:`KacRiceFormula` with a
    non-empty ``name``; afterwards ``GanSpinGlass(..., formula=cls.name)`` uses it,
    and a formula registered later under the same name replaces the earlier one.
    (``cls`` is described here rather than under Parameters because numpydoc
    takes a first argument named ``cls`` for the implicit one of a classmethod.)

    Returns
    -------
    type
        ``cls`` itself.

    Raises
    ------
    ValueError
        If ``cls`` is not a :class:`KacRiceFormula` subclass or has no name.
    """
    if not (isinstance(cls, type) and issubclass(cls, KacRiceFormula)):
        raise ValueError(f"formula must be a KacRiceFormula subclass, got {cls!r}")
    if not isinstance(cls.name, str) or not cls.name:
        raise ValueError("formula must have a non-empty name")
    FORMULAS[cls.name] = cls
    return cls


def formula_class(name: object) -> type[KacRiceFormula]:
    """The registered formula class called ``name`` (ValueError naming ``formula`` if none)."""
    if not isinstance(name, str) or name not in FORMULAS:
        known = ", ".join(repr(n) for n in FORMULAS)
        raise ValueError(f"formula must be one of {known} or a KacRiceFormula, got {name!r}")
    return FORMULAS[name]


def formula_for_constants(constants: object) -> type[KacRiceFormula]:
    """The registered formula whose constants these are: by type, or for a mapping of
    fields (metadata) by the field names.

    Parameters
    ----------
    constants : object
        A constants instance or a dict of its fields.

    Returns
    -------
    type
        The most recently registered formula whose ``constants_class`` matches.
    """
    for cls in reversed(list(FORMULAS.values())):
        if isinstance(constants, Mapping):
            fields = {f.name for f in dataclasses.fields(cls.constants_class)}
            if set(constants) == fields:
                return cls
        elif type(constants) is cls.constants_class:
            return cls
    for cls in reversed(list(FORMULAS.values())):
        if isinstance(constants, cls.constants_class):
            return cls
    raise ValueError(
        f"constants must be the constants of a registered formula, got {type(constants).__name__}"
    )


def formula_of_metadata(meta: Mapping[str, Any]) -> type[KacRiceFormula]:
    """The formula class that wrote ``meta``.

    Its "formula" names it; without one (files written before the model's own
    formula existed), the formula whose constants "constants" lists; without
    either, the default, as in the constructor of
    :class:`~spinglass_gan.complexity.model.GanSpinGlass`.

    Parameters
    ----------
    meta : mapping
        Metadata of a saved result (:meth:`GanSpinGlass.metadata` or a figure's).

    Returns
    -------
    type
    """
    if "formula" in meta:
        return formula_class(meta["formula"])
    if meta.get("constants") is not None:
        return formula_for_constants(meta["constants"])
    return formula_class(DEFAULT_FORMULA)


def resolve_formula(formula: object, constants: Any = None) -> KacRiceFormula:
    """An (unbound) formula instance from a name, an instance or a class.

    Parameters
    ----------
    formula : str, KacRiceFormula or KacRiceFormula subclass
        None is refused.
    constants : optional
        Passed to a formula built here from a name or class.

    Returns
    -------
    KacRiceFormula
    """
    if isinstance(formula, KacRiceFormula):
        return formula
    if isinstance(formula, type) and issubclass(formula, KacRiceFormula):
        return formula(constants)
    return formula_class(formula)(constants)
