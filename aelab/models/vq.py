"""Vector-quantized autoencoders: the code is a short sequence of codebook entries."""

from __future__ import annotations

import torch
from torch import Tensor
from typing_extensions import override

from aelab.models.base import Autoencoder
from aelab.models.conv import ConvAutoencoder
from aelab.models.dense import DenseAutoencoder
from aelab.nn.quantizer import VectorQuantizer, usage_stats


class QuantizedCode(Autoencoder):
    """Splits the body's code into ``latent_dim / code_dim`` vectors and quantizes each.

    After "Neural Discrete Representation Learning" (van den Oord et al., 2017): each
    ``code_dim`` slice of the code is replaced by its nearest entry of a codebook of
    ``codebook_size`` vectors, gradients pass straight through to the encoder, the
    commitment loss pulls the encoder toward its codes, and the codebook follows its
    assigned vectors by EMA with dead-code restarts (:class:`~aelab.nn.VectorQuantizer`).
    An item's code is thus ``latent_dim / code_dim`` integers (:meth:`code_indices`), and
    :meth:`decode_indices` maps integers back to data. Logged: ``commitment`` (the weighted
    loss term), ``codebook_usage`` (share of codes used in the batch) and ``perplexity``.

    This class adds only the code; :class:`VQAutoencoder` and :class:`ConvVQAutoencoder`
    combine it with a body. The body's code activation defaults to identity here.

    Args:
        codebook_size: number of codebook entries, at least 2.
        code_dim: size of each quantized vector; must divide ``latent_dim``.
        commitment: weight of the commitment loss (``beta`` in the paper).
        ema_decay: decay of the codebook's moving averages.
        restart_below: EMA assignment count below which a code is restarted; 0 disables.
        **kwargs: arguments of the body and of :class:`~aelab.models.base.Autoencoder`.

    Raises:
        ValueError: for a codebook of fewer than 2 entries, a negative commitment, or a
            ``code_dim`` that does not divide ``latent_dim``.
    """

    def __init__(
        self,
        codebook_size: int = 512,
        code_dim: int = 4,
        commitment: float = 0.25,
        ema_decay: float = 0.99,
        restart_below: float = 0.01,
        **kwargs,
    ) -> None:
        if codebook_size < 2:
            raise ValueError(
                f"model.codebook_size={codebook_size} must be at least 2: a single code "
                f"carries no information; e.g. model.codebook_size=512"
            )
        if commitment < 0:
            raise ValueError(f"model.commitment={commitment} must be at least 0")
        if not 0 <= ema_decay < 1:
            raise ValueError(f"model.ema_decay={ema_decay} must lie in [0, 1)")
        kwargs.setdefault("code_activation", "identity")
        super().__init__(**kwargs)
        if code_dim < 1 or self.latent_dim % code_dim:
            raise ValueError(
                f"model.code_dim={code_dim} must divide model.latent_dim={self.latent_dim}; "
                f"e.g. model.code_dim={next(d for d in (4, 2, 1) if self.latent_dim % d == 0)}"
            )
        self.code_dim = code_dim
        self.num_groups = self.latent_dim // code_dim
        self.commitment = commitment
        self.quantizer = VectorQuantizer(codebook_size, code_dim, ema_decay, restart_below)

    @override
    def bottleneck(self, z: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        quantized = self.quantizer(z.reshape(-1, self.code_dim))  # (B, n) -> (B * G, d)
        code = quantized.vectors.view_as(z)
        return code, {"commitment": self.commitment * quantized.commitment}

    @override
    def code_stats(self, z: Tensor, code: Tensor) -> dict[str, Tensor]:
        indices = self.quantizer.nearest(code.reshape(-1, self.code_dim))
        return usage_stats(indices, self.quantizer.num_codes)

    @torch.no_grad()
    def code_indices(self, x: Tensor) -> Tensor:
        """The integer codes of a batch of clean inputs: ``(B, latent_dim / code_dim)`` long."""
        z = self.encode(self.embed(x))
        return self.quantizer.nearest(z.reshape(-1, self.code_dim)).view(len(x), -1)

    def decode_indices(self, indices: Tensor) -> Tensor:
        """Decodes ``(B, latent_dim / code_dim)`` integer codes to data, ``(B, *input_shape)``."""
        code = self.quantizer.lookup(indices).flatten(1)  # (B, G, d) -> (B, latent_dim)
        return self.output_activation(self.decode(code))

    @torch.no_grad()
    def sample(self, n: int) -> Tensor:
        """Decodes ``n`` codes drawn entry by entry from the codebook's usage frequencies."""
        # TODO: VQ-VAE samples from a learned autoregressive prior over the codes (a
        # PixelCNN in the paper); these independent draws only show what codes decode to.
        usage = self.quantizer.ema_count.clamp_min(0)
        indices = torch.multinomial(usage, n * self.num_groups, replacement=True)
        return self.decode_indices(indices.view(n, self.num_groups))

    @torch.no_grad()
    def interpolate(self, a: Tensor, b: Tensor, steps: int = 8) -> Tensor:
        """Quantizes and decodes ``steps`` points between the encodings of items ``a``, ``b``.

        Returns ``(steps, *input_shape)``; the codes change in jumps, one entry at a time.
        """
        z = self.encode(self.embed(torch.stack([a, b])))
        weights = torch.linspace(0, 1, steps, device=z.device).unsqueeze(1)  # (steps, 1)
        line = torch.lerp(z[0], z[1], weights)
        indices = self.quantizer.nearest(line.reshape(-1, self.code_dim)).view(steps, -1)
        return self.decode_indices(indices)


class VQAutoencoder(QuantizedCode, DenseAutoencoder):
    """A VQ autoencoder on the fully connected body (dense or deep)."""


class ConvVQAutoencoder(QuantizedCode, ConvAutoencoder):
    """A VQ autoencoder on the convolutional body."""
