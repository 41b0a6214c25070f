"""The names the command line offers, kept free of heavy imports so ``crembo --help`` is fast.

:mod:`crembo.experiments.methods` and :mod:`crembo.teachers` build what these names stand for;
:mod:`crembo.config` holds the presets (``tests/test_imports.py`` checks that the names here
match them).
"""

from __future__ import annotations

from enum import Enum

#: The teachers of the experiments (the paper's).
TEACHERS = ("rf", "nn")
#: The teachers ``crembo compress`` fits: the paper's and the usual tabular learners.
COMPRESS_TEACHERS = (*TEACHERS, "et", "hgb", "lgbm", "xgb")
CLASS_WEIGHTS = ("balanced", "none")
#: The keys of :data:`crembo.config.PRESETS`.
PRESET_NAMES = ("paper", "robust")
#: The formats of ``crembo export`` (the keys of :data:`crembo.exporters.FORMATS`).
EXPORT_FORMATS = ("onnx", "sql", "python", "json", "dot", "svg")
#: The methods of every table, in table order.
DEFAULT_METHODS = ("teacher", "BM", "VT", "CREMBO", "CREMBO-refit")
#: Contaminated shares of the teacher's trees or of the labels in a breakdown, by default.
BREAKDOWN_FRACTIONS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)

#: The same choices as enums, for the command line's options.
TeacherKind = Enum("TeacherKind", {t: t for t in TEACHERS}, type=str)
ClassWeightKind = Enum("ClassWeightKind", {c: c for c in CLASS_WEIGHTS}, type=str)
ExportFormatKind = Enum("ExportFormatKind", {f: f for f in EXPORT_FORMATS}, type=str)
PresetKind = Enum("PresetKind", {p: p for p in PRESET_NAMES}, type=str)
