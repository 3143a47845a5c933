"""The lean training epoch loop does what Lightning's does, with fewer calls."""

from __future__ import annotations

import csv
from pathlib import Path

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger

from aelab.callbacks.summary import hyperparameters
from aelab.data import TensorBatchLoader
from aelab.loops import LeanTrainingEpochLoop, Trainer
from aelab.models import DenseAutoencoder

STEPS = 6


class Recorder(L.Callback):
    """Records what a callback sees at each batch, and logs from a batch hook."""

    def __init__(self) -> None:
        self.seen: list[tuple] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self.seen.append(("start", batch_idx, pl_module._current_fx_name, trainer.global_step))
        # what the batches before logged, as the progress bar and other callbacks see it
        self.seen.append(("bar", dict(trainer.progress_bar_metrics)))
        self.seen.append(("metrics", {k: v.item() for k, v in trainer.callback_metrics.items()}))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        loss = outputs["loss"]
        assert not loss.requires_grad
        self.seen.append(("end", batch_idx, loss.item(), trainer.global_step))
        if batch_idx % 3 == 0:
            pl_module.log("seen/batch_idx", float(batch_idx), on_step=True, prog_bar=True)

    def on_validation_end(self, trainer, pl_module) -> None:
        self.seen.append(("val", trainer.global_step, trainer.fit_loop.epoch_loop.batch_idx))


class StartHook(DenseAutoencoder):
    """A module with its own batch hook, which the lean loop leaves to Lightning."""

    def on_train_batch_start(self, batch, batch_idx) -> None:
        self.starts = getattr(self, "starts", 0) + 1


def fit(
    tmp_path: Path,
    *,
    lean: bool = True,
    model: DenseAutoencoder | None = None,
    epochs: int = 2,
    ckpt_path: str | None = None,
    callbacks: tuple[L.Callback, ...] = (),
    **trainer_args,
) -> tuple[DenseAutoencoder, Trainer, Recorder]:
    torch.manual_seed(0)
    x = torch.rand(STEPS * 8, 1, 4, 4)
    model = model or DenseAutoencoder(input_shape=(1, 4, 4), latent_dim=3)
    recorder = Recorder()
    trainer = Trainer(
        lean_loop=lean,
        max_epochs=epochs,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=bool(callbacks),
        logger=CSVLogger(tmp_path, name="csv", version=""),
        callbacks=[recorder, *callbacks],
        **{"log_every_n_steps": 2, "val_check_interval": 4, **trainer_args},
    )
    trainer.fit(
        model,
        train_dataloaders=TensorBatchLoader((x,), batch_size=8),
        val_dataloaders=TensorBatchLoader((x[:16],), batch_size=8),
        ckpt_path=ckpt_path,
    )
    return model, trainer, recorder


def logged(tmp_path: Path) -> list[dict[str, str]]:
    with open(tmp_path / "csv" / "metrics.csv") as f:
        return list(csv.DictReader(f))


def test_the_trainer_runs_the_lean_loop_unless_told_not_to():
    assert isinstance(Trainer().fit_loop.epoch_loop, LeanTrainingEpochLoop)
    assert not isinstance(Trainer(lean_loop=False).fit_loop.epoch_loop, LeanTrainingEpochLoop)


def test_the_lean_loop_trains_logs_and_calls_back_as_lightnings_loop(tmp_path):
    lean, lean_trainer, lean_seen = fit(tmp_path / "lean")
    assert lean_trainer.fit_loop.epoch_loop._lean
    full, full_trainer, full_seen = fit(tmp_path / "full", lean=False)

    for a, b in zip(lean.parameters(), full.parameters(), strict=True):
        assert torch.equal(a, b)
    assert lean_trainer.global_step == full_trainer.global_step == 2 * STEPS
    # every hook at the same batch and step, with the same loss and hook name; validation
    # mid-epoch at the same points
    assert lean_seen.seen == full_seen.seen
    # (the sanity check, then after the 4th batch of each epoch)
    assert [s for s in lean_seen.seen if s[0] == "val"] == [
        ("val", 0, -1),
        ("val", 4, 3),
        ("val", 10, 3),
    ]
    # the same metrics written at the same steps, the callback's own included
    rows = logged(tmp_path / "lean")
    assert rows == logged(tmp_path / "full")
    assert {"seen/batch_idx", "train/loss", "val/loss"} <= set(rows[0])
    assert lean_trainer.callback_metrics.keys() == full_trainer.callback_metrics.keys()


