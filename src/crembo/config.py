"""Presets, resolved once per fit into a frozen :class:`Config` (kept as ``config_``).

A preset names a value for every remedy of the original algorithm; a parameter left at None
takes the preset's value, ``selection="auto"`` the preset's threshold choice. Resolution
happens here and nowhere else: the grid of shrinkage strengths λ (what the student and the
selection allow: only a tree student is shrunk, and a selection that cannot choose λ gets the
preset's first), the tie-break (what the student allows, see
:func:`crembo.students.protocol.resolve_tie_break`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crembo._compat import validate_params
from crembo.selection import HoldOut, Selection, StableOneSE, as_selection
from crembo.students.protocol import resolve_tie_break

#: Remedies of the original algorithm (see docs/results.md); ``"paper"`` turns all off.
PRESETS = {
    "paper": {
        "honest_belief": False,
        "depth_quantile": 0.0,
        "augment": 0.0,
        "tie_break": "index",
        "shrinkage": 0.0,
        "selection": HoldOut(validation_size=0.15),
    },
    # Chosen from the ablation in docs/results.md (fair protocol, 5 repeats x 10 folds): the
    # student breaks ties between allowed classes by the teacher's belief in its leaf, one
    # MUNGE row per training row joins the search with the teacher's belief, and θ is chosen
    # by 5-fold cross-validation (one-standard-error rule toward the deeper threshold), the
    # final student fitted on all rows. With the forest teacher it beat the better of BM and
    # VT on 6 of 7 data sets, by 2.7 points on average (1.0 without digits), never more than
    # 0.32 behind; it does not win agreement (3 of 7), nor with the paper's net. The k-fold
    # choice scores every (fold, candidate) of a plain tree student in one batched pass
    # (docs/performance.md, "The default's search"); other students fit at most 24
    # candidates per fold.
    "robust": {
        "honest_belief": False,
        "depth_quantile": 0.0,
        "augment": 1.0,
        "tie_break": "belief",
        # λ chosen beside θ (SHRINKAGE_GRID): on the nineteen sets of the suite (3 repeats x
        # 10 folds, forest teacher) agreement +1.1 points over λ = 0 at the same accuracy
        # (+0.1); docs/results.md, "The benchmark suite against the peers"
        "shrinkage": "auto",
        # (θ, λ) chosen on the in-fit stability estimate: the most stable pair within two
        # standard errors of the best k-fold accuracy. On the nineteen sets (1 repeat) it
        # gave agreement +1.45 points over the one-SE rule (higher on 14 of 19) for accuracy
        # -0.29, at the same fit cost; docs/results.md, "Stability measured in every fit"
        "selection": StableOneSE(n_splits=5, width=2.0),
    },
}

#: ``shrinkage="auto"``: the hierarchical-shrinkage strengths λ scored beside each θ (the grid
#: of imodels' ``HSTreeClassifierCV``, with 0 for the plain tree).
SHRINKAGE_GRID = (0.0, 0.1, 1.0, 10.0, 50.0, 100.0, 500.0)


@dataclass(frozen=True)
class Config:
    """Everything a fit resolved from its preset and parameters.

    Attributes
    ----------
    preset : str
    honest_belief : bool or "oob"
    depth_quantile : float
    augment : float
    augment_from_preset : bool
        Whether ``augment`` came from the preset (dropped when a belief is given).
    tie_break : {"index", "belief"}
        How the student breaks ties (a native allowed-label student's own).
    shrinkage : tuple of float
        Hierarchical-shrinkage strengths λ the selection chooses from (one value: fixed);
        ``(0.0,)`` for a student that is not a decision tree unless a λ was given.
    selection : Selection or None
        How θ is chosen (None for MEMO, which keeps θ*).
    """

    preset: str
    honest_belief: bool | str
    depth_quantile: float
    augment: float
    augment_from_preset: bool
    tie_break: str
    selection: Selection | None
    shrinkage: tuple = (0.0,)


def resolve_config(estimator) -> Config:
    """The :class:`Config` of an estimator's parameters.

    The parameters are checked first, by the one call of scikit-learn's validation against
    the estimator's ``_parameter_constraints`` (the message names the parameter and what it
    accepts); what the constraints cannot say (a λ grid's values, a tie-break against the
    student, λ against the selection) is checked here.

    Returns
    -------
    Config
    """
    validate_params(estimator)
    preset = getattr(estimator, "preset", "paper")
    values = PRESETS[preset]

    def pick(name):
        value = getattr(estimator, name)
        return values[name] if value is None else value

    honest, alpha, augment, tie_break = (
        pick(n) for n in ("honest_belief", "depth_quantile", "augment", "tie_break")
    )
    student = _student(estimator)
    tie_break = resolve_tie_break(student, estimator.tie_break, tie_break)
    selection = None
    if hasattr(estimator, "selection"):
        selection = as_selection(estimator.selection, values["selection"])
    shrinkage = _shrinkage(estimator, student, values["shrinkage"], selection)
    return Config(
        preset=preset,
        honest_belief=honest if honest == "oob" else bool(honest),
        depth_quantile=float(alpha),
        augment=float(augment),
        augment_from_preset=estimator.augment is None,
        tie_break=tie_break,
        selection=selection,
        shrinkage=shrinkage,
    )


def _student(estimator):
    """The student a fit will use (None: the default depth-4 tree)."""
    from crembo.fit import default_student

    student = getattr(estimator, "student", None)
    return default_student() if student is None else student


def _shrinkage(estimator, student, preset_value, selection) -> tuple:
    """The λ the selection chooses from: "auto" (or the preset's grid) only for a
    decision-tree student, and only the first λ for a selection that cannot choose one."""
    from sklearn.tree import DecisionTreeClassifier

    given = getattr(estimator, "shrinkage", None)
    grid = _shrinkage_grid(given, preset_value)
    if not isinstance(student, DecisionTreeClassifier) and given in (None, "auto"):
        return (0.0,)  # shrinkage rewrites tree node values: other students have none
    if selection is not None and not selection.chooses_shrinkage and len(grid) > 1:
        if given is None:
            return grid[:1]  # the preset's grid gives way to its first λ
        raise ValueError(
            f"selection={type(selection).__name__} chooses θ only: give a fixed shrinkage "
            "(a number), or choose it with HoldOut or KFoldOneSE."
        )
    return grid


def _shrinkage_grid(value, preset_value) -> tuple:
    """``shrinkage`` as the tuple of λ to choose from: a number, "auto" or a sequence."""
    from crembo.students.shrinkage import check_shrinkage

    value = preset_value if value is None else value
    if isinstance(value, str):
        if value != "auto":
            raise ValueError(
                f"shrinkage must be a number >= 0, 'auto' or a list of them; got {value!r}."
            )
        return SHRINKAGE_GRID
    if isinstance(value, list | tuple | np.ndarray):
        grid = tuple(sorted({check_shrinkage(v) for v in value}))
        if not grid:
            raise ValueError("shrinkage: give at least one value.")
        return grid
    return (check_shrinkage(value),)
