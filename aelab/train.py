"""``aelab-train``: compose the config, build data, model and trainer, fit, test the best.

aelab-train model=deep model.latent_dim=16 trainer.max_epochs=20
aelab-train experiment=keras_classic
aelab-train -m model=dense,deep,conv model.latent_dim=8,32
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import hydra
import lightning as L
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from aelab import CONFIG_DIR
from aelab.callbacks import RunSummary
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


def _instantiate_group(group: DictConfig | None) -> list[Any]:
    if not group:
        return []
    return [
        instantiate(node) for node in group.values() if node is not None and "_target_" in node
    ]


def train(cfg: DictConfig) -> dict[str, float]:
    """Runs one training job from a composed config and returns its test metrics."""
    if cfg.get("threads"):
        torch.set_num_threads(int(cfg.threads))
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    config = OmegaConf.to_container(cfg, resolve=True)

    callbacks = _instantiate_group(cfg.get("callbacks"))
    summary = next((cb for cb in callbacks if isinstance(cb, RunSummary)), None)
    if summary is not None:
        summary.config = config
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
        trainer.fit(model, datamodule=datamodule, ckpt_path=cfg.get("ckpt_path"))
        if not cfg.get("test", True):
            return {}
        best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
        if not best:
            log.warning("no best checkpoint was saved; testing the final weights")
        results = trainer.test(
            model, datamodule=datamodule, ckpt_path=best or None, weights_only=True
        )
        return dict(results[0]) if results else {}
    except Exception as error:
        if summary is not None:
            summary.write(
                "failed", {}, error=f"{type(error).__name__}: {error}\n{traceback.format_exc()}"
            )
        raise


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="train")
def main(cfg: DictConfig) -> float | None:
    metrics = train(cfg)
    metric = cfg.get("optimized_metric")
    return metrics.get(metric) if metric else None


if __name__ == "__main__":
    main()
