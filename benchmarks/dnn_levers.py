"""Screening of the CREMBO-for-nets levers against KD on digits (issue 15).

Command (resumable: finished (variant, unit) pairs are kept in ``--out``)::

    python benchmarks/dnn_levers.py --students mlp --units 3 \
        --variants KD VT C:paper "C:kd,loss=set" "C:kd,loss=set,shift=2" "KD:shift=2"

Prints one table per student and never asserts. Protocol: the DNN experiment's
(:mod:`crembo.experiments.dnn`, digits, seed 0): the same units, the same convnet teacher
per unit (cached in ``--out``), the same student settings (Adam, batch 64, 60 epochs,
patience 8, the unit's seed); only the method changes. A variant is ``KIND[:k=v,...]``:

- ``BM``, ``VT``, ``KD`` (τ 5, α 0.9 as documented), ``KD:shift=2,mixup=0.5`` (KD-aug: KD
  on the rows plus teacher-labelled shifted copies / mixup rows, the copies keeping their
  source's label for the hard term, mixup rows the teacher's argmax);
- ``C:...`` a :class:`crembo.CREMBOClassifier` with a torch student, keys: ``paper`` (the
  DNN experiment's CREMBO as it is), ``kd`` (soft targets on top: α·τ²·KL + β·allowed),
  ``loss=bce|set``, ``beta=``, ``alpha=``, ``tau=``, ``T=`` (belief temperature),
  ``shift=`` (shifted copies per row), ``mixup=`` (share of mixup rows), ``val=``
  (validation share for θ), ``refit=1``, ``cands=`` (max candidates), ``fits=``
  (sweep fits), ``theta=`` (a fixed θ, no search: one fit), ``honest=k`` (the allowed
  sets from a cross-fitted belief: k teachers, each fitted on the other folds of the unit's
  rows, give each row's belief; the soft targets stay the full teacher's).

Columns: accuracy (mean and population std over units), agreement (mean over pairs of
units of the share of test rows predicted alike), θ chosen, the paired difference to KD
per unit (mean ± std) and the units where the variant beats KD.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import torch


def parse_variant(text):
    kind, _, rest = text.partition(":")
    opts = {}
    for part in filter(None, rest.split(",")):
        k, eq, v = part.partition("=")
        opts[k] = v if eq else "1"
    return kind, opts


def unit_context(X, y, unit, protocol, shape, cache):
    from crembo.experiments.protocol import unit_seed
    from crembo.nets import TorchClassifier, torch_logits

    seed = unit_seed(protocol.seed, unit.repeat, unit.fold)
    common = {
        "input_shape": tuple(shape),
        "max_epochs": protocol.max_epochs,
        "patience": protocol.patience,
        "batch_size": protocol.batch_size,
        "device": "cpu",
        "random_state": seed,
    }
    teacher = TorchClassifier(protocol.teacher, lr=protocol.teacher_lr, **common)
    path = cache / f"teacher_{unit.repeat}_{unit.fold}.pt"
    Xtr, ytr = X[unit.train], y[unit.train]
    if path.exists():
        teacher.fit(Xtr[:20], ytr[:20]) if False else None
        from crembo.nets.models import build_module

        teacher.classes_ = np.unique(ytr)
        teacher.module_ = build_module(protocol.teacher, tuple(shape), 10, None)
        teacher.module_.load_state_dict(torch.load(path))
        teacher.module_.eval()
    else:
        teacher.fit(Xtr, ytr)
        torch.save(teacher.module_.state_dict(), path)
    return {
        "seed": seed,
        "common": common,
        "teacher": teacher.module_,
        "logits": torch_logits(teacher.module_, Xtr),
        "Xtr": Xtr,
        "ytr": ytr,
        "Xte": X[unit.test],
        "yte": y[unit.test],
        "shape": tuple(shape),
    }


def augmented(ctx, opts):
    from crembo.nets.augment import teacher_augmented_rows

    shift, mixup = int(opts.get("shift", 0)), float(opts.get("mixup", 0))
    rng = np.random.RandomState(ctx["seed"] % (2**31 - 1))
    return teacher_augmented_rows(
        ctx["Xtr"],
        ctx["shape"],
        shift_copies=shift,
        max_shift=int(opts.get("px", 1)),
        mixup=mixup,
        random_state=rng,
    )


def run_variant(kind, opts, student, ctx, protocol):
    """Test predictions and the chosen θ (NaN for non-CREMBO)."""
    from crembo import CREMBOClassifier
    from crembo.depth import clip_belief
    from crembo.nets import TorchAllowedLabelClassifier, TorchClassifier, torch_logits
    from crembo.nets.belief import softmax
    from crembo.selection import HoldOut

    kw = {**ctx["common"], "lr": protocol.lr_of(student)}
    Xtr, ytr, logits = ctx["Xtr"], ctx["ytr"], ctx["logits"]
    if kind == "BM":
        return TorchClassifier(student, **kw).fit(Xtr, ytr).predict(ctx["Xte"]), np.nan
    if kind == "VT":
        return TorchClassifier(student, **kw).fit(Xtr, logits.argmax(1)).predict(ctx["Xte"]), np.nan
    X_extra, source = augmented(ctx, opts)
    extra_logits = torch_logits(ctx["teacher"], X_extra) if X_extra.shape[0] else None
    if kind == "KD":
        Xa, ya, La = Xtr, ytr, logits
        if extra_logits is not None:
            y_extra = np.where(source >= 0, ytr[np.maximum(source, 0)], extra_logits.argmax(1))
            Xa = np.vstack([Xtr, X_extra])
            ya = np.concatenate([ytr, y_extra])
            La = np.vstack([logits, extra_logits])
        model = TorchClassifier(
            student,
            loss="kd",
            temperature=float(opts.get("tau", protocol.kd_temperature)),
            alpha=float(opts.get("alpha", protocol.kd_alpha)),
            **kw,
        ).fit(Xa, ya, teacher_logits=La)
        return model.predict(ctx["Xte"]), np.nan
    assert kind == "C", kind
    T = float(opts.get("T", protocol.belief_temperature))
    if "honest" in opts:
        logits = _cross_fitted_logits(ctx, protocol, int(opts["honest"]))
    all_logits = logits if extra_logits is None else np.vstack([logits, extra_logits])
    belief = softmax(all_logits, T)
    skw = {"allowed_loss": opts.get("loss", "bce")}
    if "kd" in opts:
        skw.update(
            teacher=ctx["teacher"],
            temperature=float(opts.get("tau", protocol.kd_temperature)),
            alpha=float(opts.get("alpha", protocol.kd_alpha)),
            beta=float(opts.get("beta", 1.0)),
        )
    net = TorchAllowedLabelClassifier(student, **skw, **kw)
    eps = protocol.epsilon
    if "theta" in opts:
        Xa = Xtr if extra_logits is None else np.vstack([Xtr, X_extra])
        theta = float(opts["theta"])
        Y = (clip_belief(belief, eps) >= theta).astype(np.uint8)
        model = net.fit(Xa, Y)
        return model.predict(ctx["Xte"]), theta
    cands = int(opts.get("cands", protocol.max_candidates))
    fits = int(opts.get("fits", protocol.sweep_fits))
    model = CREMBOClassifier(
        None,
        net,
        preset="paper",
        delta=max(1, -(-(cands - 1) // fits)),
        selection=HoldOut(float(opts.get("val", protocol.validation_size)), refit="refit" in opts),
        epsilon=eps,
        max_candidates=cands,
        random_state=ctx["seed"],
    ).fit(Xtr, ytr, X_unlabeled=None if extra_logits is None else X_extra, belief=belief)
    return model.predict(ctx["Xte"]), float(model.threshold_)


def _cross_fitted_logits(ctx, protocol, k):
    """Each training row's logits from a teacher fitted on the other k-1 folds."""
    from sklearn.model_selection import StratifiedKFold

    from crembo.nets import TorchClassifier, torch_logits

    Xtr, ytr = ctx["Xtr"], ctx["ytr"]
    out = np.empty_like(ctx["logits"])
    folds = StratifiedKFold(k, shuffle=True, random_state=ctx["seed"] % (2**31 - 1))
    for tr, te in folds.split(Xtr, ytr):
        t = TorchClassifier(protocol.teacher, lr=protocol.teacher_lr, **ctx["common"])
        out[te] = torch_logits(t.fit(Xtr[tr], ytr[tr]).module_, Xtr[te])
    return out


