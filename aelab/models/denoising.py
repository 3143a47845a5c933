"""Denoising autoencoders: corrupt the input on the fly, reconstruct the clean one."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor
from typing_extensions import override

from aelab.models.base import PAD_ID, Autoencoder
from aelab.models.conv import ConvAutoencoder
from aelab.models.dense import DenseAutoencoder
from aelab.nn.corruption import TOKEN_CORRUPTIONS, VALUE_CORRUPTIONS

# the noise level each corruption uses unless model.noise is set: a standard deviation for
# "gaussian" (the Keras tutorial's 0.5), a probability for the others
DEFAULT_NOISE = {
    "gaussian": 0.5,
    "masking": 0.25,
    "salt_and_pepper": 0.1,
    "token_dropout": 0.1,
    "token_swap": 0.1,
}


class DenoisingObjective(Autoencoder):
    """Corrupts each training batch before encoding; the clean batch stays the target.

    After "Extracting and Composing Robust Features with Denoising Autoencoders" (Vincent
    et al., 2008). The corruption is drawn anew for every batch and never stored. Images
    and sound take ``"gaussian"`` (clipped to the data range), ``"masking"`` (inputs set to
    zero) or ``"salt_and_pepper"``; token ids take ``"token_dropout"`` or ``"token_swap"``.

    Validation and test also feed a corrupted copy of each batch (seeded by the batch
    index, so every run sees the same noise) and log ``corrupted_recon`` and, for values,
    ``corrupted_mse`` (the reconstruction of the corrupted input against the clean one)
    and ``noisy_input_mse`` (the corrupted input itself against the clean one).

    This class adds only the objective; :class:`DenoisingAutoencoder` and
    :class:`ConvDenoisingAutoencoder` combine it with a body.

    Args:
        corruption: the corruption's name; by default ``"gaussian"`` for values and
            ``"token_dropout"`` for tokens.
        noise: standard deviation (gaussian) or probability (the others); by default the
            corruption's entry in ``DEFAULT_NOISE``.
        **kwargs: arguments of the body and of :class:`~aelab.models.base.Autoencoder`.

    Raises:
        ValueError: for a corruption that does not fit the data kind, or a noise level
            outside its range.
    """

    def __init__(self, corruption: str | None = None, noise: float | None = None, **kwargs):
        super().__init__(**kwargs)
        choices = TOKEN_CORRUPTIONS if self.data_kind == "tokens" else VALUE_CORRUPTIONS
        corruption = corruption or ("token_dropout" if self.data_kind == "tokens" else "gaussian")
        if corruption not in choices:
            raise ValueError(
                f"model.corruption={corruption!r} does not fit {self.data_kind!r} data; "
                f"choose one of {sorted(choices)}"
            )
        noise = DEFAULT_NOISE[corruption] if noise is None else float(noise)
        if noise <= 0 or (corruption != "gaussian" and noise > 1):
            raise ValueError(
                f"model.noise={noise} is out of range for {corruption!r}: it must be above 0"
                f"{'' if corruption == 'gaussian' else ' and at most 1 (a probability)'}"
            )
        self.corruption = corruption
        self.noise = noise
        self.value_range = (-1.0, 1.0) if self.data_kind == "signed" else (0.0, 1.0)

    @override
    def corrupt(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        if self.data_kind == "tokens":
            return TOKEN_CORRUPTIONS[self.corruption](x, self.noise, PAD_ID, generator=generator)
        low, high = self.value_range
        return VALUE_CORRUPTIONS[self.corruption](x, self.noise, low, high, generator=generator)

    def log_corrupted(self, stage: str, batch: Sequence[Tensor], batch_idx: int) -> None:
        """Logs how well the model restores a corrupted copy of the clean batch."""
        x = batch[0]
        lengths = batch[2] if len(batch) > 2 else None
        generator = torch.Generator(device=x.device).manual_seed(batch_idx)
        noisy = self.corrupt(x, generator)
        out = self(noisy)  # evaluation mode: forward itself corrupts nothing
        logged = {f"{stage}/corrupted_recon": self.reconstruction_loss(out, x, lengths)}
        if self.data_kind != "tokens":
            logged[f"{stage}/corrupted_mse"] = F.mse_loss(out.recon, x)
            logged[f"{stage}/noisy_input_mse"] = F.mse_loss(noisy, x)
        self.log_dict(logged, on_epoch=True, batch_size=len(x))

    @override
    def validation_step(self, batch: Sequence[Tensor], batch_idx: int) -> Tensor:
        loss = super().validation_step(batch, batch_idx)
        self.log_corrupted("val", batch, batch_idx)
        return loss

    @override
    def test_step(self, batch: Sequence[Tensor], batch_idx: int) -> Tensor:
        loss = super().test_step(batch, batch_idx)
        self.log_corrupted("test", batch, batch_idx)
        return loss


class DenoisingAutoencoder(DenoisingObjective, DenseAutoencoder):
    """The denoising objective on the fully connected body (dense or deep)."""


class ConvDenoisingAutoencoder(DenoisingObjective, ConvAutoencoder):
    """The denoising objective on the convolutional body."""
