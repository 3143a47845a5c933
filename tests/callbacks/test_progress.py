"""The progress bar redraws by the clock: a few times a second, whatever a step costs."""

import io
import sys

import lightning as L
import pytest
import torch

from aelab.callbacks import ThrottledProgressBar
from aelab.data import TensorBatchLoader
from aelab.models import DenseAutoencoder

BATCHES = 7


class DrawnCounts(L.Callback):
    """Records, after every training batch, the count the bar last drew."""

    def __init__(self, bar: ThrottledProgressBar) -> None:
        self.bar = bar
        self.drawn: list[int] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.drawn.append(self.bar.train_progress_bar.n)


def fit_with_bar(bar: ThrottledProgressBar, monkeypatch) -> list[int]:
    # the bar writes to stdout; keep it off the test's output
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    torch.manual_seed(0)
    loader = TensorBatchLoader((torch.rand(BATCHES * 4, 1, 4, 4),), batch_size=4)
    counts = DrawnCounts(bar)
    trainer = L.Trainer(
        max_epochs=1,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        callbacks=[bar, counts],
    )
    model = DenseAutoencoder(input_shape=(1, 4, 4), latent_dim=2)
    trainer.fit(model, train_dataloaders=loader, val_dataloaders=loader)
    return counts.drawn


def test_a_long_interval_draws_the_first_and_the_last_batch_only(monkeypatch):
    drawn = fit_with_bar(ThrottledProgressBar(min_interval=3600), monkeypatch)
    assert drawn == [1] * (BATCHES - 1) + [BATCHES]


def test_no_interval_draws_every_batch(monkeypatch):
    drawn = fit_with_bar(ThrottledProgressBar(min_interval=0), monkeypatch)
    assert drawn == list(range(1, BATCHES + 1))


def test_a_negative_interval_names_the_key():
    with pytest.raises(ValueError, match=r"callbacks.progress_bar.min_interval .* got -1"):
        ThrottledProgressBar(min_interval=-1)
