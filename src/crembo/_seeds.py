"""Seeds drawn from a ``random_state``: one bound, one way to hand them on."""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_SEED", "seeded"]

#: Seeds are drawn in ``[0, MAX_SEED)``: every library takes a 32-bit signed seed.
MAX_SEED = int(np.iinfo(np.int32).max)


def seeded(estimator, seed):
    """Give an estimator our seed when its own random_state is left to chance."""
    params = estimator.get_params(deep=False)
    if "random_state" in params and params["random_state"] is None:
        estimator.set_params(random_state=int(seed))
    return estimator
