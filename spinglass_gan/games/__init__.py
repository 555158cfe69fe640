"""Spherical spin-glass games: K players on their own spheres sharing one field.

``SpinGlassGame`` is the specification ``complexity.GameSpec`` with what is
computed from it: the complexity Theta (``complexity``), the exact finite-N
Kac-Rice count and sampled instances with all their critical points
(``landscapes``).  Nothing below imports this layer.

Modules
-------
``game``
    Spherical spin-glass games: the user-facing class.
"""

from .game import SpinGlassGame

__all__ = [
    "SpinGlassGame",
]
