"""One unit of the DNN experiment: the teacher, then every student by every method."""

from __future__ import annotations

import time
import warnings

import numpy as np

from crembo.depth import clip_belief
from crembo.experiments.dnn.protocol import DISTILLED, DNNProtocol
from crembo.experiments.protocol import Unit, unit_seed
from crembo.experiments.store import STATUS_OK


def run_dnn_unit(X, y, unit: Unit, protocol: DNNProtocol, image_shape, device="auto", y_train=None):
    """Train the teacher and every student of one unit.

    ``y_train`` (default ``y``): the labels the nets train on (the noisy ones of
    ``digits-noisy``); the test rows are scored against ``y``. Returns ``(rows, predictions
    (n_methods, n_test), curves (n_methods, 2, max_epochs))`` with rows in the records
    schema; a curve is the held-out accuracy per epoch of a :data:`DISTILLED` method's
    student (row 0) and a 1 at the epoch kept (row 1), NaN for the other methods.
    """
    from crembo import CREMBOClassifier
    from crembo.nets import TorchAllowedLabelClassifier, TorchClassifier, torch_logits
    from crembo.nets.belief import softmax
    from crembo.selection import HoldOut

    seed = unit_seed(protocol.seed, unit.repeat, unit.fold)
    y_train = y if y_train is None else y_train
    Xtr, ytr, Xte, yte = X[unit.train], y_train[unit.train], X[unit.test], y[unit.test]
    common = {
        "input_shape": tuple(image_shape),
        "max_epochs": protocol.max_epochs,
        "patience": protocol.patience,
        "batch_size": protocol.batch_size,
        "augment": protocol.augment,
        "device": device,
        "random_state": seed,
    }
    rows, preds, curves = [], [], []

    def record(name, model, seconds, pred_test, extra=None):
        pred_train = _labels(model, Xtr, classes)
        d = belief[np.arange(ytr.size), np.searchsorted(classes, pred_train)]
        rows.append(
            {
                "dataset": protocol.dataset,
                "experiment": "dnn",
                "repeat": unit.repeat,
                "fold": unit.fold,
                "method": name,
                "accuracy": float(np.mean(pred_test == yte)),
                "threshold": np.nan,
                "memo_threshold": np.nan,
                "depth": float(d.min()),
                "mean_depth": float(d.mean()),
                "leaves": np.nan,  # a tree measure; nets have none
                "seconds": seconds,
                "status": STATUS_OK,  # a failing net stops the unit: every row written is ok
                **(extra or {}),
            }
        )
        preds.append(pred_test)
        curves.append(_curve(model, protocol.max_epochs))

    t0 = time.perf_counter()
    schedule = {
        "max_epochs": protocol.teacher_max_epochs or protocol.max_epochs,
        "patience": protocol.teacher_patience or protocol.patience,
    }
    teacher_kw = {**common, **schedule, "lr": protocol.teacher_lr}
    teacher = TorchClassifier(protocol.teacher, **teacher_kw).fit(Xtr, ytr)
    seconds = time.perf_counter() - t0
    classes = teacher.classes_
    logits = torch_logits(teacher.module_, Xtr)
    belief = softmax(logits, protocol.belief_temperature)
    record("teacher", teacher, seconds, teacher.predict(Xte))
    vt_labels = classes[logits.argmax(axis=1)]
    clipped = clip_belief(belief, protocol.epsilon)
    t0 = time.perf_counter()
    aug = _teacher_rows(protocol, Xtr, ytr, logits, teacher, image_shape, seed)
    aug_seconds = time.perf_counter() - t0  # counted in the KD-aug and CREMBO rows
    for s in protocol.students:
        kw = {**common, "lr": protocol.lr_of(s)}
        crembo, crembo_seconds = None, 0.0
        for b in protocol.baselines:
            t0 = time.perf_counter()
            extra = None
            if b == "KD-aug":
                model = TorchClassifier(
                    s,
                    loss="kd",
                    temperature=protocol.kd_temperature,
                    alpha=protocol.kd_alpha,
                    **kw,
                ).fit(aug["X"], aug["y"], teacher_logits=aug["logits"])
                t0 -= aug_seconds
            elif b == "CREMBO":
                model = _crembo_for_nets(protocol, s, kw, teacher, Xtr, ytr, aug)
                extra = {
                    "threshold": float(model.threshold_),
                    "memo_threshold": float(model.memo_threshold_),
                }
                t0 -= aug_seconds
            elif b in DISTILLED:
                model, extra = _distilled(b, protocol, s, kw, teacher, Xtr, ytr)
            elif b == "BM":
                model = TorchClassifier(s, **kw).fit(Xtr, ytr)
            elif b == "VT":
                model = TorchClassifier(s, **kw).fit(Xtr, vt_labels)
            elif b == "KD":
                model = TorchClassifier(
                    s,
                    loss="kd",
                    temperature=protocol.kd_temperature,
                    alpha=protocol.kd_alpha,
                    **kw,
                ).fit(Xtr, ytr, teacher_logits=logits)
            else:
                if crembo is None:  # the refit variant reuses the search of the paper's
                    crembo = CREMBOClassifier(
                        None,
                        TorchAllowedLabelClassifier(s, **kw),
                        preset="paper",
                        delta=protocol.delta,
                        selection=HoldOut(protocol.validation_size),
                        epsilon=protocol.epsilon,
                        max_candidates=protocol.max_candidates,
                        random_state=seed,
                    ).fit(Xtr, ytr, belief=belief)
                    crembo_seconds = time.perf_counter() - t0
                    t0 = time.perf_counter()
                model = crembo
                if b == "CREMBO-refit":
                    Y = (clipped >= crembo.threshold_).astype(np.uint8)
                    model = TorchAllowedLabelClassifier(s, **kw).fit(Xtr, Y)
                extra = {
                    "threshold": float(crembo.threshold_),
                    "memo_threshold": float(crembo.memo_threshold_),
                }
            # both paper rows include the search; the refit row its extra fit as well
            paper = b in ("CREMBO-paper", "CREMBO-refit")
            seconds = time.perf_counter() - t0 + (crembo_seconds if paper else 0)
            record(f"{s}/{b}", model, seconds, _labels(model, Xte, classes), extra)
    return rows, np.asarray(preds), np.asarray(curves)


