"""The base module's optimizer step: by hand, or direct, when nothing needs Lightning's parts.

Three paths, the first whose conditions hold: the module steps by hand (no closure, no
step hooks), steps the torch optimizer directly inside Lightning's automatic optimization,
or goes through Lightning's optimizer wrapper.
"""

import functools

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from aelab.data import TensorBatchLoader
from aelab.models import DenseAutoencoder

STEPS = 6


class StepRecorder(L.Callback):
    """Records the gradients' largest entry before each step and their norm after it."""

    def __init__(self) -> None:
        self.largest: list[float] = []
        self.norms: list[float] = []

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        self.largest.append(max(p.grad.abs().max().item() for p in pl_module.parameters()))

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        grads = [p.grad.norm() for p in pl_module.parameters()]
        self.norms.append(torch.stack(grads).norm().item())


class BackwardListener(L.Callback):
    """Listens to a hook inside the step, so the module may not step by hand."""

    def __init__(self) -> None:
        self.calls = 0

    def on_after_backward(self, trainer, pl_module) -> None:
        self.calls += 1


class Paths(L.Callback):
    """Records which path the module took once training started."""

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.by_hand, self.direct = pl_module._by_hand, pl_module._direct_step


def fit(
    *callbacks: L.Callback,
    model: DenseAutoencoder | None = None,
    epochs: int = 1,
    ckpt_path: str | None = None,
    **trainer_args,
) -> tuple[DenseAutoencoder, L.Trainer, Paths]:
    torch.manual_seed(0)
    x = torch.rand(STEPS * 8, 1, 4, 4)
    if model is None:
        model = DenseAutoencoder(input_shape=(1, 4, 4), latent_dim=3)
    paths = Paths()
    trainer_args = {"enable_checkpointing": False, "logger": False, **trainer_args}
    trainer = L.Trainer(
        max_epochs=epochs,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=[paths, *callbacks],
        **trainer_args,
    )
    before = [p.detach().clone() for p in model.parameters()]
    loader = TensorBatchLoader((x,), batch_size=8)
    trainer.fit(model, train_dataloaders=loader, val_dataloaders=loader, ckpt_path=ckpt_path)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    # the module is left as it was found, ready for another fit
    assert model.automatic_optimization and not model._by_hand
    return model, trainer, paths


def test_plain_cpu_fitting_steps_by_hand_and_lightning_counts_the_steps():
    _, trainer, paths = fit()
    assert paths.by_hand and paths.direct
    assert trainer.global_step == STEPS


def test_by_hand_gives_the_weights_of_lightnings_own_path():
    fast, _, paths = fit()
    assert paths.by_hand
    listener = BackwardListener()
    slow, _, paths = fit(listener)
    assert not paths.by_hand and listener.calls == STEPS
    for a, b in zip(fast.parameters(), slow.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.filterwarnings("ignore:Checkpoint directory .* exists and is not empty")
def test_a_run_resumed_on_lightnings_path_goes_on_counting_steps(tmp_path):
    ckpt = ModelCheckpoint(dirpath=tmp_path, save_last=True)
    _, trainer, paths = fit(ckpt, enable_checkpointing=True)
    assert paths.by_hand and trainer.global_step == STEPS
    # resumed with a listener, so on Lightning's path: the count goes on
    _, trainer, paths = fit(
        BackwardListener(),
        ModelCheckpoint(dirpath=tmp_path, save_last=True),
        enable_checkpointing=True,
        epochs=2,
        ckpt_path=str(tmp_path / "last.ckpt"),
    )
    assert not paths.by_hand and trainer.global_step == 2 * STEPS


def test_accumulation_or_a_scheduler_takes_the_direct_step():
    _, trainer, paths = fit(accumulate_grad_batches=2)
    assert paths.direct and not paths.by_hand
    assert trainer.global_step == STEPS // 2

    model = DenseAutoencoder(
        input_shape=(1, 4, 4),
        latent_dim=3,
        scheduler=functools.partial(torch.optim.lr_scheduler.StepLR, step_size=1),
    )
    _, trainer, paths = fit(model=model)
    assert paths.direct and not paths.by_hand
    assert trainer.lr_scheduler_configs[0].scheduler.last_epoch == 1


def test_a_checkpoint_saved_by_step_keeps_lightnings_optimization(tmp_path):
    ckpt = ModelCheckpoint(dirpath=tmp_path, every_n_train_steps=2)
    _, _, paths = fit(ckpt, enable_checkpointing=True)
    assert paths.direct and not paths.by_hand
    assert (tmp_path / f"epoch=0-step={STEPS}.ckpt").is_file()


@pytest.mark.parametrize("clip", [None, 1e-3])
def test_a_hook_inside_the_step_or_clipping_takes_lightnings_path(clip):
    recorder = StepRecorder()
    _, trainer, paths = fit(recorder, gradient_clip_val=clip)
    assert not paths.direct and not paths.by_hand
    assert len(recorder.largest) == STEPS and trainer.global_step == STEPS
    if clip is not None:
        # the hook sees the gradients before clipping; after the step they were clipped
        assert min(recorder.largest) > clip
        assert recorder.norms == pytest.approx([clip] * STEPS, rel=1e-3)