@pytest.mark.filterwarnings("ignore:Checkpoint directory .* exists and is not empty")
def test_a_run_resumed_on_the_lean_loop_ends_where_an_unbroken_one_does(tmp_path):
    ckpt = ModelCheckpoint(dirpath=tmp_path / "ckpt", save_last=True, save_on_train_epoch_end=True)
    fit(tmp_path / "first", epochs=1, callbacks=(ckpt,), val_check_interval=None)
    resumed, trainer, _ = fit(
        tmp_path / "resumed",
        epochs=3,
        ckpt_path=str(tmp_path / "ckpt" / "last.ckpt"),
        callbacks=(ModelCheckpoint(dirpath=tmp_path / "ckpt", save_last=True),),
        val_check_interval=None,
    )
    assert trainer.fit_loop.epoch_loop._lean and trainer.global_step == 3 * STEPS
    unbroken, _, _ = fit(tmp_path / "unbroken", epochs=3, lean=False, val_check_interval=None)
    for a, b in zip(resumed.parameters(), unbroken.parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_module_batch_hook_or_a_profiler_keeps_lightnings_path(tmp_path):
    model, trainer, _ = fit(
        tmp_path / "hook", model=StartHook(input_shape=(1, 4, 4), latent_dim=3)
    )
    assert model.starts == 2 * STEPS and trainer.global_step == 2 * STEPS
    full, _, _ = fit(
        tmp_path / "full", lean=False, model=StartHook(input_shape=(1, 4, 4), latent_dim=3)
    )
    for a, b in zip(model.parameters(), full.parameters(), strict=True):
        assert torch.equal(a, b)

    _, trainer, _ = fit(tmp_path / "profiled", profiler="simple")
    assert not trainer.fit_loop.epoch_loop._lean
    assert trainer.global_step == 2 * STEPS


class Count:
    """A callable standing in for a hook, set on an object rather than defined by its class."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args) -> None:
        self.calls += 1


class LateJoiner(L.Callback):
    """Adds a callback to the trainer after the third batch of the first epoch."""

    def __init__(self) -> None:
        self.late = Recorder()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.current_epoch == 0 and batch_idx == 2:
            trainer.callbacks.append(self.late)


@pytest.mark.parametrize("lean", [True, False])
def test_hooks_set_on_objects_or_added_mid_epoch_are_called(tmp_path, lean):
    callback = L.Callback()
    callback.on_train_batch_start = Count()
    joiner = LateJoiner()
    _, trainer, _ = fit(tmp_path / "callbacks", lean=lean, callbacks=(callback, joiner))
    assert getattr(trainer.fit_loop.epoch_loop, "_lean", False) is lean
    assert callback.on_train_batch_start.calls == 2 * STEPS
    # appended during the third batch's hooks, called from there on, as Lightning does
    assert [s[1] for s in joiner.late.seen if s[0] == "end"] == [2, 3, 4, 5, *range(STEPS)]

    model = DenseAutoencoder(input_shape=(1, 4, 4), latent_dim=3)
    model.on_train_batch_end = Count()
    fit(tmp_path / "module", lean=lean, model=model)
    assert model.on_train_batch_end.calls == 2 * STEPS


class ExtraStep(DenseAutoencoder):
    """Takes a second step per batch through Lightning's optimizer wrapper."""

    def _step(self, batch, stage):
        if stage == "train":
            optimizer = self.optimizers()
            optimizer.zero_grad()
            self(batch[0]).logits.square().mean().backward()
            optimizer.step()
        return super()._step(batch, stage)


def test_steps_through_lightnings_optimizer_wrapper_are_counted(tmp_path):
    lean, _, lean_seen = fit(
        tmp_path / "lean", model=ExtraStep(input_shape=(1, 4, 4), latent_dim=3)
    )
    full, _, full_seen = fit(
        tmp_path / "full", lean=False, model=ExtraStep(input_shape=(1, 4, 4), latent_dim=3)
    )
    assert lean_seen.seen == full_seen.seen
    assert [s[3] for s in lean_seen.seen if s[0] == "end"][:3] == [2, 4, 6]
    for a, b in zip(lean.parameters(), full.parameters(), strict=True):
        assert torch.equal(a, b)


class WithGap(TensorBatchLoader):
    """Yields None in place of its second batch."""

    def __iter__(self):
        for i, batch in enumerate(super().__iter__()):
            yield None if i == 1 else batch


@pytest.mark.filterwarnings("ignore:You defined a `validation_step` but have no `val_dataloader`")
@pytest.mark.parametrize("lean", [True, False])
def test_a_none_batch_is_skipped_with_lightnings_warning(lean):
    torch.manual_seed(0)
    x = torch.rand(STEPS * 8, 1, 4, 4)
    model = DenseAutoencoder(input_shape=(1, 4, 4), latent_dim=3)
    trainer = Trainer(
        lean_loop=lean,
        max_epochs=1,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
    )
    with pytest.warns(UserWarning, match="train_dataloader yielded None"):
        trainer.fit(model, train_dataloaders=WithGap((x,), batch_size=8))
    assert isinstance(trainer.fit_loop.epoch_loop, LeanTrainingEpochLoop) is lean
    assert trainer.global_step == STEPS - 1


def test_a_module_that_does_not_step_by_hand_keeps_lightnings_loop(tmp_path):
    _, trainer, _ = fit(tmp_path, gradient_clip_val=1.0)
    assert not trainer.fit_loop.epoch_loop._lean
    assert trainer.global_step == 2 * STEPS


def test_the_trainer_class_and_its_loop_are_not_hyperparameters():
    # a sweep folder written before the lean loop resumes, and runs on either loop compare
    config = {"trainer": {"_target_": "aelab.loops.Trainer", "lean_loop": True, "max_epochs": 3}}
    assert hyperparameters(config) == {"trainer.max_epochs": 3}
