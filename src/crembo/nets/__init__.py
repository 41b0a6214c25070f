"""Neural nets for crembo: torch teachers' beliefs, torch students, KD (``crembo[torch]``).

- :func:`torch_belief`: a torch teacher's belief, ``softmax(logits / T)`` in batches, no
  gradients, on the GPU when one is present. ``crembo.belief_from`` calls it for
  ``nn.Module`` teachers (``crembo.belief`` itself never imports torch).
- :class:`TorchAllowedLabelClassifier`: a net fitted to ``Y_θ`` (per-class sigmoid, BCE,
  empty rows ignored; or the allowed-set likelihood, with KD's soft targets on top when
  given a ``teacher``) with ``fits_allowed_labels = True``: the ``student`` of
  :class:`crembo.CREMBOClassifier` as it is.
- :mod:`crembo.nets.augment`: teacher-labelled shifted copies and mixup rows.
- :class:`TorchDistiller`: a student distilled from a teacher queried online, on fresh
  views of every batch (:class:`FreshViews`: shifts, small rotations, mixup) or on the rows,
  minimizing an objective of :mod:`crembo.nets.objectives`: KD, DKD (decoupled KD), or
  either with CREMBO's allowed set taken from the teacher's belief on each view.
- :class:`TorchClassifier`: BM / VT (cross-entropy) and KD (``loss="kd"``, τ and mix).
- :mod:`crembo.nets.models`: TinyMLP, LeNet5, ConvNet, ResNet18, MobileNetV2.

Why not skorch
--------------
skorch is the ecosystem's scikit-learn wrapper for torch and was the first choice. It
installs cleanly next to ``torch==2.13.0`` (skorch 1.4.0 does not depend on torch, so it
cannot pull another one; it adds tqdm and tabulate) and works with scikit-learn 1.9. We
measured and chose a ~100-line loop of our own instead, because skorch gets in the way here:

- speed: a 64-32-10 MLP on the 1797 digits, 20 epochs of Adam, batch 128, one CPU thread,
  took 1.75 s with ``NeuralNetClassifier`` (no validation split) against 0.14 s with a
  plain loop (12× slower; per-batch Dataset collation, callbacks and history). CREMBO fits a
  student once per threshold probed, and the digits experiment must finish in 10 minutes on
  2 cores;
- targets: ``Y_θ`` is multi-hot with all-zero rows that must not count, KD needs teacher
  logits per row and CREMBO passes ``sample_weight``; in skorch each needs a ``NeuralNet``
  subclass with a custom criterion, dict-shaped ``X`` and a ``predict`` override, so most of
  the code would be ours anyway;
- seeding: skorch draws initialization and batch order from torch's global RNG; our fits
  fork the RNG and seed it from ``random_state``, so ``sklearn.base.clone`` plus a seed
  gives the same net on the CPU without touching global state.
"""

from crembo.nets.belief import torch_belief, torch_logits
from crembo.nets.distiller import TorchDistiller
from crembo.nets.losses import (
    allowed_labels_loss,
    allowed_set_loss,
    cross_entropy_loss,
    decoupled_kd_loss,
    distillation_loss,
    distilled_allowed_loss,
)
from crembo.nets.models import MODULES, build_module
from crembo.nets.objectives import AllowedSetObjective, DKDObjective, KDObjective
from crembo.nets.students import TorchAllowedLabelClassifier, TorchClassifier
from crembo.nets.views import FreshViews

__all__ = [
    "MODULES",
    "AllowedSetObjective",
    "DKDObjective",
    "FreshViews",
    "KDObjective",
    "TorchDistiller",
    "TorchAllowedLabelClassifier",
    "TorchClassifier",
    "allowed_labels_loss",
    "allowed_set_loss",
    "build_module",
    "cross_entropy_loss",
    "decoupled_kd_loss",
    "distillation_loss",
    "distilled_allowed_loss",
    "torch_belief",
    "torch_logits",
]
