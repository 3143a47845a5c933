"""A variant defined outside the package: a penalty that decorrelates the code's units."""

from __future__ import annotations

import torch
from torch import Tensor
from typing_extensions import override

from aelab.models import DenseAutoencoder


class DecorrelatedAutoencoder(DenseAutoencoder):
    """The dense autoencoder plus ``weight`` times the squared off-diagonal correlations.

    Units that carry the same information waste code; penalizing the correlation of each
    pair of units over the batch pushes them to carry different things (in the spirit of
    the redundancy-reduction terms of Barlow Twins, Zbontar et al., 2021).

    Args:
        decorrelation_weight: weight of the penalty.
        **kwargs: arguments of :class:`~aelab.models.DenseAutoencoder`.
    """

    def __init__(self, decorrelation_weight: float = 1e-3, **kwargs) -> None:
        if decorrelation_weight < 0:
            raise ValueError(f"model.decorrelation_weight={decorrelation_weight} must be >= 0")
        super().__init__(**kwargs)
        self.decorrelation_weight = decorrelation_weight

    @override
    def bottleneck(self, z: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        centered = z - z.mean(0)
        normed = centered / (centered.norm(dim=0) + 1e-6)  # (B, latent_dim), unit columns
        correlation = normed.t() @ normed  # (latent_dim, latent_dim)
        off_diagonal = correlation - torch.diag(torch.diagonal(correlation))
        return z, {"decorrelation": self.decorrelation_weight * off_diagonal.pow(2).sum()}
