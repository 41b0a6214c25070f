"""Where CREMBO's instability comes from: its own teacher per training set, or the student.

The robustness protocol of ``benchmarks/suite.py`` (repeat 0: 15 % held out, 10 students on
10 folds of the rest, shuffled stratified, no class weights, median-imputed per fold, forest
of 100 depth-12 trees) run twice for one CREMBO method: each student with its own teacher
fitted on its fold (as the suite does), and every student with one teacher fitted on all the
non-held-out rows (what the in-fit estimate sees: the k fold students of one fit share the
fit's teacher). Prints, per set: the agreement of the 10 students on the held-out rows both
ways, and the mean in-fit estimate (``stability_``) of the students.

    python benchmarks/stability_teacher.py --datasets heart,carseats,ais,leafshape
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np


def main(argv=None):
    from sklearn.impute import SimpleImputer

    from crembo.experiments._load import load_dataset
    from crembo.experiments.methods import METHODS, make_student
    from crembo.experiments.protocol import Protocol, make_units, unit_seed
    from crembo.experiments.tabular import encode_data
    from crembo.metrics import pairwise_agreement
    from crembo.tables import markdown_table
    from crembo.teachers import make_teacher

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="heart,carseats,ais,leafshape")
    parser.add_argument("--method", default="CREMBO-robust+hs")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    rows = []
    for name in args.datasets.split(","):
        ds = load_dataset(name, data_dir=args.data_dir)
        X, y, _, _ = encode_data(ds.X, ds.y)
        protocol = Protocol("robustness", name, repeats=1, class_weight="none", shuffle=True)
        units = make_units(protocol, y)
        pool = np.unique(np.concatenate([u.train for u in units]))
        test = units[0].test
        shared_imp = SimpleImputer(strategy="median").fit(X[pool])
        shared = make_teacher("rf", "none", 0).fit(shared_imp.transform(X[pool]), y[pool])
        preds = {"own teacher": [], "shared teacher": []}
        est = []
        for u in units:
            seed = unit_seed(0, u.repeat, u.fold)
            imp = SimpleImputer(strategy="median").fit(X[u.train])
            Xtr, Xte = imp.transform(X[u.train]), imp.transform(X[test])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                own = make_teacher("rf", "none", seed).fit(Xtr, y[u.train])
                for kind, teacher in (("own teacher", own), ("shared teacher", shared)):
                    model = METHODS[args.method](teacher, make_student("none", seed), seed)
                    model.fit(Xtr, y[u.train])
                    preds[kind].append(model.predict(Xte))
                    if kind == "own teacher":
                        est.append(model.stability_)
        rows.append(
            {
                "data set": name,
                "agreement, own teacher": pairwise_agreement(preds["own teacher"]),
                "agreement, shared teacher": pairwise_agreement(preds["shared teacher"]),
                "in-fit estimate": float(np.mean(est)),
            }
        )
        print(markdown_table(rows[-1:]), flush=True)
    print(markdown_table(rows))


if __name__ == "__main__":
    main()
