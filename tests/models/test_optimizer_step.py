"""The base module's optimizer step: direct when nothing needs Lightning's wrapper."""

import lightning as L
import pytest
import torch

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


def fit(*callbacks: L.Callback, **trainer_args) -> tuple[DenseAutoencoder, L.Trainer]:
    torch.manual_seed(0)
    x = torch.rand(STEPS * 8, 1, 4, 4)
    model = DenseAutoencoder(input_shape=(1, 4, 4), latent_dim=3)
    trainer = L.Trainer(
        max_epochs=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=list(callbacks),
        **trainer_args,
    )
    before = [p.detach().clone() for p in model.parameters()]
    loader = TensorBatchLoader((x,), batch_size=8)
    trainer.fit(model, train_dataloaders=loader, val_dataloaders=loader)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    return model, trainer


def test_plain_cpu_fitting_steps_directly_and_lightning_counts_the_steps():
    model, trainer = fit()
    assert model._direct_step
    assert trainer.global_step == STEPS


def test_accumulation_still_works_on_the_direct_step():
    model, trainer = fit(accumulate_grad_batches=2)
    assert model._direct_step
    assert trainer.global_step == STEPS // 2


@pytest.mark.parametrize("clip", [None, 1e-3])
def test_a_hook_inside_the_step_or_clipping_takes_lightnings_path(clip):
    recorder = StepRecorder()
    model, trainer = fit(recorder, gradient_clip_val=clip)
    assert not model._direct_step
    assert len(recorder.largest) == STEPS and trainer.global_step == STEPS
    if clip is not None:
        # the hook sees the gradients before clipping; after the step they were clipped
        assert min(recorder.largest) > clip
        assert recorder.norms == pytest.approx([clip] * STEPS, rel=1e-3)
