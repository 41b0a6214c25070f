"""The methods the experiments compare, by name: BM, VT, CREMBO and its variants, the peers.

A *method* is built from a (usually already fitted) teacher, an unfitted student and a seed:
``METHODS[name](teacher, student, random_state, **options)`` returns an unfitted estimator.
:data:`METHODS` is declared here once and read-only; an experiment that compares more
(a benchmark's levers, a test's broken method) passes them as ``extra_methods`` of its
:class:`~crembo.experiments.protocol.Protocol`, for that run only.

``CREMBO`` is the paper's algorithm (``preset="paper"``), ``CREMBO-robust`` what
``CREMBOClassifier()`` fits by default. The paper's method keeps its short name: it is the
``method`` column of every stored ``records.csv`` and the ``methods`` of every ``run.json``
that a rerun compares before resuming, and the row name of the tables in ``docs/results.md``
(with the commands that made them); renaming it would make those runs unresumable and those
commands print other tables. Every place that lists the methods says which is which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from types import MappingProxyType

from sklearn.base import clone
from sklearn.tree import DecisionTreeClassifier

from crembo.choices import DEFAULT_METHODS
from crembo.estimator import PRESETS, CREMBOClassifier, SurrogateClassifier
from crembo.peers import PEERS
from crembo.selection import HoldOut, KFoldOneSE, ProxyChoice, StableOneSE
from crembo.teachers import make_teacher, resolve_class_weight

__all__ = [
    "ABLATION",
    "CV5",
    "METHODS",
    "REFIT",
    "STUDENT_CLASSES",
    "check_methods",
    "default_max_candidates",
    "make_student",
    "tabular_methods",
]

MethodBuilder = Callable[..., object]


def make_student(class_weight="balanced", random_state=None, max_depth: int = 4):
    """The paper's student: a decision tree of depth 4."""
    return DecisionTreeClassifier(
        max_depth=max_depth,
        class_weight=resolve_class_weight(class_weight),
        random_state=random_state,
    )


#: The k-fold choice as the ablation measured it: a fit per fold and candidate, every candidate.
CV5 = KFoldOneSE(5, batched=False, max_swept=None, max_search_rows=None)
REFIT = HoldOut(refit=True)


def _stability_screen() -> dict:
    """The variants of issue 20's screen: the stable rule at several window widths, and the
    levers (three MUNGE rows per row, out-of-bag belief, index tie-break) with and without it."""
    robust = {"preset": "robust", "shrinkage": "auto"}
    levers = {
        "": {},
        "+aug3": {"augment": 3.0},
        "+oob": {"honest_belief": "oob"},
        "+aug3+oob": {"augment": 3.0, "honest_belief": "oob"},
        "+tie-index": {"tie_break": "index"},
    }
    out = {}
    for width in (0.5, 1.0, 2.0, 3.0):
        rule = {"selection": StableOneSE(5, width=width)}
        for lever, options in levers.items():
            w = "" if width == 1 else f"-w{width:g}"
            out[f"CREMBO-stable{w}{lever}"] = {**robust, **options, **rule}
    for rows in ("all", "synthetic"):  # the same choice, the estimate on other rows
        selection = KFoldOneSE(5, stability_rows=rows)
        out[f"CREMBO-robust+hs@{rows}"] = {**robust, "selection": selection}
    for lever, options in levers.items():
        if lever:
            out[f"CREMBO-robust+hs{lever}"] = {**robust, **options, "selection": KFoldOneSE(5)}
    return out


