"""Sparse autoencoders: an L1 penalty and a KL sparsity penalty on the code."""

from __future__ import annotations

import torch
from torch import Tensor
from typing_extensions import override

from aelab.models.base import Autoencoder
from aelab.models.conv import ConvAutoencoder
from aelab.models.dense import DenseAutoencoder


def kl_sparsity(code: Tensor, target: float, eps: float = 1e-6) -> Tensor:
    """Sum over units of ``KL(Bernoulli(target) || Bernoulli(mean activation))``.

    Args:
        code: ``(B, latent_dim)`` activations in [0, 1].
        target: the wanted mean activation ``rho`` of each unit.
        eps: keeps the batch mean away from 0 and 1.
    """
    rho_hat = code.mean(0).clamp(eps, 1 - eps)  # (latent_dim,)
    rho = torch.full_like(rho_hat, target)
    kl = rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
    return kl.sum()


class SparseCode(Autoencoder):
    """Penalizes the code toward sparsity: L1 on each activation, KL on each unit's mean.

    The L1 term is ``l1_weight`` times the sum of ``|code|`` over units, averaged over the
    batch (Keras's ``activity_regularizer=l1``, as in "Building Autoencoders in Keras").
    The KL term (Ng, "Sparse autoencoder", CS294A notes, 2011) is ``kl_weight`` times
    :func:`kl_sparsity` toward ``sparsity_target``; it needs codes in [0, 1], so it makes the
    code activation a sigmoid. Logged: ``mean_activation`` (mean ``|code|``) and
    ``near_zero`` (the share of code entries below ``zero_threshold`` in magnitude).

    This class adds only the penalty; :class:`SparseAutoencoder` and
    :class:`ConvSparseAutoencoder` combine it with a body.

    Args:
        l1_weight: weight of the L1 term; 0 disables it.
        kl_weight: weight of the KL sparsity term; 0 disables it.
        sparsity_target: target mean activation, in (0, 1).
        zero_threshold: magnitude below which a code entry counts as zero.
        **kwargs: arguments of the body and of :class:`~aelab.models.base.Autoencoder`.

    Raises:
        ValueError: for negative weights, a target outside (0, 1), or a KL term with a
            code activation other than sigmoid.
    """

    def __init__(
        self,
        l1_weight: float = 1e-4,
        kl_weight: float = 0.0,
        sparsity_target: float = 0.05,
        zero_threshold: float = 0.01,
        **kwargs,
    ) -> None:
        if l1_weight < 0 or kl_weight < 0:
            raise ValueError(
                f"model.l1_weight={l1_weight} and model.kl_weight={kl_weight} must both be "
                f"at least 0; set 0 to disable a term"
            )
        if not 0 < sparsity_target < 1:
            raise ValueError(
                f"model.sparsity_target={sparsity_target} must lie strictly between 0 and 1, "
                f"e.g. model.sparsity_target=0.05"
            )
        if kl_weight > 0:
            kwargs.setdefault("code_activation", "sigmoid")
            if kwargs["code_activation"] != "sigmoid":
                raise ValueError(
                    f"model.kl_weight={kl_weight} needs codes in [0, 1], but "
                    f"model.code_activation={kwargs['code_activation']!r}; set "
                    f"model.code_activation=sigmoid or model.kl_weight=0"
                )
        super().__init__(**kwargs)
        self.l1_weight = l1_weight
        self.kl_weight = kl_weight
        self.sparsity_target = sparsity_target
        self.zero_threshold = zero_threshold

    @override
    def bottleneck(self, z: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        terms = {}
        if self.l1_weight > 0:
            terms["l1"] = self.l1_weight * z.abs().sum(1).mean()
        if self.kl_weight > 0:
            terms["kl_sparsity"] = self.kl_weight * kl_sparsity(z, self.sparsity_target)
        return z, terms

    @override
    def code_stats(self, z: Tensor, code: Tensor) -> dict[str, Tensor]:
        magnitude = code.abs()
        return {
            "mean_activation": magnitude.mean(),
            "near_zero": (magnitude < self.zero_threshold).float().mean(),
        }


class SparseAutoencoder(SparseCode, DenseAutoencoder):
    """The sparsity penalties on the fully connected body (dense or deep)."""


class ConvSparseAutoencoder(SparseCode, ConvAutoencoder):
    """The sparsity penalties on the convolutional body."""
