"""A TQDM progress bar that redraws by the clock rather than by the step."""

from __future__ import annotations

import math
import time
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import TQDMProgressBar
from typing_extensions import override


class ThrottledProgressBar(TQDMProgressBar):
    """Lightning's TQDM bar, redrawn at most once every ``min_interval`` seconds.

    Lightning redraws its bar every ``refresh_rate`` batches, and each redraw gathers the
    logged metrics and writes the bar twice: about 4 ms here. A small model takes a few
    milliseconds a step, so a step-based rate either costs a tenth of the training time or
    leaves a slow model's bar still for minutes. Redrawing by the clock costs the same
    few redraws a second for every model. The last batch of an epoch is always drawn.

    Args:
        min_interval: seconds between two redraws of the same bar.
        leave: keep each epoch's finished bar on screen.
    """

    def __init__(self, min_interval: float = 0.5, leave: bool = False) -> None:
        if min_interval < 0:
            raise ValueError(
                f"callbacks.progress_bar.min_interval must be 0 or more seconds, "
                f"got {min_interval}"
            )
        super().__init__(refresh_rate=1, leave=leave)
        self.min_interval = min_interval
        self._drawn_at: dict[str, float] = {}

    def _due(self, stage: str, batch_idx: int, bar: Any) -> bool:
        """Whether the bar of ``stage`` should redraw after batch ``batch_idx``."""
        now = time.perf_counter()
        last = bar is None or bar.total is None or batch_idx + 1 >= bar.total
        if not last and now - self._drawn_at.get(stage, -math.inf) < self.min_interval:
            return False
        self._drawn_at[stage] = now
        return True

    @override
    def on_train_batch_end(
        self,
        trainer: L.Trainer,
        pl_module: L.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        if self._due("train", batch_idx, self.train_progress_bar):
            super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)

    @override
    def on_validation_batch_end(
        self,
        trainer: L.Trainer,
        pl_module: L.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        if self._due("val", batch_idx, self.val_progress_bar):
            super().on_validation_batch_end(
                trainer, pl_module, outputs, batch, batch_idx, dataloader_idx
            )

    @override
    def on_test_batch_end(
        self,
        trainer: L.Trainer,
        pl_module: L.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        if self._due("test", batch_idx, self.test_progress_bar):
            super().on_test_batch_end(
                trainer, pl_module, outputs, batch, batch_idx, dataloader_idx
            )