#: CREMBO with the remedies of the original algorithm, alone and combined (the ablation of
#: docs/results.md). Honest beliefs need the teacher fitted inside CREMBO (out-of-bag votes,
#: cross-fitted probabilities), so those variants get an unfitted copy with the same seed,
#: which fits to the same teacher.
ABLATION = MappingProxyType(
    {
        "CREMBO+oob": {"honest_belief": True},
        "CREMBO+q05": {"depth_quantile": 0.05},
        "CREMBO+cv5": {"selection": CV5},
        "CREMBO+aug": {"augment": 1.0},
        "CREMBO+oob+refit": {"honest_belief": True, "selection": REFIT},
        "CREMBO+oob+refit+aug": {"honest_belief": True, "selection": REFIT, "augment": 1.0},
        "CREMBO+oob+refit+q05": {
            "honest_belief": True,
            "selection": REFIT,
            "depth_quantile": 0.05,
        },
        "CREMBO+oob+cv5": {"honest_belief": True, "selection": CV5},
        "CREMBO+tie": {"tie_break": "belief"},
        "CREMBO+aug+cv5": {"augment": 1.0, "selection": CV5},
        "CREMBO+tie+cv5": {"tie_break": "belief", "selection": CV5},
        "CREMBO+tie+aug": {"tie_break": "belief", "augment": 1.0},
        "CREMBO+tie+aug+cv5": {"tie_break": "belief", "augment": 1.0, "selection": CV5},
        "CREMBO+oob+tie+cv5": {"honest_belief": True, "tie_break": "belief", "selection": CV5},
        # out-of-bag votes for a forest, the plain belief for other teachers
        "CREMBO+oob+tie+aug+cv5": {
            "honest_belief": "oob",
            "tie_break": "belief",
            "augment": 1.0,
            "selection": CV5,
        },
        "CREMBO+tie+aug3+cv5": {"tie_break": "belief", "augment": 3.0, "selection": CV5},
        "CREMBO-robust": {"preset": "robust"},
        # the robust preset before shrinkage joined it (measured as CREMBO-robust in runs/suiteA)
        "CREMBO-robust-hs0": {"preset": "robust", "shrinkage": 0.0},
        # hierarchical shrinkage chosen beside θ on the k-fold validation (issue 12's lever);
        # the one-SE rule pinned: the robust preset's choice before the stability rule
        "CREMBO-robust+hs": {
            "preset": "robust",
            "shrinkage": "auto",
            "selection": KFoldOneSE(5),
        },
        # the one-SE rule takes the strongest λ first, then the deepest θ at it
        "CREMBO-robust+hsλ": {
            "preset": "robust",
            "shrinkage": "auto",
            "selection": KFoldOneSE(5, prefer="shrinkage"),
        },
        # issue 20: (θ, λ) chosen on the in-fit stability estimate (StableOneSE), alone and
        # with the levers of the stability screen (docs/results.md, "Stability chosen on")
        **_stability_screen(),
    }
)


#: The k-fold choice of the students other than a tree, which fit one student per fold and
#: candidate (no batched pass): at most 4 candidates from θ* up, evenly in rank, per fold, on
#: at most 1,000 rows (stratified; the final student is fitted on all rows), so that a unit
#: of the suite costs a few dozen student fits on at most that many rows.
KFOLD_FITTED = KFoldOneSE(5, max_swept=4, max_search_rows=1000)


class _OtherStudent:
    """The default CREMBO (robust preset) with ``make(random_state)`` as its student instead
    of the experiment's tree, its candidates capped (``selection``, :data:`KFOLD_FITTED` by
    default)."""

    def __init__(self, make, selection=KFOLD_FITTED, **options):
        self.make, self.selection, self.options = make, selection, options

    def __call__(self, teacher, student, rs, max_candidates=None, **_):
        return CREMBOClassifier(
            teacher,
            self.make(rs),
            selection=self.selection,
            max_candidates=max_candidates,
            random_state=rs,
            **self.options,
        )


def _sum_of_trees(rs, **options):
    from crembo.students.sum_of_trees import SumOfTreesStudent

    return SumOfTreesStudent(max_splits=15, max_depth=4, random_state=rs, **options)


