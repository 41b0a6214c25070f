"""DNN to DNN compression: CREMBO against KD, VT and BM for small nets (needs ``crembo[torch]``).

Protocol. In every repeat a test set is held out (``test_size`` of the rows, stratified;
CIFAR-10 uses its official test batch), the rest is split into ``folds`` stratified folds,
and each fold's training part is one *unit*: a teacher net is trained on it, then, for every
student architecture, one student per method:

- **BM**: cross-entropy on the true labels;
- **VT**: cross-entropy on the teacher's predicted labels;
- **KD**: soft targets at temperature τ (``kd_temperature``) scaled by τ², mixed with
  cross-entropy on the labels (``kd_alpha`` on the soft term);
- **KD-aug**: KD on the unit's rows plus teacher-labelled rows (``aug_shifts`` shifted
  copies of each row, ``aug_mixup`` × n mixup rows; a copy keeps its source's label for the
  hard term, a mixup row takes the teacher's argmax);
- **CREMBO** (the default for nets, issue 15): :class:`crembo.CREMBOClassifier` whose
  :class:`~crembo.nets.TorchAllowedLabelClassifier` student minimizes KD's soft term plus
  ``crembo_beta`` × the allowed-label term (``crembo_loss``: the allowed set's softmax
  likelihood) on the unit's rows and the same teacher-labelled rows as KD-aug (their belief
  gives their allowed sets; they never score θ), belief temperature
  ``crembo_belief_temperature``, ``crembo_candidates`` candidates, ``crembo_sweep_fits``,
  refitted on all rows at the chosen θ (``crembo_refit``);
- **CREMBO-paper**: :class:`crembo.CREMBOClassifier` with a
  :class:`~crembo.nets.TorchAllowedLabelClassifier` student, the belief being the teacher's
  ``softmax(logits / belief_temperature)`` on the training rows, ε-clipped, the candidate
  thresholds capped at ``max_candidates`` and the sweep step δ chosen from that cap so that
  the sweep fits at most ``sweep_fits + 1`` students (``δ = ceil((max_candidates - 1) /
  sweep_fits)``). ``validation_size`` of the unit's rows choose the threshold; the paper's
  CREMBO student never sees them;
- **DKD**: decoupled KD (``CE + dkd_alpha · TCKD + dkd_beta · NCKD`` at ``dkd_temperature``)
  on the rows, the teacher queried online (:class:`crembo.nets.TorchDistiller`);
- **KD-fresh**, **DKD-fresh** (issue 25): KD / DKD on fresh views of every batch (shifts,
  rotations, mixup: ``view_*``) with the teacher online on exactly those views;
- **CREMBO-fresh**, **CREMBO-DKD-fresh**: their teacher term plus the allowed set of the
  teacher's belief on each view in the place of the label term, one student per threshold
  of ``fresh_thresholds``, the most accurate on the held-out real rows kept;
- **CREMBO-refit** (not run by default): the paper's search, then the student refitted on
  all the unit's rows at the chosen threshold (what ``selection=HoldOut(refit=True)`` does;
  one more fit), so that it trains on as many rows as BM, VT and KD.

Every net stops early on its own validation split (10 % of what it is fitted on), never on
the test set. All models of a unit share the unit's seed (same initialization and batch
order for BM, VT and KD of one architecture). Each record holds test accuracy, the measured
depth of the student under the teacher's belief on the training rows (minimum and mean),
CREMBO's chosen and MEMO thresholds, and seconds. Agreement is the mean, over pairs of
units of a repeat (students trained on different folds), of the share of test points on
which the two students predict the same class.

Defaults (``IMAGE_SETTINGS["digits"]``) run on 2 CPU cores in under 10 minutes; ``"cifar10"`` is
the paper's setting (ResNet-18 teacher, LeNet-5 and MobileNetV2 students, crop and flip
augmentation), meant for a GPU.

The package's modules, one concept each: :mod:`~crembo.experiments.dnn.protocol` (the
settings), :mod:`~crembo.experiments.dnn.data` (image sets and units),
:mod:`~crembo.experiments.dnn.unit` (one unit's nets), :mod:`~crembo.experiments.dnn.summary`
(the tables) and :mod:`~crembo.experiments.dnn.run` (the resumable run). Importing the
package does not import torch (the command lists the data sets without it).
"""

from crembo.experiments.dnn.data import load_image_data, make_dnn_units
from crembo.experiments.dnn.protocol import (
    BASELINES,
    CREMBO_LOSSES,
    CREMBO_VARIANTS,
    DATASETS,
    DEFAULT_BASELINES,
    IMAGE_SETTINGS,
    STUDENT_LR,
    DNNProtocol,
    dnn_protocol,
)
from crembo.experiments.dnn.run import run_dnn
from crembo.experiments.dnn.summary import dnn_markdown, summarize_dnn
from crembo.experiments.dnn.unit import run_dnn_unit

__all__ = [
    "BASELINES",
    "CREMBO_LOSSES",
    "CREMBO_VARIANTS",
    "DATASETS",
    "DEFAULT_BASELINES",
    "DNNProtocol",
    "IMAGE_SETTINGS",
    "STUDENT_LR",
    "dnn_markdown",
    "dnn_protocol",
    "load_image_data",
    "make_dnn_units",
    "run_dnn",
    "run_dnn_unit",
    "summarize_dnn",
]
