"""Records what a run did: metrics.json, TensorBoard hyperparameters, the config in checkpoints."""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path
from typing import Any

import lightning as L
import torch
from torch.utils.tensorboard.summary import hparams as hparams_summary
from typing_extensions import override

from aelab.callbacks.reconstructions import tensorboard_writer

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
# plumbing that differs between runs without being a hyperparameter
SKIPPED_PREFIXES = (
    "paths.",
    "hydra.",
    "callbacks.",
    "logger.",
    "task_name",
    "ckpt_path",
    "resume",
    # the Trainer class and its loop change speed, not results (tests/test_loops.py)
    "trainer._target_",
    "trainer.lean_loop",
)
SKIPPED_SUFFIXES = ("_partial_", "default_root_dir", "data_dir")


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flattens a nested config into ``{"model.latent_dim": 32, ...}``."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _hparam_value(value: Any) -> int | float | str | bool:
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def hyperparameters(config: dict[str, Any]) -> dict[str, int | float | str | bool]:
    """The hyperparameters of a run's config: flattened, plumbing left out, lists as text."""
    return {
        k: _hparam_value(v)
        for k, v in flatten(config).items()
        if not k.startswith(SKIPPED_PREFIXES) and not k.endswith(SKIPPED_SUFFIXES)
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Writes ``data`` to ``path`` through a temporary file, so readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    tmp.replace(path)


class RunSummary(L.Callback):
    """Writes the run's ``metrics.json`` and its hyperparameters beside its final metrics.

    ``metrics.json`` holds the status, the final test metrics, the run's hyperparameters
    (its whole config, flattened), epochs, seconds per epoch and the parameter count.
    The same hyperparameters and test metrics go to TensorBoard's HPARAMS tab. Every
    checkpoint carries the run's resolved config as plain data under ``aelab_config``, so
    that it can be rebuilt from the checkpoint alone, loaded with ``weights_only=True``.
    A non-finite training loss stops the run with a ``FloatingPointError``, which the entry
    point records as a failure; the epoch times travel in the checkpoint, so that a resumed
    run still counts every epoch.

    Args:
        output_dir: the run's folder.
        config: the run's resolved config as plain containers; the entry point sets it.
    """

    def __init__(self, output_dir: str, config: dict[str, Any] | None = None) -> None:
        self.output_dir = Path(output_dir)
        self.config = config or {}
        self.epoch_seconds: list[float] = []
        self._epoch_start: float | None = None

    @property
    def hparams(self) -> dict[str, Any]:
        return hyperparameters(self.config)

    @override
    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._epoch_start = time.perf_counter()

    @override
    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._epoch_start is not None:
            self.epoch_seconds.append(time.perf_counter() - self._epoch_start)
            self._epoch_start = None

    @override
    def on_train_batch_end(
        self,
        trainer: L.Trainer,
        pl_module: L.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        # the loss is one number: reading it costs less than a torch check on it
        if isinstance(loss, torch.Tensor) and loss.numel() == 1 and not math.isfinite(loss):
            raise FloatingPointError(
                f"train/loss is {float(loss)} at epoch {trainer.current_epoch}, step "
                f"{trainer.global_step}: the run diverged; lower optimizer.lr or change the model"
            )

    @override
    def state_dict(self) -> dict[str, Any]:
        seconds = list(self.epoch_seconds)
        if self._epoch_start is not None:
            # NOTE: Lightning saves the epoch's checkpoint after validation, before the
            # epoch ends; the epoch being saved counts as done.
            seconds.append(time.perf_counter() - self._epoch_start)
        return {"epoch_seconds": seconds}

    @override
    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        # A resumed run starts with nothing recorded and takes the checkpoint's epochs; the
        # test of the best checkpoint after fitting restores callbacks too, and must not put
        # back the shorter record of that earlier epoch.
        if not self.epoch_seconds:
            self.epoch_seconds = list(state_dict.get("epoch_seconds", []))

    @override
    def on_save_checkpoint(
        self, trainer: L.Trainer, pl_module: L.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        checkpoint["aelab_config"] = self.config

    @override
    def on_test_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        metrics = {
            k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("test/")
        }
        self.write("completed", metrics, trainer, pl_module)
        writer = tensorboard_writer(trainer)
        finite = {k: v for k, v in metrics.items() if math.isfinite(v)}
        if writer is not None and finite:
            experiment, start, end = hparams_summary(self.hparams, finite)
            file_writer = writer._get_file_writer()
            for summary in (experiment, start, end):
                file_writer.add_summary(summary)
            writer.flush()

    def write(
        self,
        status: str,
        metrics: dict[str, float],
        trainer: L.Trainer | None = None,
        pl_module: L.LightningModule | None = None,
        error: str | None = None,
    ) -> Path:
        """Writes ``metrics.json`` with ``status`` (``completed``, ``failed``, ...)."""
        record: dict[str, Any] = {
            "status": status,
            "metrics": metrics,
            "hparams": self.hparams,
            "epochs": len(self.epoch_seconds),
            "torch_threads": torch.get_num_threads(),
            "seconds_per_epoch": (
                sum(self.epoch_seconds) / len(self.epoch_seconds) if self.epoch_seconds else None
            ),
        }
        if trainer is not None:
            record["global_step"] = trainer.global_step
            ckpt = trainer.checkpoint_callback
            if ckpt is not None and getattr(ckpt, "best_model_path", ""):
                record["best_checkpoint"] = ckpt.best_model_path
                if ckpt.best_model_score is not None:
                    record["best_score"] = float(ckpt.best_model_score)
        if pl_module is not None:
            record["parameters"] = sum(p.numel() for p in pl_module.parameters())
        if error is not None:
            record["error"] = error
        path = self.output_dir / METRICS_FILE
        write_json(path, record)
        log.info("wrote %s (%s)", path, status)
        return path
