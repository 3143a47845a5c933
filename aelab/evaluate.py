"""``aelab-eval``: the test metrics of a saved checkpoint.

aelab-eval ckpt_path=logs/train/runs/<run>/checkpoints/best.ckpt
"""

from __future__ import annotations

import logging
from pathlib import Path

import hydra
import lightning as L
import torch
from omegaconf import DictConfig, OmegaConf

from aelab import CONFIG_DIR
from aelab.callbacks.summary import write_json
from aelab.data.base import InMemoryDataModule
from aelab.models.base import Autoencoder
from aelab.train import build_datamodule, build_model

log = logging.getLogger(__name__)


def load_run_config(ckpt_path: Path, checkpoint: dict) -> DictConfig:
    """Returns the config a checkpoint was trained with: its own copy, else the run's."""
    if "aelab_config" in checkpoint and checkpoint["aelab_config"]:
        return OmegaConf.create(checkpoint["aelab_config"])
    hydra_config = ckpt_path.resolve().parent.parent / ".hydra" / "config.yaml"
    if hydra_config.is_file():
        return OmegaConf.load(hydra_config)
    raise ValueError(
        f"{ckpt_path} holds no aelab config and {hydra_config} does not exist; evaluate a "
        f"checkpoint written by aelab-train, inside its run folder"
    )


def load_trained(
    ckpt_path: str | Path, data_dir: str | None = None
) -> tuple[Autoencoder, InMemoryDataModule]:
    """Rebuilds a run's model and data from its checkpoint, loaded with ``weights_only=True``.

    Args:
        ckpt_path: a checkpoint written by ``aelab-train``.
        data_dir: read the data from this folder instead of the run's own.

    Raises:
        FileNotFoundError: when ``ckpt_path`` does not exist.
    """
    ckpt_path = Path(ckpt_path)
    if not ckpt_path.is_file():
        raise FileNotFoundError(
            f"ckpt_path={str(ckpt_path)!r} does not exist; pass the checkpoint of a run, e.g. "
            f"ckpt_path=logs/train/runs/<run>/checkpoints/best.ckpt"
        )
    checkpoint = torch.load(ckpt_path, map_location="cpu", weights_only=True)
    run_cfg = load_run_config(ckpt_path, checkpoint)
    if data_dir:
        run_cfg.data.data_dir = data_dir

    datamodule = build_datamodule(run_cfg)
    state_key = type(datamodule).__qualname__
    if state_key in checkpoint:
        datamodule.load_state_dict(checkpoint[state_key])
    model = build_model(run_cfg, datamodule.spec)
    model.load_state_dict(checkpoint["state_dict"])
    return model, datamodule


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Tests the checkpoint ``cfg.ckpt_path`` on its data's test split."""
    ckpt_path = Path(cfg.ckpt_path)
    model, datamodule = load_trained(ckpt_path, cfg.get("data_dir"))

    trainer = L.Trainer(logger=False, enable_checkpointing=False, default_root_dir=cfg.output_dir)
    metrics = trainer.test(model, datamodule=datamodule)[0]
    write_json(
        Path(cfg.output_dir) / "metrics.json",
        {"status": "completed", "checkpoint": str(ckpt_path), "metrics": metrics},
    )
    log.info("test metrics of %s: %s", ckpt_path, metrics)
    return metrics


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="eval")
def main(cfg: DictConfig) -> None:
    evaluate(cfg)


if __name__ == "__main__":
    main()