def _curve(model, max_epochs):
    """Held-out accuracy per epoch and the epoch kept (a :class:`TorchDistiller`'s), else NaN."""
    out = np.full((2, max_epochs), np.nan)
    history = getattr(model, "history_", None)
    if not history or "val_accuracy" not in history[0]:
        return out
    out[0, : len(history)] = [h["val_accuracy"] for h in history]
    out[1, : len(history)] = 0.0
    if model.best_epoch_ is not None:
        out[1, model.best_epoch_] = 1.0
    return out


def _distilled(method, protocol, student, kw, teacher, Xtr, ytr):
    """A :data:`DISTILLED` method's student and its record's extra columns.

    ``DKD``: decoupled KD on the rows; ``KD-fresh`` / ``DKD-fresh``: KD / DKD on fresh views
    with the teacher online; ``CREMBO-fresh`` / ``CREMBO-DKD-fresh``: their teacher term plus
    the allowed set of the teacher's belief on each view (in the place of the label term,
    with its weight), one student per threshold of ``fresh_thresholds``, the threshold kept
    whose student is most accurate on the held-out real rows (ties: the first). Every student
    holds out the same rows (the unit's seed), on which its epoch is chosen too.
    """
    from crembo.nets import AllowedSetObjective, DKDObjective, KDObjective, TorchDistiller

    kd = KDObjective(protocol.kd_temperature, protocol.kd_alpha)
    dkd = DKDObjective(protocol.dkd_temperature, protocol.dkd_alpha, protocol.dkd_beta)
    base = dkd if "DKD" in method else kd
    views = None if method == "DKD" else protocol.views()
    net_kw = {k: v for k, v in kw.items() if k != "augment"}

    def fit(objective):
        net = TorchDistiller(student, teacher=teacher.module_, objective=objective, views=views)
        return net.set_params(**net_kw).fit(Xtr, ytr)

    if not method.startswith("CREMBO"):
        return fit(base), None
    best, best_score, best_theta = None, None, None
    for theta in protocol.fresh_thresholds:
        objective = AllowedSetObjective(
            base,
            theta,
            belief_temperature=protocol.crembo_belief_temperature,
            epsilon=protocol.epsilon,
        )
        model = fit(objective)
        score = (
            model.history_[model.best_epoch_]["val_accuracy"]
            if model.best_epoch_ is not None
            else -1.0
        )
        if best is None or score > best_score:
            best, best_score, best_theta = model, score, theta
    return best, {"threshold": float(best_theta)}


