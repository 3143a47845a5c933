"""The LightningModule every aelab autoencoder subclasses.

One step, for every variant::

    x -> corrupt (denoisers, training only) -> embed (tokens only) -> encode
      -> bottleneck (code and extra loss terms) -> decode -> logits
      -> reconstruction loss + extra terms -> logged under train/, val/, test/

A variant builds its encoder and decoder in ``__init__`` and implements
:meth:`Autoencoder.encode` and :meth:`Autoencoder.decode`. It may override
:meth:`Autoencoder.bottleneck` (a different code: variational, quantized, sparse),
:meth:`Autoencoder.corrupt` (a denoising objective), :meth:`Autoencoder.penalties` (loss
terms that need the encoder's input as well as its output, such as a penalty on the
encoder's Jacobian) and :meth:`Autoencoder.code_stats` (diagnostics of the code, logged but
not optimized). It never reimplements the step.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import lightning as L
import torch
import torch.nn.functional as F
from lightning.pytorch.callbacks import Checkpoint, GradientAccumulationScheduler, ModelCheckpoint
from lightning.pytorch.plugins.precision import Precision
from lightning.pytorch.strategies import SingleDeviceStrategy
from lightning.pytorch.utilities.model_helpers import is_overridden
from torch import Tensor, nn
from torchmetrics import MeanMetric, MeanSquaredError, MetricCollection
from torchmetrics.functional.audio import (
    scale_invariant_signal_noise_ratio,
    signal_noise_ratio,
)
from torchmetrics.image import PeakSignalNoiseRatio, StructuralSimilarityIndexMeasure
from typing_extensions import override

from aelab.data.base import DATA_KINDS
from aelab.nn.layers import init_weights

log = logging.getLogger(__name__)

OptimizerFactory = Callable[[Iterable[nn.Parameter]], torch.optim.Optimizer]
SchedulerFactory = Callable[[torch.optim.Optimizer], Any]

LOSSES: dict[str, tuple[str, ...]] = {
    "unit": ("bce", "mse", "l1"),
    "signed": ("mse", "l1", "snr"),
    "tokens": ("ce",),
}
DEFAULT_LOSS = {"unit": "bce", "signed": "mse", "tokens": "ce"}
PAD_ID = 0


@dataclass
class AutoencoderOutput:
    """What every variant's forward returns.

    Attributes:
        logits: raw decoder output, ``(B, *shape)``; for tokens ``(B, V, L)``.
        code: the code the decoder read, ``(B, latent_dim)`` for vector codes.
        terms: extra loss terms, already weighted, added to the reconstruction loss and
            logged under their names.
        stats: diagnostics of the code (mean activation, codebook usage, ...), logged under
            their names and not added to the loss.
        to_data: maps ``logits`` to data space (:meth:`Autoencoder.output_activation`);
            ``None`` when the logits already are the reconstruction.
    """

    logits: Tensor
    code: Tensor
    terms: dict[str, Tensor] = field(default_factory=dict)
    stats: dict[str, Tensor] = field(default_factory=dict)
    to_data: Callable[[Tensor], Tensor] | None = field(default=None, repr=False)

    @functools.cached_property
    def recon(self) -> Tensor:
        """The reconstruction in data space: values for images and sound, token ids for text.

        Computed on first use: a training step on the BCE or cross-entropy of the logits
        never needs it, and a sigmoid over the batch costs a small model's step several
        percent.
        """
        return self.logits if self.to_data is None else self.to_data(self.logits)


class Autoencoder(L.LightningModule):
    """Base autoencoder: the steps, losses, metrics and optimizers of every variant.

    The data-derived arguments (``input_shape``, ``data_kind``, ``vocab_size``) come from
    the DataModule's :class:`~aelab.data.DataSpec`; the entry points pass them in.

    Args:
        input_shape: shape of one item, ``(C, H, W)``, ``(C, L)`` or ``(L,)`` for tokens.
        data_kind: ``"unit"`` ([0, 1], sigmoid output), ``"signed"`` ([-1, 1], tanh output)
            or ``"tokens"`` (ids; logits over the vocabulary).
        vocab_size: vocabulary size, for tokens only.
        latent_dim: size of the code.
        loss: ``"bce"`` (on logits), ``"mse"``, ``"l1"``, ``"snr"`` (the negative
            signal-to-noise ratio in dB, for signed data), or ``"ce"`` for tokens; by
            default the data kind's natural loss (bce, mse, ce).
        embed_dim: token embedding size, for tokens only.
        weight_init: ``"xavier_uniform"`` (Keras's Glorot-uniform, the default: with
            torch's own init a ReLU code loses several units for good), ``"default"``
            (torch's) or ``"kaiming_normal"``; applied once when fitting starts.
        optimizer: builds the optimizer from the parameters (a ``_partial_`` config);
            Adam with lr 1e-3 when not given.
        scheduler: builds an LR scheduler from the optimizer (a ``_partial_`` config).
        scheduler_monitor: metric a plateau scheduler watches.

    Raises:
        ValueError: for a latent size below 1, an unknown data kind, or a loss that does
            not fit the data kind.
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        data_kind: str = "unit",
        vocab_size: int | None = None,
        latent_dim: int = 32,
        loss: str | None = None,
        embed_dim: int = 32,
        weight_init: str = "xavier_uniform",
        optimizer: OptimizerFactory | None = None,
        scheduler: SchedulerFactory | None = None,
        scheduler_monitor: str = "val/loss",
    ) -> None:
        super().__init__()
        # NOTE: the optimizer and scheduler factories stay out of the checkpoint so that it
        # loads with weights_only=True; the run's config, saved beside, rebuilds them.
        self.save_hyperparameters(ignore=["optimizer", "scheduler"], logger=False)
        if data_kind not in DATA_KINDS:
            raise ValueError(f"data kind {data_kind!r} is not one of {DATA_KINDS}")
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(
                f"model.latent_dim must be a positive integer, got {latent_dim!r}; "
                f"set e.g. model.latent_dim=32"
            )
        loss = loss or DEFAULT_LOSS[data_kind]
        if loss not in LOSSES[data_kind]:
            raise ValueError(
                f"model.loss={loss!r} does not fit {data_kind!r} data; "
                f"choose one of {LOSSES[data_kind]}"
            )
        if data_kind == "tokens" and (vocab_size is None or vocab_size < 2):
            raise ValueError(f"token data needs a vocabulary of at least 2, got {vocab_size}")

        self.input_shape = tuple(int(s) for s in input_shape)
        self.data_kind = data_kind
        self.latent_dim = latent_dim
        self.loss_name = loss
        self.weight_init = weight_init
        self.optimizer_factory = optimizer or functools.partial(torch.optim.Adam, lr=1e-3)
        self.scheduler_factory = scheduler
        self.scheduler_monitor = scheduler_monitor
        self._weights_initialized = False
        self._direct_step = False
        self._by_hand = False
        # set by every self.log, from the module or a callback; see aelab.loops
        self.logged_since_batch_end = True

        if data_kind == "tokens":
            self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
            # the bodies see (E, L) and produce (V, L)
            self.body_in_shape = (embed_dim, *self.input_shape)
            self.body_out_shape = (vocab_size, *self.input_shape)
        else:
            self.embedding = None
            self.body_in_shape = self.body_out_shape = self.input_shape

        self.metrics = nn.ModuleDict(
            {stage: self.build_metrics(stage) for stage in ("val", "test")}
        )

    # -- what a variant implements -----------------------------------------------------------

    def encode(self, h: Tensor) -> Tensor:
        """Maps the (embedded) input ``(B, *body_in_shape)`` to the pre-bottleneck code."""
        raise NotImplementedError(f"{type(self).__name__} must implement encode()")

    def decode(self, code: Tensor) -> Tensor:
        """Maps a code to logits of shape ``(B, *body_out_shape)``."""
        raise NotImplementedError(f"{type(self).__name__} must implement decode()")

    def bottleneck(self, z: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """Turns the encoder's output into the code, with any extra loss terms.

        The default passes ``z`` through with no terms. Variational, quantized and sparse
        variants override this.
        """
        return z, {}

    def corrupt(self, x: Tensor) -> Tensor:
        """Corrupts a training batch before encoding; the clean batch stays the target."""
        return x

    def penalties(self, h: Tensor, z: Tensor) -> dict[str, Tensor]:
        """Extra loss terms that need the encoder's input ``h`` as well as its output ``z``.

        ``h`` is what :meth:`encode` read (the embedded, possibly corrupted input) and ``z``
        what it returned. The default adds none; a contractive variant penalizes the
        Jacobian of ``encode`` at ``h`` here.
        """
        return {}

    def code_stats(self, z: Tensor, code: Tensor) -> dict[str, Tensor]:
        """Diagnostics of a batch's code, logged beside the loss (computed without grad).

        Args:
            z: the encoder's output, before the bottleneck.
            code: what the bottleneck made of it, the code the decoder read.
        """
        return {}

    # -- the shared machinery ---------------------------------------------------------------

    def embed(self, x: Tensor) -> Tensor:
        """Returns what the encoder reads: ``x`` itself, or token embeddings ``(B, E, L)``."""
        if self.embedding is None:
            return x
        return self.embedding(x).transpose(1, 2)  # (B, L, E) -> (B, E, L)

    def output_activation(self, logits: Tensor) -> Tensor:
        """Maps logits to data space: sigmoid, tanh, or the most likely token."""
        if self.data_kind == "unit":
            return torch.sigmoid(logits)
        if self.data_kind == "signed":
            return torch.tanh(logits)
        return logits.argmax(dim=1)

    @override
    def forward(self, x: Tensor) -> AutoencoderOutput:
        h = self.embed(self.corrupt(x) if self.training else x)
        z = self.encode(h)
        code, terms = self.bottleneck(z)
        terms = {**terms, **self.penalties(h, z)}
        stats: dict[str, Tensor] = {}
        # the diagnostics are only logged on the training steps that log (see _step)
        if not self.training or self._logs_this_step():
            with torch.no_grad():
                stats = self.code_stats(z, code)
        logits = self.decode(code)
        return AutoencoderOutput(logits, code, terms, stats, self.output_activation)

    def codes(self, x: Tensor) -> Tensor:
        """Returns the codes of a batch of clean inputs, without extra terms."""
        return self.bottleneck(self.encode(self.embed(x)))[0]

    def greedy_reconstruction(self, out: AutoencoderOutput) -> Tensor:
        """The reconstruction the metrics score: ``out.recon`` for models that decode the
        code in one pass; autoregressive variants decode ``out.code`` greedily instead of
        reading the teacher-forced output."""
        return out.recon

    def reconstruction_loss(
        self, out: AutoencoderOutput, target: Tensor, lengths: Tensor | None = None
    ) -> Tensor:
        """The configured reconstruction loss, averaged over every element.

        ``snr`` is averaged over items instead, each item's SNR taken over its first
        ``lengths`` positions of the last axis (all of them when ``lengths`` is None).
        """
        if self.loss_name == "snr":
            mask = _length_mask(target, lengths)
            signal = (target.square() * mask).flatten(1).sum(1)
            noise = ((target - out.recon).square() * mask).flatten(1).sum(1)
            return -(10 * torch.log10((signal + 1e-8) / (noise + 1e-8))).mean()
        if self.loss_name == "bce":
            return F.binary_cross_entropy_with_logits(out.logits, target)
        if self.loss_name == "mse":
            return F.mse_loss(out.recon, target)
        if self.loss_name == "l1":
            return F.l1_loss(out.recon, target)
        return F.cross_entropy(out.logits, target, ignore_index=PAD_ID)

    def build_metrics(self, stage: str) -> MetricCollection:
        """The metrics logged for ``stage`` (``"val"`` or ``"test"``) beside the loss."""
        if self.data_kind == "unit":
            metrics: dict[str, Any] = {
                "mse": MeanSquaredError(),
                "psnr": PeakSignalNoiseRatio(data_range=1.0),
                "bce": MeanMetric(),
            }
            if stage == "test" and len(self.input_shape) == 3:
                metrics["ssim"] = StructuralSimilarityIndexMeasure(data_range=1.0)
        elif self.data_kind == "signed":
            metrics = {
                "mse": MeanSquaredError(),
                "snr_db": MeanMetric(),
                "si_snr_db": MeanMetric(),
            }
        else:
            metrics = {"token_acc": MeanMetric(), "seq_exact": MeanMetric()}
        return MetricCollection(metrics, prefix=f"{stage}/")

    def update_metrics(
        self, stage: str, out: AutoencoderOutput, target: Tensor, lengths: Tensor | None = None
    ) -> None:
        """Feeds one batch to the metrics of ``stage``.

        ``lengths`` (signed data) limits the SNRs to the real, unpadded part of each item;
        token metrics score :meth:`greedy_reconstruction` on the non-padding positions.
        """
        if self.data_kind == "tokens":
            recon = self.greedy_reconstruction(out)
            real = target != PAD_ID
            right = recon == target
            self.metrics[stage]["token_acc"].update(right[real].float())
            self.metrics[stage]["seq_exact"].update((right | ~real).all(dim=1).float())
            return
        for name, metric in self.metrics[stage].items(keep_base=True):
            if name in ("snr_db", "si_snr_db"):
                metric.update(_clip_snrs(name, out.recon, target, lengths))
            elif name == "bce":
                metric.update(F.binary_cross_entropy_with_logits(out.logits, target), len(target))
            else:
                metric.update(out.recon, target)

    def _step(self, batch: Sequence[Tensor], stage: str) -> Tensor:
        x = batch[0]
        # a third tensor, when the data has one, holds each item's unpadded length
        lengths = batch[2] if len(batch) > 2 else None
        out = self(x)

        recon = self.reconstruction_loss(out, x, lengths)
        loss = recon + sum(out.terms.values()) if out.terms else recon

        # NOTE: train/ is logged per step and val/, test/ per epoch, so that each key
        # keeps its plain name (Lightning suffixes _step/_epoch when both are on).
        on_step = stage == "train"
        if on_step and not self._logs_this_step():
            return loss
        logged = {f"{stage}/loss": loss}
        if out.terms:
            logged[f"{stage}/recon"] = recon
            logged.update({f"{stage}/{name}": value for name, value in out.terms.items()})
        logged.update({f"{stage}/{name}": value for name, value in out.stats.items()})
        self.log_dict(
            logged,
            on_step=on_step,
            on_epoch=not on_step,
            prog_bar=stage != "test",
            batch_size=len(x),
        )
        if stage != "train":
            self.update_metrics(stage, out, x, lengths)
            self.log_dict(self.metrics[stage], on_epoch=True)
        return loss

    @override
    def log(self, name: str, value: Any, *args: Any, **kwargs: Any) -> None:
        self.logged_since_batch_end = True
        super().log(name, value, *args, **kwargs)

    def _logs_this_step(self) -> bool:
        # Lightning writes step metrics every log_every_n_steps steps; self.log costs about
        # a millisecond a call, as much as a small model's whole step, so the other steps
        # skip it. The check mirrors Lightning's own (batches stepped + 1) % n == 0.
        trainer = self._trainer
        if trainer is None:
            return True
        return (self.global_step + 1) % max(trainer.log_every_n_steps, 1) == 0

    @override
    def training_step(self, batch: Sequence[Tensor], batch_idx: int) -> Tensor:
        if self._by_hand:
            return self._step_by_hand(batch)
        return self._step(batch, "train")

    def _step_by_hand(self, batch: Sequence[Tensor]) -> Tensor:
        # the same zero_grad, backward and step as Lightning's automatic optimization, less
        # its closure and the hooks nobody listens to (see _can_step_by_hand)
        optimizer = self.trainer.optimizers[0]
        optimizer.zero_grad()
        loss = self._step(batch, "train")
        loss.backward()
        optimizer.step()

        # NOTE: Lightning counts manual steps only through its optimizer wrapper, which this
        # path skips, so the step is counted here: in the manual count, which global_step
        # reads now, and in the automatic one, so that a run resumed from a checkpoint on
        # Lightning's own path goes on from the same global_step.
        loop = self.trainer.fit_loop.epoch_loop
        for progress in (
            loop.manual_optimization.optim_step_progress,
            loop.automatic_optimization.optim_progress.optimizer.step,
        ):
            progress.increment_ready()
            progress.increment_completed()
        return loss

    @override
    def validation_step(self, batch: Sequence[Tensor], batch_idx: int) -> Tensor:
        return self._step(batch, "val")

    @override
    def test_step(self, batch: Sequence[Tensor], batch_idx: int) -> Tensor:
        return self._step(batch, "test")

    @override
    def setup(self, stage: str) -> None:
        # NOTE: the init runs when fitting starts, after every subclass built its layers; a
        # resumed run restores its weights after this, and evaluation never re-inits.
        if stage == "fit" and not self._weights_initialized:
            init_weights(self, self.weight_init)
            self._weights_initialized = True

    @override
    def on_train_start(self) -> None:
        if self._by_hand:
            # a fit that stopped with an error left it set
            self.automatic_optimization = True
        self._direct_step = _can_step_directly(self)
        # NOTE: Lightning's automatic optimization runs a closure and calls a dozen hooks on
        # the module and every callback at each step: about 0.5 ms here, a tenth of a small
        # model's step. When nothing listens to those hooks and nothing needs the closure,
        # the module steps itself as in manual optimization, with the same result.
        self._by_hand = self._direct_step and _can_step_by_hand(self)
        if self._by_hand:
            self.automatic_optimization = False

    @override
    def on_train_end(self) -> None:
        if self._by_hand:
            self.automatic_optimization = True
            self._by_hand = False

    @override
    def optimizer_step(
        self,
        epoch: int,
        batch_idx: int,
        optimizer: Any,
        optimizer_closure: Callable[[], Any] | None = None,
    ) -> None:
        # NOTE: Lightning's optimizer wrapper, strategy and precision plugin cost 0.2 to
        # 0.3 ms a step on CPU, up to a tenth of a small model's whole step. When none of
        # what they add is in use (see _can_step_directly), the torch optimizer runs the
        # same closure itself; Lightning still counts the step, accumulates, and steps the
        # LR schedulers.
        if self._direct_step:
            optimizer.optimizer.step(closure=optimizer_closure)
        else:
            super().optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)

    @override
    def configure_optimizers(self) -> Any:
        optimizer = self.optimizer_factory(self.parameters())
        if self.scheduler_factory is None:
            return optimizer
        scheduler = self.scheduler_factory(optimizer)
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "monitor": self.scheduler_monitor},
        }

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def _can_step_directly(module: L.LightningModule) -> bool:
    """Whether an optimizer step may skip Lightning's optimizer wrapper and plugins.

    Only when they would add nothing: one device, 32-bit precision, no gradient clipping,
    and no module or callback hook that runs inside the step.
    """
    trainer = module.trainer
    if (
        trainer.gradient_clip_val
        or type(trainer.precision_plugin) is not Precision
        or type(trainer.strategy) is not SingleDeviceStrategy
    ):
        return False
    hooks = ("on_before_optimizer_step", "configure_gradient_clipping")
    if any(is_overridden(hook, module, L.LightningModule) for hook in hooks):
        return False
    return not any(
        is_overridden("on_before_optimizer_step", callback, L.Callback)
        for callback in trainer.callbacks
    )