def table(results, variants, student, n_units):
    def agreement(P):
        return float(np.mean([np.mean(a == b) for a, b in itertools.combinations(P, 2)]))

    rows = []
    kd = results.get(("KD", student))
    head = "| variant | accuracy | std | agreement | θ | − KD (paired) | wins vs KD | s/unit |"
    lines = [f"\n{student} ({n_units} units)", head, "|" + "---|" * 8]
    for v in variants:
        r = results.get((v, student))
        if r is None or len(r["acc"]) < n_units:
            continue
        acc = np.asarray(r["acc"])
        agr = agreement(r["pred"])
        diff = wins = "–"
        if kd is not None and len(kd["acc"]) == len(acc):
            d = acc - np.asarray(kd["acc"])
            diff, wins = f"{d.mean():+.4f} ± {d.std():.4f}", f"{int((d > 1e-12).sum())}/{d.size}"
        theta = np.nanmean(r["theta"]) if np.isfinite(r["theta"]).any() else np.nan
        th = "–" if np.isnan(theta) else f"{theta:.3f}"
        lines.append(
            f"| {v} | {acc.mean():.4f} | {acc.std():.4f} | {agr:.4f} | {th} | {diff} | {wins} "
            f"| {np.mean(r['sec']):.1f} |"
        )
        rows.append(v)
    print("\n".join(lines), flush=True)


