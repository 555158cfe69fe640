"""Sampled instances of the model and all their critical points.

``GanLandscape`` finds every critical point of one sampled instance;
``count_critical_points`` counts them over many instances.

Modules
-------
``counting``
    Numbers of critical points of sampled instances, averaged over many instances.
``critical_points``
    Critical points of a sampled GAN spin glass and the search that finds them all.
``game_counting``
    Numbers of critical points of sampled game instances, averaged over many
    instances.
``game_landscape``
    Sampled instances of spherical spin-glass games and all their critical points.
``landscape``
    Sampled instances of the GAN spin glass and all their critical points.
"""

from .counting import CriticalPointCounts, count_critical_points
from .critical_points import (
    D_INDEX,
    CriticalPoints,
    CriticalPointSearch,
    bezout_bound,
    euler_characteristic,
)
from .game_counting import GameCriticalPointCounts, count_game_critical_points
from .game_landscape import GameCriticalPoints, GameInstance
from .landscape import GanLandscape

__all__ = [
    "D_INDEX",
    "CriticalPointCounts",
    "CriticalPointSearch",
    "CriticalPoints",
    "GameCriticalPointCounts",
    "GameCriticalPoints",
    "GameInstance",
    "GanLandscape",
    "bezout_bound",
    "count_critical_points",
    "count_game_critical_points",
    "euler_characteristic",
]
