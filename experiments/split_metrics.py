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

from aelab.evaluate import load_trained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ckpt_path", type=Path)
    parser.add_argument("split", choices=["train", "val", "test"])
    parser.add_argument("--data-dir", default=None, help="data folder, if not the run's own")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(1)

    model, datamodule = load_trained(args.ckpt_path, args.data_dir)
    # the test loop scores whatever split sits in datamodule.test
    datamodule.test = getattr(datamodule, args.split)
    trainer = L.Trainer(logger=False, enable_checkpointing=False, enable_progress_bar=False)
    metrics = trainer.test(model, datamodule=datamodule, verbose=False)[0]
    named = {key.replace("test/", f"{args.split}/"): value for key, value in metrics.items()}
    print(json.dumps(named, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