def _teacher_rows(protocol, Xtr, ytr, logits, teacher, image_shape, seed):
    """The unit's rows plus teacher-labelled augmentation rows (KD-aug and CREMBO).

    ``X``, ``logits`` (the teacher's on every row) and ``y`` (a shifted copy keeps its
    source's label, a mixup row takes the teacher's argmax: KD-aug's hard term), ``n``
    the number of the unit's own rows. Without augmentation, the unit's rows alone.
    """
    from crembo.nets import torch_logits
    from crembo.nets.augment import teacher_augmented_rows

    if not protocol.augments:
        return {"X": Xtr, "y": ytr, "logits": logits, "n": ytr.size}
    X_extra, source = teacher_augmented_rows(
        Xtr,
        image_shape,
        shift_copies=protocol.aug_shifts,
        max_shift=protocol.aug_max_shift,
        mixup=protocol.aug_mixup,
        random_state=np.random.RandomState(seed),
    )
    extra = torch_logits(teacher.module_, X_extra)
    y_extra = np.where(
        source >= 0, ytr[np.maximum(source, 0)], teacher.classes_[extra.argmax(axis=1)]
    )
    return {
        "X": np.vstack([Xtr, X_extra]),
        "y": np.concatenate([ytr, y_extra]),
        "logits": np.vstack([logits, extra]),
        "n": ytr.size,
    }


def _crembo_for_nets(protocol, student, kw, teacher, Xtr, ytr, aug):
    """The default CREMBO for nets: KD's soft targets plus the allowed-set term.

    A :class:`crembo.CREMBOClassifier` (``preset="paper"``, hold-out choice of θ, refitted
    on all the unit's rows with ``crembo_refit``) whose torch student minimizes
    ``kd_alpha · τ² · KL + crembo_beta · allowed(Y_θ)`` with the teacher's logits, the
    belief ``softmax(logits / crembo_belief_temperature)`` on the unit's rows and on the
    teacher-labelled rows (unlabelled for CREMBO: they train the student and count in the
    depth, never in the choice of θ).
    """
    from crembo import CREMBOClassifier
    from crembo.nets import TorchAllowedLabelClassifier
    from crembo.nets.belief import softmax
    from crembo.selection import HoldOut

    net = TorchAllowedLabelClassifier(
        student,
        allowed_loss=protocol.crembo_loss,
        teacher=teacher.module_,
        temperature=protocol.kd_temperature,
        alpha=protocol.kd_alpha,
        beta=protocol.crembo_beta,
        **kw,
    )
    from crembo.diagnostics import DegenerateThresholdWarning

    n = aug["n"]
    model = CREMBOClassifier(
        None,
        net,
        preset="paper",
        delta=protocol.crembo_delta,
        selection=HoldOut(protocol.validation_size, refit=protocol.crembo_refit),
        epsilon=protocol.epsilon,
        max_candidates=protocol.crembo_candidates,
        random_state=kw["random_state"],
    )
    with warnings.catch_warnings():
        # a high θ empties many rows' allowed sets, but those rows still learn KD's soft
        # targets: the warning's "fitted mostly to empty targets" does not hold here
        warnings.simplefilter("ignore", DegenerateThresholdWarning)
        return model.fit(
            Xtr,
            ytr,
            X_unlabeled=aug["X"][n:] if aug["X"].shape[0] > n else None,
            belief=softmax(aug["logits"], protocol.crembo_belief_temperature),
        )


def _labels(model, X, classes):
    """Predicted labels; allowed-label students predict class indices."""
    pred = model.predict(X)
    return classes[pred] if getattr(model, "fits_allowed_labels", False) else pred
