"""Variational autoencoders: a Gaussian code, beta, and a KL warm-up."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from typing_extensions import override

from aelab.models.base import PAD_ID, Autoencoder, AutoencoderOutput, flat_size
from aelab.models.conv import ConvAutoencoder
from aelab.models.dense import DenseAutoencoder


def gaussian_kl(mean: Tensor, logvar: Tensor) -> Tensor:
    """``KL(N(mean, exp(logvar)) || N(0, I))`` of each item, summed over the code: ``(B,)``."""
    return 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(1)


class VariationalCode(Autoencoder):
    """Turns the body's code into a Gaussian posterior and samples from it while training.

    After "Auto-Encoding Variational Bayes" (Kingma and Welling, 2014) and, for ``beta``,
    "beta-VAE" (Higgins et al., 2017). Two linear heads map the body's ``latent_dim``
    features to the posterior's mean and log-variance; the decoder reads a reparameterized
    sample while training and the mean when evaluating.

    The loss is per element, like every aelab reconstruction loss: the reconstruction term
    plus ``beta * KL / D``, with ``D`` the elements of one item, so that with BCE it is the
    negative ELBO divided by ``D``. During the first ``kl_warmup_steps`` training steps the
    KL weight rises linearly from 0 to ``beta`` (evaluation always uses ``beta``, so that
    ``val/loss`` stays comparable across epochs). Logged: ``weighted_kl`` (the loss term),
    ``kl`` (nats per item), ``active_units`` (units whose posterior mean varies across the
    batch by more than ``active_threshold``, after Burda et al., 2016) and, in validation
    and test, ``elbo`` (nats per item; for the BCE and CE losses a true bound on the
    log-likelihood, for MSE and L1 only up to constants).

    This class adds only the code; :class:`VariationalAutoencoder` and
    :class:`ConvVariationalAutoencoder` combine it with a body.

    Args:
        beta: weight of the KL term, at least 0.
        kl_warmup_steps: training steps over which the KL weight rises to ``beta``.
        active_threshold: variance of a unit's mean above which it counts as active.
        **kwargs: arguments of the body and of :class:`~aelab.models.base.Autoencoder`.

    Raises:
        ValueError: for ``beta`` below 0 or a negative warm-up.
    """

    def __init__(
        self,
        beta: float = 1.0,
        kl_warmup_steps: int = 0,
        active_threshold: float = 0.01,
        **kwargs,
    ) -> None:
        if beta < 0:
            raise ValueError(f"model.beta={beta} must be at least 0, e.g. model.beta=1.0")
        if kl_warmup_steps < 0:
            raise ValueError(f"model.kl_warmup_steps={kl_warmup_steps} must be at least 0")
        super().__init__(**kwargs)
        self.beta = beta
        self.kl_warmup_steps = kl_warmup_steps
        self.active_threshold = active_threshold
        self.to_mean = nn.Linear(self.latent_dim, self.latent_dim)
        self.to_logvar = nn.Linear(self.latent_dim, self.latent_dim)

    @property
    def kl_weight(self) -> float:
        """``beta``, scaled down linearly during the warm-up of training."""
        if not self.training or self.kl_warmup_steps == 0:
            return self.beta
        return self.beta * min(1.0, (self.global_step + 1) / self.kl_warmup_steps)

    def posterior(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """The mean and log-variance ``(B, latent_dim)`` of the code given features ``z``."""
        return self.to_mean(z), self.to_logvar(z)

    @override
    def bottleneck(self, z: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        mean, logvar = self.posterior(z)
        code = mean
        if self.training:
            code = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        kl = gaussian_kl(mean, logvar).mean()
        return code, {"weighted_kl": self.kl_weight * kl / flat_size(self.input_shape)}

    @override
    def code_stats(self, z: Tensor, code: Tensor) -> dict[str, Tensor]:
        mean, logvar = self.posterior(z)
        active = mean.var(0, correction=0) > self.active_threshold
        return {"kl": gaussian_kl(mean, logvar).mean(), "active_units": active.float().sum()}

    @override
    def update_metrics(
        self, stage: str, out: AutoencoderOutput, target: Tensor, lengths: Tensor | None = None
    ) -> None:
        super().update_metrics(stage, out, target, lengths)
        if self.data_kind == "tokens":
            elements = (target != PAD_ID).sum(1).float().mean()
        else:
            elements = flat_size(self.input_shape)
        recon = self.reconstruction_loss(out, target, lengths) * elements  # per item, summed
        self.log(f"{stage}/elbo", -(recon + out.stats["kl"]), batch_size=len(target))

    @torch.no_grad()
    def sample(self, n: int) -> Tensor:
        """Decodes ``n`` codes drawn from the prior ``N(0, I)``: ``(n, *input_shape)``."""
        code = torch.randn(n, self.latent_dim, device=self.device)
        return self.output_activation(self.decode(code))

    @torch.no_grad()
    def interpolate(self, a: Tensor, b: Tensor, steps: int = 8) -> Tensor:
        """Decodes ``steps`` codes on the line between the posterior means of items ``a``, ``b``.

        Returns ``(steps, *input_shape)``, from ``a``'s reconstruction to ``b``'s.
        """
        mean, _ = self.posterior(self.encode(self.embed(torch.stack([a, b]))))
        weights = torch.linspace(0, 1, steps, device=mean.device).unsqueeze(1)  # (steps, 1)
        return self.output_activation(self.decode(torch.lerp(mean[0], mean[1], weights)))


class VariationalAutoencoder(VariationalCode, DenseAutoencoder):
    """A VAE on the fully connected body (dense or deep)."""


class ConvVariationalAutoencoder(VariationalCode, ConvAutoencoder):
    """A VAE on the convolutional body."""
