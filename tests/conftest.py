"""Shared parameter sets for the tests.

ACCEPTANCE_SETS are the (b, b1, kappa, x1) of the core-solver acceptance list:
two intervals at b = b1 = 1; b1 < b with one, two nearly touching and two
separated intervals; the paper's scale (p = q = 3, sigma_z = 1, kappa = 0.9:
b = 43.82, b1 = 2.324); and b << b1.
"""

import pytest

ACCEPTANCE_SETS = [
    (1.0, 1.0, 0.5, 3.0),
    (1.0, 0.5, 0.9, 1.1),
    (1.0, 0.5, 0.9, 1.5),
    (1.0, 0.5, 0.9, 4.0),
    (43.82, 2.324, 0.9, -15.0),
    (43.82, 2.324, 0.9, 0.0),
    (43.82, 2.324, 0.9, 10.0),
    (0.03, 3.16, 0.5, 4.0),
]

# Number of support intervals of each acceptance set (checked against samples).
N_INTERVALS = [2, 1, 2, 2, 1, 1, 1, 1]


@pytest.fixture(params=ACCEPTANCE_SETS, ids=lambda s: "b{}-b1{}-k{}-x1{}".format(*s))
def acceptance_set(request):
    return request.param