def _sum_screen() -> dict:
    """Levers on the sum of trees' agreement (issue 21's screen; docs/results.md): ties
    between allowed classes broken by the teacher's belief, the trees fitted to the belief
    instead of ``Y_θ``, no MUNGE rows, θ chosen by the default tree's rule (the sum fitted once)."""
    return {
        "CREMBO-sum+tie": _OtherStudent(partial(_sum_of_trees, tie_break="belief")),
        "CREMBO-sum+belief": _OtherStudent(partial(_sum_of_trees, target="belief")),
        "CREMBO-sum+allowed-belief": _OtherStudent(partial(_sum_of_trees, target="allowed_belief")),
        "CREMBO-sum+aug0": _OtherStudent(_sum_of_trees, augment=0.0),
        # θ chosen as the default tree's (batched, StableOneSE width 2), the sum fitted once
        "CREMBO-sum+proxy": _OtherStudent(_sum_of_trees, ProxyChoice()),
    }


def _exact_tree(rs, max_depth=4, cost="violation"):
    from crembo.students.optimal import OptimalAllowedLabelTree

    return OptimalAllowedLabelTree(max_depth=max_depth, cost=cost, n_thresholds=4, time_limit=2)


#: CREMBO with a student of another model class (issue 21): ``CREMBO-sum``, a sum of trees
#: with at most 15 splits in all and depth 4 (FIGS's class, :mod:`crembo.students.sum_of_trees`);
#: ``CREMBO-opt``, the exact allowed-label tree of depth 4 (STreeD on at most 4 thresholds per
#: feature, 2 s per fit, the greedy tree's cost as its upper bound and its tree at a time-out)
#: with the same capped choice, so that a unit of the suite stays near a minute;
#: ``CREMBO-opt-proxy``, the same exact student with the choice made by the greedy tree
#: (:class:`~crembo.selection.ProxyChoice`) and the student fitted once.
STUDENT_CLASSES = MappingProxyType(
    {
        "CREMBO-sum": _OtherStudent(_sum_of_trees),
        "CREMBO-opt": _OtherStudent(_exact_tree),
        # the stability-aware choice (issue 20) with the same cap: the most stable candidate
        # within one standard error of the most accurate
        "CREMBO-sum-stable": _OtherStudent(
            _sum_of_trees, StableOneSE(5, max_swept=4, max_search_rows=1000)
        ),
        # the exact tree fitted once: the default's choice (the robust preset's StableOneSE,
        # batched) made with the greedy depth-4 tree as a stand-in, then one STreeD search
        # on every row at the chosen θ (instead of ~21 per fit)
        "CREMBO-opt-proxy": _OtherStudent(_exact_tree, ProxyChoice()),
        # the same with CREMBO-opt's rule (one-SE toward the deeper θ; batched, uncapped):
        # against CREMBO-opt it measures the proxy alone, against CREMBO-opt-proxy the rule
        "CREMBO-opt-proxy-1se": _OtherStudent(_exact_tree, ProxyChoice(KFoldOneSE(5))),
        # and at depth 3 (at most 8 leaves, the leaf-penalized peers' size): do fewer leaves
        # buy the agreement the depth-4 exact tree lacks?
        "CREMBO-opt3-proxy-1se": _OtherStudent(
            partial(_exact_tree, max_depth=3), ProxyChoice(KFoldOneSE(5))
        ),
        # the exact tree fitted to the belief on the allowed classes (renormalized per row),
        # the target that lifted the sum of trees' agreement (the lead's screen)
        "CREMBO-opt-proxy-1se+allowed-belief": _OtherStudent(
            partial(_exact_tree, cost="allowed_belief"), ProxyChoice(KFoldOneSE(5))
        ),
        # both levers: depth 3 and the allowed-belief cost
        "CREMBO-opt3-proxy-1se+allowed-belief": _OtherStudent(
            partial(_exact_tree, max_depth=3, cost="allowed_belief"), ProxyChoice(KFoldOneSE(5))
        ),
        **_sum_screen(),
    }
)


def _teacher(teacher, student, rs, **_):
    return teacher


def _bm(teacher, student, rs, **_):
    return clone(student).set_params(random_state=rs)


def _vt(teacher, student, rs, **_):
    return SurrogateClassifier(teacher, student, random_state=rs)


