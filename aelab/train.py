"""``aelab-train``: compose the config, build data, model and trainer, fit, test the best.

aelab-train model=deep model.latent_dim=16 trainer.max_epochs=20
aelab-train experiment=keras_classic
aelab-train -m model=dense,deep,conv model.latent_dim=8,32
aelab-train -m hydra/launcher=parallel hydra.sweep.dir=logs/s model=dense,deep resume=true
aelab-train -m hparams_search=mnist_optuna
"""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path
from typing import Any

import hydra
import lightning as L
import torch
from hydra.utils import instantiate
from lightning.pytorch.callbacks import ProgressBar
from omegaconf import DictConfig, OmegaConf

from aelab import CONFIG_DIR
from aelab.callbacks import RunSummary
from aelab.callbacks.summary import METRICS_FILE
from aelab.data.base import DataSpec, InMemoryDataModule
from aelab.models.base import Autoencoder

log = logging.getLogger(__name__)


def build_datamodule(cfg: DictConfig) -> InMemoryDataModule:
    """Instantiates ``cfg.data`` and reads it into memory."""
    datamodule = instantiate(cfg.data, _convert_="all")
    datamodule.prepare_data()
    datamodule.setup("fit")
    return datamodule


def build_model(cfg: DictConfig, spec: DataSpec) -> Autoencoder:
    """Instantiates ``cfg.model`` for data of ``spec``, with the configured optimizer."""
    optimizer = instantiate(cfg.optimizer) if cfg.get("optimizer") else None
    scheduler = instantiate(cfg.scheduler) if cfg.get("scheduler") else None
    return instantiate(
        cfg.model,
        input_shape=list(spec.shape),
        data_kind=spec.kind,
        vocab_size=spec.vocab_size,
        optimizer=optimizer,
        scheduler=scheduler,
        _convert_="all",
    )


def _instantiate_group(group: DictConfig | None, exclude: tuple[str, ...] = ()) -> list[Any]:
    if not group:
        return []
    return [
        instantiate(node)
        for name, node in group.items()
        if name not in exclude and node is not None and "_target_" in node
    ]


def build_callbacks(cfg: DictConfig, exclude: tuple[str, ...] = ()) -> list[L.Callback]:
    """Instantiates ``cfg.callbacks``, less the entries named in ``exclude``.

    A progress bar is left out when ``trainer.enable_progress_bar`` is false: Lightning
    refuses one beside that setting.
    """
    callbacks = _instantiate_group(cfg.get("callbacks"), exclude)
    if cfg.trainer.get("enable_progress_bar") is False:
        callbacks = [cb for cb in callbacks if not isinstance(cb, ProgressBar)]
    return callbacks


def previous_run(
    cfg: DictConfig, summary: RunSummary | None
) -> tuple[dict[str, Any] | None, Path | None]:
    """What an earlier attempt of this job left in its folder, for ``resume=true``.

    Returns:
        The earlier ``metrics.json`` record if it says ``completed`` (else ``None``), and the
        last checkpoint to continue from, if there is one.

    Raises:
        ValueError: when the folder holds a run of other hyperparameters, as happens when a
            different sweep command is rerun into the same ``hydra.sweep.dir``.
    """
    output_dir = Path(cfg.paths.output_dir)
    path = output_dir / METRICS_FILE
    record = json.loads(path.read_text()) if path.is_file() else None
    if record is not None and summary is not None:
        before, now = record.get("hparams", {}), summary.hparams
        changed = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
        if changed:
            key = changed[0]
            raise ValueError(
                f"resume=true, but {output_dir} holds a run with other hyperparameters "
                f"({key}: {before.get(key)!r} there, {now.get(key)!r} now); rerun the same "
                f"sweep command, or pass a new hydra.sweep.dir"
            )
    ckpt_dir = OmegaConf.select(cfg, "callbacks.model_checkpoint.dirpath")
    last = Path(ckpt_dir or output_dir / "checkpoints") / "last.ckpt"
    completed = record if record is not None and record.get("status") == "completed" else None
    return completed, last if last.is_file() else None


def train(cfg: DictConfig) -> dict[str, float]:
    """Runs one training job from a composed config.

    Returns:
        The last epoch's validation metrics and the test metrics of the best checkpoint;
        with ``resume=true`` and a completed run in the folder, the recorded test metrics.
    """
    if cfg.get("threads"):
        torch.set_num_threads(int(cfg.threads))
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    config = OmegaConf.to_container(cfg, resolve=True)

    callbacks = build_callbacks(cfg)
    summary = next((cb for cb in callbacks if isinstance(cb, RunSummary)), None)
    if summary is not None:
        summary.config = config
    ckpt_path = cfg.get("ckpt_path")
    if cfg.get("resume"):
        record, last = previous_run(cfg, summary)
        if record is not None:
            log.info("resume=true: %s is completed; skipping it", cfg.paths.output_dir)
            return dict(record.get("metrics", {}))
        if ckpt_path is None and last is not None:
            log.info("resume=true: continuing from %s", last)
            ckpt_path = str(last)
    try:
        datamodule = build_datamodule(cfg)
        model = build_model(cfg, datamodule.spec)
        log.info(
            "%s: %d parameters, data %s",
            type(model).__name__,
            model.num_parameters,
            datamodule.spec,
        )
        loggers = _instantiate_group(cfg.get("logger"))
        trainer: L.Trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
        trainer.fit(model, datamodule=datamodule, ckpt_path=ckpt_path)
        # the last epoch's validation metrics, for a sweeper's optimized_metric=val/loss
        metrics = {
            k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("val/")
        }
        if not cfg.get("test", True):
            return metrics
        best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
        if not best:
            log.warning("no best checkpoint was saved; testing the final weights")
        results = trainer.test(
            model, datamodule=datamodule, ckpt_path=best or None, weights_only=True
        )
        return {**metrics, **(results[0] if results else {})}
    except Exception as error:
        if summary is not None:
            # the first line names the root cause, not Hydra's InstantiationException around it
            cause = error
            while cause.__cause__ is not None:
                cause = cause.__cause__
            summary.write(
                "failed", {}, error=f"{type(cause).__name__}: {cause}\n{traceback.format_exc()}"
            )
        raise


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="train")
def main(cfg: DictConfig) -> float | None:
    metrics = train(cfg)
    metric = cfg.get("optimized_metric")
    return metrics.get(metric) if metric else None


if __name__ == "__main__":
    main()
