"""__TITLE__: the reference solution of the problem of the day ``__ID__``.

Readers see this function as the solution, and its results fill the worked
test-case table, so write it to be read: plain numpy, with the math and the
conventions in the docstring.
"""

from __future__ import annotations

import numpy as np


def __MODULE__(x) -> list[float]:
    """Replace with the reference solution.

    x: shape (n,), the input numbers. This placeholder returns them unchanged.
    """
    return np.asarray(x, dtype=float).tolist()
