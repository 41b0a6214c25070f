"""Fresh views of a batch of images, drawn anew at every step: small rotations, pixel shifts,
mixup between rows ("a good teacher is patient and consistent", Beyer et al., CVPR 2022).

The teacher is asked about exactly the view the student sees (``crembo.nets.fresh``), so
neither sees a fixed copy twice. Draws come from a ``torch.Generator``: a fit seeded by its
``random_state`` draws the same views on the CPU.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class FreshViews:
    """How a batch's views are drawn.

    Parameters
    ----------
    max_shift : int, default=1
        Each image moves by ``(dy, dx)`` pixels, each uniform in ``[-max_shift, max_shift]``.
    max_rotation : float, default=10.0
        And turns by an angle uniform in ``[-max_rotation, max_rotation]`` degrees
        (bilinear, zero fill).
    mixup : float, default=0.5
        Share of the views mixed with another row of the batch: ``λ·x_i + (1-λ)·x_j``,
        ``λ`` uniform in ``[mixup_low, 1 - mixup_low]``; the others keep ``λ = 1``.
    mixup_low : float, default=0.3

    Examples
    --------
    >>> import torch
    >>> from crembo.nets.views import FreshViews
    >>> x = torch.rand(4, 64)
    >>> v, partner, lam = FreshViews().draw(x, (1, 8, 8), torch.Generator().manual_seed(0))
    >>> v.shape, partner.shape, bool((lam <= 1).all())
    (torch.Size([4, 64]), torch.Size([4]), True)
    """

    max_shift: int = 1
    max_rotation: float = 10.0
    mixup: float = 0.5
    mixup_low: float = 0.3

    def __post_init__(self):
        s = self.max_shift
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"FreshViews: max_shift must be an integer >= 0; got {s!r}.")
        r = self.max_rotation
        if isinstance(r, bool) or not (isinstance(r, numbers.Real) and 0 <= r <= 180):
            raise ValueError(f"FreshViews: max_rotation must be in [0, 180] degrees; got {r!r}.")
        for name, hi in (("mixup", 1.0), ("mixup_low", 0.5)):
            v = getattr(self, name)
            if isinstance(v, bool) or not (isinstance(v, numbers.Real) and 0 <= v <= hi):
                raise ValueError(f"FreshViews: {name} must be in [0, {hi}]; got {v!r}.")

    def draw(self, x, in_shape, gen):
        """``(views, partner, lam)`` for the flat rows ``x`` of images of shape ``in_shape``.

        ``partner[i]`` is the batch row view ``i`` is mixed with (itself when not mixed) and
        ``lam[i]`` its own row's weight.
        """
        n = x.shape[0]
        views = self._geometric(x, in_shape, gen)
        partner = torch.arange(n)
        lam = torch.ones(n)
        if self.mixup > 0 and n > 1:
            mixed = torch.rand(n, generator=gen) < self.mixup
            other = torch.randperm(n, generator=gen)
            low = self.mixup_low
            draw = low + (1 - 2 * low) * torch.rand(n, generator=gen)
            partner = torch.where(mixed, other, partner)
            lam = torch.where(mixed, draw, lam)
        partner, lam = partner.to(x.device), lam.to(x.device, x.dtype)
        views = lam[:, None] * views + (1 - lam[:, None]) * views[partner]
        return views, partner, lam

    def _geometric(self, x, in_shape, gen):
        if len(in_shape) != 3 or (self.max_shift == 0 and self.max_rotation == 0):
            return x
        n, (c, h, w) = x.shape[0], in_shape
        angle = (2 * torch.rand(n, generator=gen) - 1) * math.radians(self.max_rotation)
        s = self.max_shift
        dy = torch.randint(-s, s + 1, (n,), generator=gen).float()
        dx = torch.randint(-s, s + 1, (n,), generator=gen).float()
        cos, sin = torch.cos(angle), torch.sin(angle)
        # affine_grid maps output to input coordinates in [-1, 1]: a shift by +d pixels reads
        # from -d, i.e. -2d / size in normalized units
        theta = torch.stack(
            [
                torch.stack([cos, -sin, -2 * dx / w], dim=1),
                torch.stack([sin, cos, -2 * dy / h], dim=1),
            ],
            dim=1,
        ).to(x.device, x.dtype)
        img = x.reshape(n, c, h, w)
        grid = F.affine_grid(theta, (n, c, h, w), align_corners=False)
        out = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        return out.reshape(n, -1)
