"""Logs a fixed set of validation items beside their reconstructions to TensorBoard."""

from __future__ import annotations

import logging

import lightning as L
import torch
from lightning.pytorch.loggers import TensorBoardLogger
from torch import Tensor
from torch.utils.tensorboard import SummaryWriter
from torchvision.utils import make_grid
from typing_extensions import override

from aelab.data.base import DataSpec
from aelab.data.fsdd import SpectrogramTransform

log = logging.getLogger(__name__)


def tensorboard_writer(trainer: L.Trainer) -> SummaryWriter | None:
    """Returns the SummaryWriter of the trainer's TensorBoard logger, if it has one."""
    for logger in trainer.loggers:
        if isinstance(logger, TensorBoardLogger):
            return logger.experiment
    return None


class ReconstructionLogger(L.Callback):
    """Every validation epoch, shows the same validation items and their reconstructions.

    How they are shown follows the data's kind and shape: images as a grid with the
    originals in the top row and reconstructions below; sound (data with a sample rate) as
    audio clips, originals and reconstructions, with their spectrograms as images (a
    spectrogram representation is turned back into sound by the DataModule's
    ``to_audio``); text as a table of sentences and reconstructions, through the
    DataModule's ``decode_tokens``. Token reconstructions are greedy decodings of the code.

    Args:
        num_items: how many validation items to show (the first of the seeded split).
        every_n_epochs: log every this many validation epochs.
    """

    def __init__(self, num_items: int = 16, every_n_epochs: int = 1) -> None:
        if num_items < 1 or every_n_epochs < 1:
            raise ValueError(
                f"callbacks.reconstructions: num_items and every_n_epochs must be at least 1, "
                f"got {num_items} and {every_n_epochs}"
            )
        self.num_items = num_items
        self.every_n_epochs = every_n_epochs

    @override
    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking or trainer.current_epoch % self.every_n_epochs:
            return
        writer = tensorboard_writer(trainer)
        datamodule = trainer.datamodule
        if writer is None or datamodule is None or getattr(datamodule, "val", None) is None:
            return
        x = datamodule.val[0][: self.num_items].to(pl_module.device)
        was_training = pl_module.training
        pl_module.eval()
        with torch.no_grad():
            out = pl_module(x)
            greedy = getattr(pl_module, "greedy_reconstruction", None)
            recon = greedy(out) if greedy is not None else out.recon
        pl_module.train(was_training)
        self.show(writer, datamodule.spec, x, recon, trainer.global_step, datamodule)

    def show(
        self,
        writer: SummaryWriter,
        spec: DataSpec,
        x: Tensor,
        recon: Tensor,
        step: int,
        datamodule: L.LightningDataModule | None = None,
    ) -> None:
        """Writes originals and reconstructions in the form that suits the data."""
        if spec.kind == "unit" and len(spec.shape) == 3:
            # (2N, C, H, W): originals in the first row, reconstructions in the second
            grid = make_grid(torch.cat([x, recon]).cpu(), nrow=len(x), pad_value=1.0)
            writer.add_image("val/reconstructions", grid, step)
        elif spec.sample_rate is not None:
            self.show_audio(writer, spec, x, recon, step, datamodule)
        elif spec.kind == "tokens" and hasattr(datamodule, "decode_tokens"):
            rows = zip(datamodule.decode_tokens(x), datamodule.decode_tokens(recon), strict=True)
            table = "| sentence | reconstruction |\n| --- | --- |\n" + "\n".join(
                f"| {_markdown(a)} | {_markdown(b)} |" for a, b in rows
            )
            writer.add_text("val/reconstructions", table, step)
        else:
            log.debug("no reconstruction view for data %s", spec)

    def show_audio(
        self,
        writer: SummaryWriter,
        spec: DataSpec,
        x: Tensor,
        recon: Tensor,
        step: int,
        datamodule: L.LightningDataModule | None,
    ) -> None:
        """Audio clips of originals and reconstructions, and both spectrograms as one image."""
        to_audio = getattr(datamodule, "to_audio", None)
        if to_audio is None and len(spec.shape) != 2:
            log.debug("no way to turn data %s into sound", spec)
            return
        waves = [to_audio(t) if to_audio else t.detach().cpu() for t in (x, recon)]
        images = []
        for name, batch in zip(("original", "reconstruction"), waves, strict=True):
            for i, wave in enumerate(batch):
                writer.add_audio(
                    f"val/audio/{i:02d}_{name}", wave.clamp(-1, 1), step, spec.sample_rate
                )
            # (N, 1, F, T) in [-1, 1] -> [0, 1], low frequencies at the bottom
            images.append((SpectrogramTransform()(batch).flip(2) + 1) / 2)
        grid = make_grid(torch.cat(images), nrow=len(x), pad_value=1.0)
        writer.add_image("val/spectrograms", grid, step)


def _markdown(text: str) -> str:
    return text.replace("|", "\\|") or " "
