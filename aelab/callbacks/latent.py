"""Shows what the code space of a generative variant decodes to: samples, interpolations."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, runtime_checkable

import lightning as L
import torch
from torch import Tensor, nn
from torch.utils.tensorboard import SummaryWriter
from torchvision.utils import make_grid
from typing_extensions import override

from aelab.callbacks.reconstructions import tensorboard_writer

log = logging.getLogger(__name__)


@contextmanager
def evaluating(module: nn.Module) -> Iterator[None]:
    """Runs a block with ``module`` in evaluation mode and without grad, then restores it."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        module.train(was_training)


@runtime_checkable
class Generative(Protocol):
    """A model that decodes codes it draws itself and codes between two items."""

    def sample(self, n: int) -> Tensor: ...

    def interpolate(self, a: Tensor, b: Tensor, steps: int = 8) -> Tensor: ...


class LatentSamplesLogger(L.Callback):
    """Every few validation epochs, logs samples and interpolations of a generative model.

    For models with ``sample`` and ``interpolate`` (the variational and quantized
    variants; others are skipped). Images go to TensorBoard as a grid of samples and a grid
    with one interpolation per row, between validation items ``2i`` and ``2i + 1``; sound
    (when the data module has ``to_audio``) as clips; tokens (when it has
    ``decode_tokens``) as text.

    Args:
        num_samples: how many samples to draw.
        num_pairs: how many interpolations to show.
        steps: points on each interpolation, both ends included.
        every_n_epochs: log every this many validation epochs.
    """

    def __init__(
        self, num_samples: int = 64, num_pairs: int = 4, steps: int = 10, every_n_epochs: int = 1
    ) -> None:
        if min(num_samples, num_pairs, every_n_epochs) < 1 or steps < 2:
            raise ValueError(
                f"callbacks.latent: num_samples, num_pairs and every_n_epochs must be at "
                f"least 1 and steps at least 2, got {num_samples}, {num_pairs}, "
                f"{every_n_epochs} and {steps}"
            )
        self.num_samples = num_samples
        self.num_pairs = num_pairs
        self.steps = steps
        self.every_n_epochs = every_n_epochs

    @override
    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        due = not trainer.sanity_checking and trainer.current_epoch % self.every_n_epochs == 0
        writer = tensorboard_writer(trainer) if due else None
        split = getattr(trainer.datamodule, "val", None)
        if writer is None or split is None or not isinstance(pl_module, Generative):
            return
        x = split[0][: 2 * self.num_pairs].to(pl_module.device)
        with evaluating(pl_module):
            samples = pl_module.sample(self.num_samples)
            lines = torch.cat(
                [
                    pl_module.interpolate(a, b, self.steps)
                    for a, b in zip(x[0::2], x[1::2], strict=False)
                ]
            )  # (pairs * steps, *shape), one interpolation after the other
        for tag, items in (("val/samples", samples), ("val/interpolations", lines)):
            self.show(writer, trainer.datamodule, items, tag, trainer.global_step)

    def show(
        self,
        writer: SummaryWriter,
        datamodule: L.LightningDataModule,
        items: Tensor,
        tag: str,
        step: int,
    ) -> None:
        """Writes ``items`` as a picture grid, sound clips or text, as the data suits."""
        spec = datamodule.spec
        items = items.detach().cpu()
        if spec.kind != "tokens" and len(spec.shape) == 3:
            values = items if spec.kind == "unit" else (items + 1) / 2  # [-1, 1] -> [0, 1]
            nrow = self.steps if tag.endswith("interpolations") else 8
            writer.add_image(tag, make_grid(values, nrow=nrow, pad_value=1.0), step)
        elif spec.kind == "signed" and hasattr(datamodule, "to_audio") and spec.sample_rate:
            for i, clip in enumerate(datamodule.to_audio(items[: self.steps])):
                writer.add_audio(f"{tag}/{i}", clip.flatten(), step, sample_rate=spec.sample_rate)
        elif spec.kind == "tokens" and hasattr(datamodule, "decode_tokens"):
            lines = datamodule.decode_tokens(items)
            writer.add_text(tag, "\n\n".join(f"{i}. {t}" for i, t in enumerate(lines)), step)
        else:
            log.debug("no latent view for data %s", spec)
