"""Contractive autoencoders: a penalty on the Jacobian of the encoder."""

from __future__ import annotations

from torch import Tensor, nn
from torch.func import jacrev, vmap
from typing_extensions import override

from aelab.models.base import Autoencoder
from aelab.models.conv import ConvAutoencoder
from aelab.models.dense import DenseAutoencoder


class ContractivePenalty(Autoencoder):
    """Adds ``weight * ||d code / d input||_F^2``, averaged over the batch, to the loss.

    After "Contractive Auto-Encoders: Explicit Invariance During Feature Extraction"
    (Rifai et al., 2011). The Jacobian of :meth:`encode` at each item is computed by
    ``torch.func.jacrev``, vectorized over the batch with ``vmap``: ``latent_dim`` reverse
    passes per batch, so this variant costs several times the plain one. For tokens the
    Jacobian is taken with respect to the embedded input.

    This class adds only the penalty; :class:`ContractiveAutoencoder` and
    :class:`ConvContractiveAutoencoder` combine it with a body.

    Args:
        contractive_weight: weight of the penalty.
        **kwargs: arguments of the body and of :class:`~aelab.models.base.Autoencoder`.

    Raises:
        ValueError: for a negative weight, or batch norm in the body (it mixes the items of
            a batch, so an item's Jacobian is not its own).
    """

    def __init__(self, contractive_weight: float = 1e-3, **kwargs) -> None:
        if contractive_weight < 0:
            raise ValueError(f"model.contractive_weight={contractive_weight} must be at least 0")
        super().__init__(**kwargs)
        if any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in self.modules()):
            raise ValueError(
                "model.norm=batch mixes the items of a batch, so the per-item Jacobian of "
                "a contractive autoencoder is undefined; set model.norm=layer or none"
            )
        self.contractive_weight = contractive_weight

    def _encode_one(self, h: Tensor) -> Tensor:
        return self.encode(h.unsqueeze(0)).squeeze(0)  # (*shape) -> (latent_dim,)

    def jacobian(self, h: Tensor) -> Tensor:
        """The Jacobian of :meth:`encode` at each item of ``h``: ``(B, latent_dim, *shape)``."""
        return vmap(jacrev(self._encode_one), randomness="different")(h)

    @override
    def penalties(self, h: Tensor, z: Tensor) -> dict[str, Tensor]:
        if self.contractive_weight == 0:
            return {}
        frobenius = self.jacobian(h).pow(2).flatten(1).sum(1)  # (B,)
        return {"contractive": self.contractive_weight * frobenius.mean()}


class ContractiveAutoencoder(ContractivePenalty, DenseAutoencoder):
    """The contractive penalty on the fully connected body (dense or deep)."""


class ConvContractiveAutoencoder(ContractivePenalty, ConvAutoencoder):
    """The contractive penalty on the convolutional body."""