def _crembo(teacher, student, rs, max_candidates=None, **_):
    return CREMBOClassifier(
        teacher, student, preset="paper", max_candidates=max_candidates, random_state=rs
    )


def _crembo_refit(teacher, student, rs, max_candidates=None, **_):
    return CREMBOClassifier(
        teacher,
        student,
        preset="paper",
        selection=HoldOut(refit=True),
        max_candidates=max_candidates,
        random_state=rs,
    )


class _Variant:
    """CREMBO (``preset="paper"`` unless the options say otherwise) with ``options``."""

    def __init__(self, options):
        self.options = options

    def __call__(self, teacher, student, rs, max_candidates=None, **_):
        params = {"preset": "paper", **self.options}
        honest = params.get("honest_belief", PRESETS[params["preset"]]["honest_belief"])
        return CREMBOClassifier(
            clone(teacher) if honest else teacher,
            student,
            max_candidates=max_candidates,
            random_state=rs,
            **params,
        )


#: name -> ``builder(teacher, student, random_state, **options)`` -> unfitted estimator. The
#: teacher passed is normally fitted already, so the methods that use it share one fit per
#: fold. ``options`` carries protocol settings (``max_candidates``); builders ignore the rest.
#: The peers (:data:`crembo.peers.PEERS`) import their libraries when one is built.
METHODS: Mapping[str, MethodBuilder] = MappingProxyType(
    {
        "teacher": _teacher,
        "BM": _bm,
        "VT": _vt,
        "CREMBO": _crembo,
        "CREMBO-refit": _crembo_refit,
        **{name: _Variant(options) for name, options in ABLATION.items()},
        **STUDENT_CLASSES,
        **PEERS,
    }
)


def check_methods(methods, extra=()) -> tuple[str, ...]:
    """Validate a list of method names (of :data:`METHODS` or ``extra``); ``teacher`` first."""
    if isinstance(methods, str):
        methods = [m.strip() for m in methods.split(",") if m.strip()]
    methods = list(dict.fromkeys(methods))
    unknown = [m for m in methods if m not in METHODS and m not in extra]
    if unknown:
        known = [*METHODS, *(m for m in extra if m not in METHODS)]
        raise ValueError(f"methods: unknown {unknown}; known: {', '.join(known)}.")
    if not methods:
        raise ValueError("methods: give at least one method.")
    return tuple(["teacher"] + [m for m in methods if m != "teacher"])


def default_max_candidates(teacher: str):
    """Cap on CREMBO's candidate thresholds: none for the forest (at most 101 vote levels),
    100 for the net, whose probabilities give about one distinct value per row and class."""
    return None if teacher == "rf" else 100


def tabular_methods(
    teacher: str = "rf",
    class_weight="balanced",
    random_state=None,
    methods=DEFAULT_METHODS,
    max_candidates="auto",
) -> dict:
    """Unfitted estimators of the paper's tabular comparison, keyed by method name.

    Parameters
    ----------
    teacher : {"rf", "nn"}, default="rf"
    class_weight : {"balanced", "none"} or None, default="balanced"
        Class weights of every tree and forest (the paper used ``"balanced"``).
    random_state : int or None, default=None
    methods : sequence of str, default=DEFAULT_METHODS
    max_candidates : int, None or "auto", default="auto"
        Cap on CREMBO's candidate thresholds; "auto" is :func:`default_max_candidates`.

    Returns
    -------
    dict of str -> estimator
        ``teacher`` is the unfitted teacher; the others hold an unfitted copy of it (the
        experiments instead pass one fitted teacher to all of them).

    Examples
    --------
    >>> sorted(tabular_methods(random_state=0, methods=("BM", "VT")))
    ['BM', 'VT', 'teacher']
    """
    t = make_teacher(teacher, class_weight, random_state)
    s = make_student(class_weight, random_state)
    if max_candidates == "auto":
        max_candidates = default_max_candidates(teacher)
    return {
        m: METHODS[m](clone(t), s, random_state, max_candidates=max_candidates)
        for m in check_methods(methods)
    }
