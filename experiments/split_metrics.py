"""The test metrics of a checkpoint, measured on another split (train or val).

The README tables put the training split's numbers beside the test numbers:

    python experiments/split_metrics.py logs/train/runs/<run>/checkpoints/best.ckpt train
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import lightning as L
import torch

from aelab.evaluate import load_run_config
from aelab.train import build_datamodule, build_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ckpt_path", type=Path)
    parser.add_argument("split", choices=["train", "val", "test"])
    parser.add_argument("--data-dir", default=None, help="data folder, if not the run's own")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(1)

    checkpoint = torch.load(args.ckpt_path, map_location="cpu", weights_only=True)
    cfg = load_run_config(args.ckpt_path, checkpoint)
    if args.data_dir:
        cfg.data.data_dir = args.data_dir
    datamodule = build_datamodule(cfg)
    state_key = type(datamodule).__qualname__
    if state_key in checkpoint:
        datamodule.load_state_dict(checkpoint[state_key])
    model = build_model(cfg, datamodule.spec)
    model.load_state_dict(checkpoint["state_dict"])
    # the test loop scores whatever split sits in datamodule.test
    datamodule.test = getattr(datamodule, args.split)
    trainer = L.Trainer(logger=False, enable_checkpointing=False, enable_progress_bar=False)
    metrics = trainer.test(model, datamodule=datamodule, verbose=False)[0]
    named = {key.replace("test/", f"{args.split}/"): value for key, value in metrics.items()}
    print(json.dumps(named, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