def main(argv=None):
    from crembo.experiments.dnn import dnn_protocol, make_dnn_units
    from crembo.vision import load_digits_images

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", default="mlp")
    ap.add_argument("--units", type=int, default=3, help="first N of the 5 units")
    ap.add_argument("--variants", nargs="+", default=["KD", "C:paper"])
    ap.add_argument("--out", default="runs/dnn-levers")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--report", action="store_true", help="print the tables only; fit nothing")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    protocol = dnn_protocol("digits")
    d = load_digits_images()
    X, y = d.data, d.target
    units = make_dnn_units(protocol, y)[: args.units]
    store = out / "results.jsonl"
    done = {}
    if store.exists():
        for line in store.read_text().splitlines():
            r = json.loads(line)
            done[(r["variant"], r["student"], r["fold"])] = r
    students = args.students.split(",")
    for unit in units:
        ctx = None
        for s, v in itertools.product(students, args.variants):
            if (v, s, unit.fold) in done or args.report:
                continue
            ctx = ctx or unit_context(X, y, unit, protocol, d.image_shape, out)
            kind, opts = parse_variant(v)
            t0 = time.perf_counter()
            pred, theta = run_variant(kind, opts, s, ctx, protocol)
            r = {
                "variant": v,
                "student": s,
                "fold": unit.fold,
                "acc": float(np.mean(pred == ctx["yte"])),
                "theta": theta,
                "sec": time.perf_counter() - t0,
                "pred": pred.tolist(),
            }
            done[(v, s, unit.fold)] = r
            with store.open("a") as f:
                f.write(json.dumps(r) + "\n")
            print(f"unit {unit.fold} {s} {v}: {r['acc']:.4f} ({r['sec']:.1f} s)", flush=True)
    if args.report:  # the variants with every unit done
        args.variants = list(dict.fromkeys(v for v, *_ in done))
    for s in students:
        results = {}
        for unit in units:
            for v in args.variants:
                r = done.get((v, s, unit.fold))
                if r is None:
                    continue
                e = results.setdefault((v, s), {"acc": [], "pred": [], "theta": [], "sec": []})
                e["acc"].append(r["acc"])
                e["pred"].append(np.asarray(r["pred"]))
                e["theta"].append(np.nan if r["theta"] is None else r["theta"])
                e["sec"].append(r["sec"])
        table(results, args.variants, s, len(units))


if __name__ == "__main__":
    main()
