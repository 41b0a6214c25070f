"""How CREMBO chooses its threshold: strategy objects with one method, ``choose``.

Why one file of more than 500 lines: the strategies share their row splits, folds, scoring
and ``SearchProblem``/``Choice``, and a saved model names its strategy's class by its path
(``crembo.selection.KFoldOneSE`` in ``config_``, on persist's allow-list): splitting them into
modules would move those paths. A new rule is one more subclass with a ``name``.

Each strategy runs MEMO for θ* and picks a threshold at or above it:

- :class:`HoldOut` (the paper): a stratified validation split scores every candidate;
- :class:`KFoldOneSE` (the default): k-fold mean score, one-standard-error rule toward the
  deeper θ, the final student fitted on all rows; with a plain decision-tree student every
  (fold, candidate) tree is grown in one batched pass, so it costs a few tree fits;
- :class:`Halving` (large data): successive halving over the candidates on a hold-out split;
- :class:`ProxyChoice` (slow students): any of these made with the greedy tree as a stand-in,
  the real student fitted once at the chosen threshold.

``selection`` of :class:`~crembo.CREMBOClassifier` takes an instance or its name.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from crembo._validation import check_fraction, check_int
from crembo.search import (
    Candidate,
    MemoResult,
    best_candidate,
    candidates_table,
    halving_sweep,
    memo,
    sweep,
    sweep_at,
    sweep_indices,
)
from crembo.stability import ESTIMATE_ROWS, fold_agreement, predictions_of
from crembo.students.sklearn import with_shrinkage


@dataclass
class SearchProblem:
    """What a strategy chooses from.

    Attributes
    ----------
    sample : crembo.oracle.Sample
        Every row (labelled, unlabelled, synthetic) with its belief; ``y = -1`` when unlabelled.
    thresholds : ndarray
        Sorted candidate thresholds Θ.
    oracle_for : crembo.oracle.OracleFactory
        ``oracle_for(rows, shrinkage=0.0)``: an oracle fitting on those rows of ``sample``
        (None: all), the student shrunk by λ.
    scorer : callable
        ``scorer(student, X, y) -> float``, higher is better.
    accuracy : bool
        Whether ``scorer`` is plain accuracy (the batched path computes it itself).
    delta : int
        Step of the sweep in candidate indices.
    n_jobs : int or None
    seed : int
        Seeds the splits and subsamples.
    shrinkage : tuple of float
        Hierarchical-shrinkage strengths λ to choose from beside θ (``oracle_for(rows, λ)``
        fits with λ), resolved by :func:`crembo.config.resolve_config` (one value unless the
        strategy's ``chooses_shrinkage``); MEMO's θ* is always certified on the unshrunk
        student (λ = 0).
    """

    sample: Any
    thresholds: np.ndarray
    oracle_for: Callable
    scorer: Callable
    accuracy: bool
    delta: int
    n_jobs: Any
    seed: int
    shrinkage: tuple = (0.0,)


@dataclass
class Choice:
    """What a strategy chose: the threshold, its student and how it got there."""

    threshold: float
    student: Any
    rows: np.ndarray  # rows of the sample the student was fitted on
    memo: MemoResult
    sweep: dict
    n_fits: int
    n_batched: int = 0
    n_search_rows: int = 0
    shrinkage: float = 0.0
    #: the chosen candidate's in-fit stability estimate (NaN: the strategy has none)
    stability: float = np.nan


#: The strategies by name, for ``selection="holdout"`` and so on: every subclass of
#: :class:`Selection` that names itself, registered when it is defined.
STRATEGIES: dict[str, type] = {}


class Selection:
    """Base of the strategies: ``choose(problem) -> Choice``.

    A strategy is a frozen dataclass with a ``name`` (``selection="name"`` builds it with
    its defaults; defining the class registers it in :data:`STRATEGIES`) and says whether it
    can choose the shrinkage λ beside θ (``chooses_shrinkage``; when not, the configuration
    gives it one λ).
    """

    name: ClassVar[str] = ""
    chooses_shrinkage: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name:
            if name in STRATEGIES:
                raise TypeError(f"selection: the name {name!r} is taken by {STRATEGIES[name]}.")
            STRATEGIES[name] = cls

    def choose(self, problem: SearchProblem) -> Choice:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class HoldOut(Selection):
    """Score every candidate from θ* up on a stratified validation split (the paper).

    Parameters
    ----------
    validation_size : float, default=0.15
        Share of the labelled rows held out; MEMO and the sweep fit on the rest.
    refit : bool, default=False
        Refit the chosen student on all rows (the validation rows included).

    Examples
    --------
    >>> from crembo.selection import HoldOut
    >>> HoldOut(validation_size=0.2)
    HoldOut(validation_size=0.2, refit=False)
    """

    validation_size: float = 0.15
    refit: bool = False
    name: ClassVar[str] = "holdout"

    def __post_init__(self):
        check_fraction("validation_size", self.validation_size)

    def choose(self, problem):
        s = problem.sample
        train, val, search_rows = _holdout_rows(s.y, self.validation_size, problem.seed)
        oracle = problem.oracle_for(search_rows)
        result = memo(problem.thresholds, oracle)
        score = _bound(problem, val)
        plain = sweep(
            problem.thresholds,
            result.index,
            oracle,
            score,
            delta=problem.delta,
            first=result,
            n_jobs=problem.n_jobs,
        )
        # with n_jobs > 1 the sweep fits in copies of the oracle: count its candidates here
        n_fits = len(result.probes) + len(plain) - 1
        best = lam = table = None
        # the paper: λ = 0 alone; with a grid the best score wins, ties to the larger λ
        for shrinkage in problem.shrinkage:
            cands = plain if shrinkage == 0 else _at_shrinkage(plain, shrinkage, score, oracle)
            if cands is None:  # not an unshrunk tree student: fit with λ
                cands = sweep(
                    problem.thresholds,
                    result.index,
                    problem.oracle_for(search_rows, shrinkage),
                    score,
                    delta=problem.delta,
                    n_jobs=problem.n_jobs,
                )
                n_fits += len(cands)
            top = best_candidate(cands)
            if best is None or top.score >= best.score:
                best, lam = top, shrinkage
                table = candidates_table(cands, np.full(len(cands), np.nan))
        student, rows, refits = _refit(problem, self.refit, best, search_rows, lam)
        return Choice(
            best.threshold, student, rows, result, table, n_fits + refits, 0, search_rows.size, lam
        )


@dataclass(frozen=True)
class Halving(Selection):
    """MEMO on a subsample, then successive halving over the candidates, on a hold-out split.

    θ* is certified on ``eta**2`` times fewer rows (at least ``min_rows``; all rows when
    there are few); the candidates from θ* up are fitted on a small sample, the best
    ``1/eta`` kept on a sample ``eta`` times larger, and the winner refitted on all search
    rows (see :func:`crembo.search.halving_sweep`). On small data it is the exhaustive sweep.

    Parameters
    ----------
    eta : int, default=3
    min_rows : int, default=2000
    validation_size : float, default=0.15
    refit : bool, default=False
        Refit the winner on all rows, the validation rows included.

    Examples
    --------
    >>> from crembo.selection import Halving
    >>> Halving(eta=2).eta
    2
    """

    eta: int = 3
    min_rows: int = 2000
    validation_size: float = 0.15
    refit: bool = False
    name: ClassVar[str] = "halving"
    chooses_shrinkage: ClassVar[bool] = False

    def __post_init__(self):
        check_int("eta", self.eta, low=2)
        check_int("min_rows", self.min_rows, low=1)
        check_fraction("validation_size", self.validation_size)

    def choose(self, problem):
        s = problem.sample
        _, val, search_rows = _holdout_rows(s.y, self.validation_size, problem.seed)
        n = search_rows.size
        order = np.random.RandomState(problem.seed).permutation(n)
        n_memo = min(n, max(self.min_rows, int(np.ceil(n / self.eta**2))))
        memo_rows = search_rows if n_memo >= n else search_rows[np.sort(order[:n_memo])]
        memo_oracle = problem.oracle_for(memo_rows)
        result = memo(problem.thresholds, memo_oracle)

        def oracle_for(rows):
            rows = search_rows if rows is None else search_rows[rows]
            return problem.oracle_for(rows, problem.shrinkage[0])

        out = halving_sweep(
            problem.thresholds,
            result.index,
            oracle_for,
            _bound(problem, val),
            n_rows=n,
            delta=problem.delta,
            eta=self.eta,
            min_rows=self.min_rows,
            random_state=problem.seed,
            n_jobs=problem.n_jobs,
        )
        n_fits = memo_oracle.n_fits + out.n_fits
        table = candidates_table(out.candidates, np.full(len(out.candidates), np.nan))
        table["n_rows"] = out.n_rows
        lam = problem.shrinkage[0]
        student, rows, refits = _refit(problem, self.refit, out.best, search_rows, lam)
        return Choice(out.best.threshold, student, rows, result, table, n_fits + refits, 0, n, lam)


@dataclass(frozen=True)
class KFoldOneSE(Selection):
    """k-fold mean score per candidate, one-standard-error rule toward the deeper θ.

    MEMO runs on all rows; each candidate from θ* up is scored on the k folds of the
    labelled rows (unlabelled and synthetic rows always join the training side); the
    smallest θ whose mean score is within one standard error of the best is chosen, and
    the final student fitted there on all rows.

    Parameters
    ----------
    n_splits : int, default=5
    batched : {"auto", True, False}, default="auto"
        "auto": grow the (fold, candidate) trees in one pass of
        :func:`crembo.students.batched.grow_allowed_label_trees` when the student is a plain
        decision tree and ``scoring="accuracy"`` (binned splits, missing values below every
        value: a close proxy of the real trees, used only to score candidates; MEMO and the
        final student are real scikit-learn fits). False: a fit per fold and candidate
        (the original k-fold choice). True: batched, or an error when it cannot be.
    max_swept : int or None, default=24
        Without batching, at most this many candidates from θ* up (evenly in rank) are
        fitted per fold. None: all.
    max_batched : int, default=16
        Batched: candidates from θ* up (evenly in rank) in the first batch.
    refine : bool, default=True
        Batched: a second batch scores the candidates between the neighbours of the
        first batch's pick (at most ``max_batched // 2``), so that the choice is as fine
        as the candidate list where it matters.
    max_search_rows : int or None, default=20000
        Larger data are subsampled (stratified) to this many rows for the choice; the final
        student is fitted on all rows. None: never.
    prefer : {"threshold", "shrinkage"}, default="threshold"
        With a shrinkage grid: which conservative direction the one-SE rule takes first,
        the deepest θ or the strongest λ (see :func:`one_standard_error_choice_2d`).
    stability_rows : {"heldout", "all", "synthetic"}, default="heldout"
        The rows on which two fold students are compared for the in-fit stability
        estimate (``sweep_["stability"]``, ``stability_``): the union of the pair's held-out
        rows, every search row, or the unlabelled and synthetic rows
        (:func:`crembo.stability.fold_agreement`).

    Examples
    --------
    >>> from crembo.selection import KFoldOneSE
    >>> KFoldOneSE(n_splits=3, batched=False).n_splits
    3
    """

    n_splits: int = 5
    batched: bool | str = "auto"
    max_swept: int | None = 24
    max_batched: int = 16
    refine: bool = True
    max_search_rows: int | None = 20000
    prefer: str = "threshold"
    stability_rows: str = "heldout"
    name: ClassVar[str] = "kfold"

    def __post_init__(self):
        check_int("n_splits", self.n_splits, low=2)
        if not (self.batched == "auto" or isinstance(self.batched, bool)):
            raise ValueError(f"batched must be 'auto', True or False; got {self.batched!r}.")
        check_int("max_swept", self.max_swept, low=1, allow_none=True)
        check_int("max_batched", self.max_batched, low=2)
        check_int("max_search_rows", self.max_search_rows, low=100, allow_none=True)
        if self.prefer not in ("threshold", "shrinkage"):
            raise ValueError(f"prefer must be 'threshold' or 'shrinkage'; got {self.prefer!r}.")
        if self.stability_rows not in ESTIMATE_ROWS:
            raise ValueError(
                f"stability_rows must be one of {ESTIMATE_ROWS}; got {self.stability_rows!r}."
            )

    def choose(self, problem):
        s = problem.sample
        sub = None
        if self.max_search_rows is not None and s.n_rows > self.max_search_rows:
            sub = _stratified_subsample(s.y, self.max_search_rows, problem.seed)
        search = s if sub is None else s.rows(sub)

        def oracle_for(rows, shrinkage=0.0):
            if sub is None:
                return problem.oracle_for(rows, shrinkage)
            return problem.oracle_for(sub if rows is None else sub[rows], shrinkage)

        labelled = np.flatnonzero(search.y >= 0)
        unlabelled = np.flatnonzero(search.y < 0)
        folds = make_folds(search.y[labelled], self.n_splits, problem.seed)
        fold_rows = [(np.concatenate([labelled[tr], unlabelled]), labelled[te]) for tr, te in folds]
        oracle = oracle_for(None)
        use_batch = self.batched is not False and problem.accuracy and oracle.can_fit_many
        if self.batched is True and not use_batch:
            raise ValueError(
                "selection=KFoldOneSE(batched=True) needs a plain DecisionTreeClassifier "
                "student (gini, best splitter, integer max_depth, no NaN in X), "
                "scoring='accuracy' and crembo.students.batched."
            )
        grid = tuple(problem.shrinkage)
        if use_batch:
            result, idx, scores, stab, depths, n_fits, n_batched = self._batched(
                problem, search, oracle, fold_rows, grid
            )
        else:
            result, idx, scores, stab, n_fits = self._fitted(
                problem, search, oracle_for, fold_rows, grid
            )
            n_batched = 0
            depths = np.full(idx.size, np.nan)
            depths[0] = result.depth
        mean, se = _mean_se(scores)  # (candidates, λ)
        pick, lam_pick = self._pick(mean, se, stab)
        threshold = float(problem.thresholds[idx[pick]])
        lam = float(grid[lam_pick])
        student = result.student
        if pick != 0 or lam != 0 or sub is not None or student is None:
            final = problem.oracle_for(None, lam)
            # on every row: an oracle may grow a large sample's tree on binned features
            student = getattr(final, "fit_all", final.fit)(threshold)
            n_fits += 1
        table = {
            "threshold": problem.thresholds[idx].astype(float),
            "score": mean[:, lam_pick],
            "score_se": se[:, lam_pick],
            "depth": depths,
            "stability": stab[:, lam_pick],
        }
        if len(grid) > 1:  # one column per λ, so the table stays one row per candidate
            for j, lam_j in enumerate(grid):
                table[f"score@λ={lam_j:g}"] = mean[:, j]
                table[f"stability@λ={lam_j:g}"] = stab[:, j]
        rows = np.arange(s.n_rows)
        return Choice(
            threshold,
            student,
            rows,
            result,
            table,
            n_fits,
            n_batched,
            search.n_rows,
            lam,
            float(stab[pick, lam_pick]),
        )

    def _estimate(self, pred, fold_rows, search):
        """The stability estimate of every (candidate, λ) from the fold students'
        predictions on the search rows (:func:`crembo.stability.fold_agreement`)."""
        tests = [test for _, test in fold_rows]
        synthetic = np.flatnonzero(search.y < 0)
        return fold_agreement(pred, tests, self.stability_rows, synthetic)

    def _pick(self, mean, se, stability) -> tuple[int, int]:
        """``(candidate, λ)`` indices from the fold scores' mean and standard error and the
        stability estimate, each of shape (candidates, λ): the one-SE rule."""
        return one_standard_error_choice_2d(mean, se, self.prefer)

    def _fitted(self, problem, search, oracle_for, fold_rows, grid):
        """MEMO by bisection, then a fit per fold, (distinct) candidate and λ."""
        oracle = oracle_for(None)
        result = memo(problem.thresholds, oracle)
        idx = cap_evenly(
            sweep_indices(result.index, problem.thresholds.size, problem.delta), self.max_swept
        )
        scores = np.empty((len(fold_rows), idx.size, len(grid)))
        # every fold student's predictions on every search row, for the stability estimate
        pred = np.empty((len(fold_rows), idx.size, len(grid), search.n_rows), dtype=np.int32)
        n_fits = oracle.n_fits
        for f, (train, test) in enumerate(fold_rows):
            # thresholds with the same allowed labels on the fold's rows fit the same student
            keys = allowed_label_keys(search.belief[train], problem.thresholds[idx])
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            score = _bound(problem, test, search)
            base = None  # the λ = 0 students: one fit serves every λ of a tree student
            for j, shrinkage in enumerate(grid):
                fold = None if base is None else _at_shrinkage(base, shrinkage, score)
                if fold is None:
                    fold = sweep_at(
                        problem.thresholds,
                        idx[first],
                        oracle_for(train, shrinkage),
                        score,
                        n_jobs=problem.n_jobs,
                    )
                    n_fits += len(fold)
                    base = fold if shrinkage == 0 else base
                scores[f, :, j] = np.array([c.score for c in fold])[inverse]
                pred[f, :, j] = predictions_of([c.student for c in fold], search.X)[inverse]
        return result, idx, scores, self._estimate(pred, fold_rows, search), n_fits

    def _batched(self, problem, search, oracle, fold_rows, grid):
        """MEMO by bisection (real fits), then the fold trees of the candidates in batches.

        At most ``max_batched`` candidates from θ* up, evenly in rank, are scored in one
        batch (every fold and λ at once); with ``refine`` a second batch scores the
        candidates between the neighbours of the first batch's one-SE pick.
        """
        result = memo(problem.thresholds, oracle)
        every = sweep_indices(result.index, problem.thresholds.size, problem.delta)
        idx = cap_evenly(every, self.max_batched)
        masks = np.zeros((len(fold_rows), search.n_rows), dtype=bool)
        for f, (train, _) in enumerate(fold_rows):
            masks[f, train] = True
        scores, est = self._batch_scores(problem, search, oracle, idx, masks, fold_rows, grid)
        n_batches = 1
        if self.refine and idx.size < every.size:
            pick, _ = self._pick(*_mean_se(scores), est)
            lo = idx[max(pick - 1, 0)]
            hi = idx[min(pick + 1, idx.size - 1)]
            gap = every[(every > lo) & (every < hi) & ~np.isin(every, idx)]
            extra = cap_evenly(gap, max(1, self.max_batched // 2))
            if extra.size:
                more, more_est = self._batch_scores(
                    problem, search, oracle, extra, masks, fold_rows, grid
                )
                n_batches += 1
                idx = np.concatenate([idx, extra])
                scores = np.concatenate([scores, more], axis=1)
                order = np.argsort(idx)
                idx, scores = idx[order], scores[:, order]
                est = np.concatenate([est, more_est])[order]
        depths = np.full(idx.size, np.nan)
        depths[0] = result.depth
        return result, idx, scores, est, depths, oracle.n_fits, n_batches

    def _batch_scores(self, problem, search, oracle, idx, masks, fold_rows, grid):
        """Accuracy of every (fold, candidate, λ) tree on its fold's test rows, and the
        stability estimate of every (candidate, λ)."""
        batch = oracle.fit_many(problem.thresholds[idx], masks, shrinkage=grid)
        pred = np.asarray(batch.predict(search.X))
        if pred.ndim == 3:  # (masks, thresholds, rows): a batch without a λ axis
            pred = pred[:, :, None]
        scores = np.empty((len(fold_rows), idx.size, len(grid)))
        weight = None if search.count is None else search.count
        for f, (_, test) in enumerate(fold_rows):
            same = pred[f][:, :, test] == search.y[test]
            w = None if weight is None else weight[test]
            scores[f] = np.average(same, axis=2, weights=w)
        return scores, self._estimate(pred, fold_rows, search)


@dataclass(frozen=True)
class StableOneSE(KFoldOneSE):
    """The k-fold choice that chooses on stability: the most stable accurate candidate.

    The rule: among the (θ, λ) candidates whose k-fold mean accuracy is within ``width``
    standard errors of the best candidate's (the best's own standard error, as in the
    one-SE rule), the one whose fold students agree most (the in-fit stability estimate,
    :func:`crembo.stability.fold_agreement`, by default on the union of each pair's
    held-out rows);
    ties go to the deeper θ, then the stronger λ. With ``width=0`` it is the most accurate
    candidate. The estimate and the rule read only the fold students' predictions, so any
    student works (the batched trees, or a fit per fold and candidate).

    Parameters
    ----------
    width : float, default=1.0
        Width of the accuracy window, in standard errors of the best candidate's score.
    n_splits, batched, max_swept, max_batched, refine, max_search_rows, prefer, stability_rows
        As in :class:`KFoldOneSE` (``prefer`` orders ties).

    Examples
    --------
    >>> from crembo.selection import StableOneSE
    >>> StableOneSE(width=0.5).width
    0.5
    """

    width: float = 1.0
    name: ClassVar[str] = "stable"

    def __post_init__(self):
        super().__post_init__()
        w = self.width
        if isinstance(w, bool) or not (isinstance(w, numbers.Real) and np.isfinite(w) and w >= 0):
            raise ValueError(f"width must be a finite number >= 0; got {w!r}.")

    def _pick(self, mean, se, stability):
        return most_stable_choice(mean, se, stability, self.width, self.prefer)


@dataclass(frozen=True)
class ProxyChoice(Selection):
    """Choose θ with the greedy tree standing in for a slow student, then fit the student once.

    A student that is fitted once per fold and candidate (the exact tree of
    :mod:`crembo.students.optimal`: one STreeD search each) makes the k-fold choice cost
    dozens of its fits. Here the whole choice (MEMO and ``choice``'s sweep) is made with a
    greedy depth-d tree fitted to the same allowed labels, its (fold, candidate) trees grown
    in one batched pass, and the real student is fitted once, on every row, at the chosen θ.
    The threshold is the greedy tree's choice: MEMO's θ* (``memo_*``), the sweep
    (``sweep_``) and ``stability_`` describe the proxy; the final student is the real one.
    What it can cost: the real student may fit ``Y_θ`` below the proxy's θ*, where the
    proxy never looks, and the candidates are ranked by the greedy tree's fold scores.

    Parameters
    ----------
    choice : Selection, default=StableOneSE(5, width=2.0)
        How the proxy chooses θ (by default the robust preset's rule), at λ = 0.
    max_depth : int or None, default=None
        Depth of the proxy tree; None: the student's own ``max_depth``.
    tie_break : {"belief", "index"}, default="belief"
        How the proxy tree breaks ties between allowed classes (the robust preset's).

    Examples
    --------
    >>> from crembo.selection import ProxyChoice, KFoldOneSE
    >>> ProxyChoice(KFoldOneSE(5)).choice.name
    'kfold'
    """

    choice: Selection = StableOneSE(5, width=2.0)
    max_depth: int | None = None
    tie_break: str = "belief"
    name: ClassVar[str] = "proxy"
    chooses_shrinkage: ClassVar[bool] = False

    def __post_init__(self):
        if not isinstance(self.choice, Selection) or isinstance(self.choice, ProxyChoice):
            raise ValueError(
                "choice must be a HoldOut/KFoldOneSE/StableOneSE/Halving instance; "
                f"got {self.choice!r}."
            )
        check_int("max_depth", self.max_depth, low=1, allow_none=True)
        if self.tie_break not in ("belief", "index"):
            raise ValueError(f"tie_break must be 'belief' or 'index'; got {self.tie_break!r}.")

    def choose(self, problem):
        from dataclasses import replace

        from sklearn.tree import DecisionTreeClassifier

        from crembo.students.sklearn import AllowedLabelClassifier

        factory = problem.oracle_for
        tree = DecisionTreeClassifier(
            max_depth=self._depth(factory.learner), random_state=problem.seed
        )
        proxy = AllowedLabelClassifier(tree, tie_break=self.tie_break)
        stand_in = replace(problem, oracle_for=replace(factory, learner=proxy), shrinkage=(0.0,))
        choice = self.choice.choose(stand_in)
        lam = float(problem.shrinkage[0])
        final = factory(None, lam)
        student = getattr(final, "fit_all", final.fit)(choice.threshold)
        return replace(
            choice,
            student=student,
            rows=np.arange(problem.sample.n_rows),
            n_fits=choice.n_fits + 1,
            shrinkage=lam,
        )

    def _depth(self, learner) -> int:
        if self.max_depth is not None:
            return int(self.max_depth)
        params = learner.get_params()
        depth = params.get("max_depth", params.get("estimator__max_depth"))
        if isinstance(depth, numbers.Integral) and not isinstance(depth, bool) and depth >= 1:
            return int(depth)
        raise ValueError(
            f"selection=ProxyChoice(max_depth=None) takes the student's max_depth; "
            f"{type(learner).__name__} has none that is an integer (got {depth!r}): "
            "give ProxyChoice(max_depth=...)."
        )


def most_stable_choice(mean_scores, std_errors, stability, width=1.0, prefer="threshold"):
    """``(candidate, λ)``: the highest ``stability`` among the pairs whose mean score is within
    ``width`` standard errors of the best pair's; ties in the order of
    :func:`one_standard_error_choice_2d` (``prefer``). Pairs whose estimate is NaN count
    as the least stable; with no estimate at all it is the one-SE choice."""
    mean = np.asarray(mean_scores, dtype=float)
    se = np.asarray(std_errors, dtype=float)
    stab = np.asarray(stability, dtype=float)
    if mean.ndim == 1:
        mean, se, stab = mean[:, None], se[:, None], stab[:, None]
    best = np.unravel_index(int(np.argmax(mean)), mean.shape)
    ok = mean >= mean[best] - width * np.nan_to_num(se[best])
    if not np.isfinite(stab[ok]).any():
        return one_standard_error_choice_2d(mean, se, prefer)
    s = np.where(ok & np.isfinite(stab), stab, -np.inf)
    top = s == s.max()
    # ties: the deepest θ then the strongest λ, or the strongest λ then the deepest θ
    if prefer == "shrinkage":
        lam = int(np.flatnonzero(top.any(axis=0))[-1])
        return int(np.flatnonzero(top[:, lam])[0]), lam
    cand = int(np.flatnonzero(top.any(axis=1))[0])
    return cand, int(np.flatnonzero(top[cand])[-1])


def one_standard_error_choice_2d(mean_scores, std_errors, prefer="threshold") -> tuple[int, int]:
    """``(candidate, λ)`` by the one-standard-error rule over a grid of both.

    Among the pairs whose mean is within one standard error of the best pair's: with
    ``prefer="threshold"`` the deepest candidate (lowest index) and, at it, the strongest
    shrinkage (highest λ index); with ``prefer="shrinkage"`` the strongest λ first, then
    the deepest candidate at it. Both directions are the conservative ones. With one λ it is
    :func:`crembo.search.one_standard_error_choice`.
    """
    mean = np.asarray(mean_scores, dtype=float)
    se = np.asarray(std_errors, dtype=float)
    if mean.ndim == 1:
        mean, se = mean[:, None], se[:, None]
    # the best pair: highest mean, ties to the deeper candidate and then the weaker λ
    best = np.unravel_index(int(np.argmax(mean)), mean.shape)
    ok = mean >= mean[best] - se[best]
    if prefer == "shrinkage":
        lam = int(np.flatnonzero(ok.any(axis=0))[-1])
        return int(np.flatnonzero(ok[:, lam])[0]), lam
    cand = int(np.flatnonzero(ok.any(axis=1))[0])
    return cand, int(np.flatnonzero(ok[cand])[-1])


def _at_shrinkage(cands, lam, score, oracle=None):
    """``cands``' unshrunk tree students shrunk by ``lam`` (no refit: the splits do not
    depend on λ) and scored; their depth measured by ``oracle`` when given. None when a
    student is not an unshrunk tree (then fit with λ instead)."""
    students = [with_shrinkage(c.student, lam) for c in cands]
    if any(st is None for st in students):
        return None
    return [
        Candidate(
            c.index,
            c.threshold,
            st,
            c.depth if oracle is None else float(oracle.depth(st)),
            float(score(st)),
        )
        for c, st in zip(cands, students, strict=True)
    ]


def _mean_se(scores):
    return scores.mean(axis=0), scores.std(axis=0, ddof=1) / np.sqrt(scores.shape[0])


def as_selection(value, preset_selection: Selection) -> Selection:
    """A strategy from ``selection``: an instance, a name, or "auto" (the preset's)."""
    if isinstance(value, Selection):
        return value
    if isinstance(value, str) and value == "auto":
        return preset_selection
    if isinstance(value, str) and value in STRATEGIES:
        return STRATEGIES[value]()
    raise ValueError(
        "selection must be 'auto', one of "
        f"{sorted(STRATEGIES)} or a HoldOut/KFoldOneSE/StableOneSE/Halving/ProxyChoice instance; "
        f"got {value!r}."
    )


def cap_evenly(indices, cap):
    """At most ``cap`` of ``indices``, evenly in rank, first and last kept."""
    indices = np.asarray(indices)
    if cap is None or indices.size <= cap:
        return indices
    keep = np.unique(np.round(np.linspace(0, indices.size - 1, int(cap))).astype(int))
    return indices[keep]


def allowed_label_keys(belief, thresholds) -> np.ndarray:
    """One key per threshold, equal exactly when ``belief >= θ`` is the same matrix."""
    values = np.unique(belief)
    return np.searchsorted(values, thresholds, side="left")


def make_folds(y, k, seed):
    """The k folds of the labels (:func:`fold_splitter`), as (train, test) index pairs."""
    if y.size < k:
        raise ValueError(
            f"selection=KFoldOneSE(n_splits={k}) needs at least {k} labelled rows; got {y.size}."
        )
    return list(fold_splitter(y, k, seed).split(np.zeros(y.size), y))


def fold_splitter(y, k, seed):
    """Shuffled k folds, stratified when every class present has at least ``k`` rows."""
    from sklearn.model_selection import KFold, StratifiedKFold

    counts = np.unique(y, return_counts=True)[1]
    if counts.min() >= k:
        return StratifiedKFold(k, shuffle=True, random_state=seed)
    return KFold(k, shuffle=True, random_state=seed)


def _holdout_rows(y_all, validation_size, seed):
    """Labelled rows split into train and validation; the search rows add the unlabelled."""
    labelled = np.flatnonzero(y_all >= 0)
    train, val = _split(y_all[labelled], labelled, validation_size, seed)
    unlabelled = np.flatnonzero(y_all < 0)
    return train, val, np.concatenate([train, unlabelled])


def _split(y, rows, validation_size, seed):
    from sklearn.model_selection import train_test_split

    n_val = int(np.ceil(validation_size * y.size))
    n_classes = np.unique(y).size
    if n_val >= y.size:
        raise ValueError(
            f"validation_size={validation_size} leaves no training rows out of {y.size}."
        )
    if n_val < n_classes:
        raise ValueError(
            f"validation_size={validation_size} holds {n_val} of {y.size} rows, "
            f"too few for the {n_classes} classes; raise it or give more data."
        )
    counts = np.bincount(y)
    stratify = y if counts[counts > 0].min() >= 2 and y.size - n_val >= n_classes else None
    train, val = train_test_split(rows, test_size=n_val, stratify=stratify, random_state=seed)
    return np.sort(train), np.sort(val)


def _stratified_subsample(y, n_keep, seed):
    """Sorted rows: labelled ones stratified by class, unlabelled ones at the same rate."""
    rng = np.random.RandomState(seed)
    rate = n_keep / y.size
    keep = []
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        take = max(1, int(round(rate * rows.size))) if label >= 0 else int(rate * rows.size)
        keep.append(rng.choice(rows, size=min(take, rows.size), replace=False))
    return np.sort(np.concatenate(keep))


class _Bound:
    """``score(student)`` on fixed rows (holds only what parallel workers need), weighted by
    the rows' sample weights where the fit has them."""

    def __init__(self, scorer, X, y, weight=None):
        self.scorer, self.X, self.y, self.weight = scorer, X, y, weight

    def __call__(self, student):
        if self.weight is None:
            return self.scorer(student, self.X, self.y)
        return self.scorer(student, self.X, self.y, sample_weight=self.weight)


def _refit(problem, refit, best, search_rows, lam):
    """``(student, rows, fits)``: with ``refit``, ``best``'s threshold refitted on every row
    of the sample (one fit, unless the search rows were all of them already)."""
    rows = np.arange(problem.sample.n_rows)
    if not refit:
        return best.student, search_rows, 0
    if rows.size == search_rows.size:
        return best.student, rows, 0
    return problem.oracle_for(None, lam).fit(best.threshold), rows, 1


def _bound(problem, rows, sample=None):
    s = problem.sample if sample is None else sample
    weight = None if s.count is None else s.count[rows]
    return _Bound(problem.scorer, s.X[rows], s.y[rows], weight)


__all__ = [
    "Choice",
    "Halving",
    "HoldOut",
    "KFoldOneSE",
    "ProxyChoice",
    "SearchProblem",
    "Selection",
    "StableOneSE",
    "most_stable_choice",
]
