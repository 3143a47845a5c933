"""Writes the codes of validation items to TensorBoard's embedding projector."""

from __future__ import annotations

import logging

import lightning as L
import torch
from torch import Tensor
from typing_extensions import override

from aelab.callbacks.latent import evaluating
from aelab.callbacks.reconstructions import tensorboard_writer
from aelab.models.base import Autoencoder

log = logging.getLogger(__name__)


class CodeProjector(L.Callback):
    """When training ends, shows the codes of validation items in the PROJECTOR tab.

    Each point carries its item's label (the digit, the sentence's polarity), the
    speaker when the data module names speakers, and the text when it decodes tokens;
    image-shaped data (``(C, H, W)``, spectrograms included) also gets a sprite of the
    inputs, so that each point shows its picture.

    Args:
        num_items: how many validation items to project (the first of the seeded split).
        batch_size: items encoded at once.
    """

    def __init__(self, num_items: int = 2000, batch_size: int = 500) -> None:
        self.num_items, self.batch_size = num_items, batch_size
        if min(num_items, batch_size) < 1:
            raise ValueError(
                f"callbacks.projector: num_items={num_items} and batch_size={batch_size} must "
                f"both be at least 1"
            )

    @override
    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        writer = tensorboard_writer(trainer)
        datamodule = trainer.datamodule
        if writer is None or getattr(datamodule, "val", None) is None:
            return
        assert isinstance(pl_module, Autoencoder)
        split = datamodule.val
        x = split[0][: self.num_items]
        codes = self.encode(pl_module, x)
        header, rows = self.metadata(datamodule, split, len(x))
        sprite = None
        if len(datamodule.spec.shape) == 3 and datamodule.spec.kind != "tokens":
            sprite = x if datamodule.spec.kind == "unit" else (x + 1) / 2  # [-1, 1] -> [0, 1]
        writer.add_embedding(
            codes,
            metadata=rows or None,
            metadata_header=header if len(header) > 1 else None,
            label_img=sprite,
            global_step=trainer.global_step,
            tag="codes",
        )
        writer.flush()
        log.info("projected the codes of %d validation items", len(codes))

    def encode(self, model: Autoencoder, x: Tensor) -> Tensor:
        """The codes ``(N, latent_dim)`` of ``x``, in evaluation mode, batch by batch."""
        with evaluating(model):
            codes = [
                model.codes(part.to(model.device)).flatten(1).cpu()
                for part in x.split(self.batch_size)
            ]
        return torch.cat(codes)

    @staticmethod
    def metadata(
        datamodule: L.LightningDataModule, split: tuple[Tensor, ...], n: int
    ) -> tuple[list[str], list[str] | list[list[str]]]:
        """The projector's columns: a header and, per item, one string per column."""
        columns: dict[str, list[str]] = {}
        if len(split) > 1:
            columns["label"] = [str(v) for v in split[1][:n].tolist()]
        speakers = getattr(datamodule, "speakers", None)
        if speakers and len(split) > 3:
            # NOTE: FSDD keeps each clip's speaker index as its fourth tensor
            columns["speaker"] = [speakers[i] for i in split[3][:n].tolist()]
        if hasattr(datamodule, "decode_tokens"):
            columns["text"] = datamodule.decode_tokens(split[0][:n])
        header = list(columns)
        if len(header) == 1:
            return header, columns[header[0]]
        return header, [list(row) for row in zip(*columns.values(), strict=True)]
