"""Warnings, not silence: fitted models whose threshold or depth says little.

Two outcomes of a fit look like success and are not:

- a **vacuous depth**: ``depth_`` below :data:`VACUOUS_DEPTH` (a LightGBM teacher gives
  3.5e-05), i.e. at some training row the student predicts a class the teacher all but rules
  out, so the robustness statement "the student agrees with labels the teacher believes in
  at level ``depth_``" holds for any student;
- a **degenerate threshold**: the chosen θ leaves most rows (more than
  :data:`MAX_UNLABELLED_SHARE`) without any allowed label (the teacher's largest belief there
  is below θ), so the student was fitted mostly to all-zero targets.

:func:`check_fitted_model` names them; :func:`warn_fitted_model` raises them as
:class:`DegenerateThresholdWarning` at the end of a fit.
"""

from __future__ import annotations

import warnings

import numpy as np

#: ``depth_`` below this says nothing about the student.
VACUOUS_DEPTH = 1e-3
#: Share of rows without any allowed label above which θ is degenerate.
MAX_UNLABELLED_SHARE = 0.5


class DegenerateThresholdWarning(UserWarning):
    """A fitted model whose depth is vacuous or whose θ leaves most rows without a label."""


def check_fitted_model(model, belief=None) -> list[str]:
    """What is wrong with a fitted CREMBO / MEMO model, one sentence per problem.

    Parameters
    ----------
    model : fitted CREMBOClassifier or MEMOClassifier
        Reads ``depth_``, ``threshold_`` and, where present, ``memo_threshold_``.
    belief : array-like of shape (n_rows, n_classes), optional
        The belief the threshold was chosen on (the fit's sample): needed for the share of
        rows without an allowed label; without it only the depth is checked.

    Returns
    -------
    problems : list of str
        Empty when nothing is wrong.
    """
    problems = []
    depth = getattr(model, "depth_", None)
    if depth is not None and np.isfinite(depth) and depth < VACUOUS_DEPTH:
        problems.append(
            f"depth_ = {depth:.2g} is vacuous (below {VACUOUS_DEPTH:g}): at some training row "
            "the student predicts a class the teacher all but rules out, so the depth "
            "guarantees nothing. Teachers with near-0/1 probabilities (boosted trees such as "
            "LightGBM or XGBoost) do this; try depth_quantile=0.01 (let 1 % of the rows "
            "disagree), a random-forest teacher (vote shares), or a calibrated teacher."
        )
    theta = getattr(model, "threshold_", None)
    if belief is not None and theta is not None:
        b = np.asarray(belief, dtype=np.float64)
        share = float(np.mean(b.max(axis=1) < theta)) if b.size else 0.0
        if share > MAX_UNLABELLED_SHARE:
            memo = getattr(model, "memo_threshold_", None)
            lower = "" if memo is None else f" (MEMO's θ* = {memo:.3g})"
            problems.append(
                f"θ = {theta:.3g} leaves {share:.0%} of the rows without any allowed label "
                "(the teacher's largest belief there is below θ), so the student was fitted "
                "mostly to empty targets and predicts those rows arbitrarily. Compare it with "
                f"a plain tree; a lower threshold{lower}, preset='robust' (θ by "
                "cross-validation) or a teacher with more confident beliefs may do better."
            )
    return problems


def warn_fitted_model(model, belief=None, stacklevel: int = 3) -> list[str]:
    """:func:`check_fitted_model`, each problem raised as a :class:`DegenerateThresholdWarning`.

    ``stacklevel=3`` points at the caller of the estimator's ``fit``.
    """
    problems = check_fitted_model(model, belief)
    for text in problems:
        warnings.warn(f"{type(model).__name__}: {text}", DegenerateThresholdWarning, stacklevel)
    return problems