def _can_step_by_hand(module: Autoencoder) -> bool:
    """Whether :meth:`Autoencoder._step_by_hand` may stand in for automatic optimization.

    On top of :func:`_can_step_directly`: automatic optimization is on, one optimizer, no
    LR scheduler (manual optimization does not step them), no gradient accumulation, no
    checkpoints saved by step or time (they act differently under manual optimization), and
    neither a subclass nor a callback overrides a hook of the step.
    """
    trainer = module.trainer
    if (
        not module.automatic_optimization
        or len(trainer.optimizers) != 1
        or trainer.lr_scheduler_configs
        or trainer.accumulate_grad_batches != 1
    ):
        return False
    module_hooks = (
        "training_step",
        "optimizer_step",
        "optimizer_zero_grad",
        "backward",
        "on_before_backward",
        "on_after_backward",
        "on_before_zero_grad",
    )
    if any(is_overridden(hook, module, Autoencoder) for hook in module_hooks):
        return False
    callback_hooks = ("on_before_backward", "on_after_backward", "on_before_zero_grad")
    for callback in trainer.callbacks:
        if isinstance(callback, GradientAccumulationScheduler) or any(
            is_overridden(hook, callback, L.Callback) for hook in callback_hooks
        ):
            return False
        if isinstance(callback, Checkpoint) and not (
            isinstance(callback, ModelCheckpoint)
            and callback._every_n_train_steps == 0
            and callback._train_time_interval is None
        ):
            return False
    return True


def _length_mask(target: Tensor, lengths: Tensor | None) -> Tensor:
    """Ones on the first ``lengths[i]`` positions of the last axis of item ``i``."""
    if lengths is None:
        return torch.ones_like(target)
    positions = torch.arange(target.shape[-1], device=target.device)
    mask = positions < lengths.view(-1, *([1] * (target.dim() - 1)))  # (B, 1, ..., T)
    return mask.expand_as(target).to(target.dtype)


def _clip_snrs(name: str, recon: Tensor, target: Tensor, lengths: Tensor | None) -> Tensor:
    """Per-item SNR or SI-SNR in dB over each item's unpadded part, flattened."""
    snr = scale_invariant_signal_noise_ratio if name == "si_snr_db" else signal_noise_ratio
    values = []
    for i in range(len(target)):
        n = target.shape[-1] if lengths is None else int(lengths[i])
        values.append(snr(recon[i, ..., :n].flatten(), target[i, ..., :n].flatten()))
    return torch.stack(values)


def flat_size(shape: Sequence[int]) -> int:
    """Number of elements in one item of ``shape``."""
    return math.prod(shape)
