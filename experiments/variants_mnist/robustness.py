"""Scores every run of a sweep on the denoiser's corrupted test digits, and its code's zeros.

python experiments/variants_mnist/robustness.py logs/variants_mnist

For each run's best checkpoint: the MSE of its reconstruction of the test digits under
the Gaussian noise (std 0.5, clipped) that the denoiser is tested with, drawn with the
same per-batch seeds, against the clean digits; and the share of code entries below 0.01
in magnitude on the clean test digits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from aelab.evaluate import load_run_config
from aelab.nn.corruption import gaussian_noise
from aelab.train import build_datamodule, build_model


@torch.no_grad()
def score(run: Path, std: float = 0.5) -> tuple[str, float, float]:
    """The run's variant, its corrupted-input MSE and the near-zero share of its code."""
    ckpt = torch.load(run / "checkpoints" / "best.ckpt", map_location="cpu", weights_only=True)
    cfg = load_run_config(run / "checkpoints" / "best.ckpt", ckpt)
    datamodule = build_datamodule(cfg)
    model = build_model(cfg, datamodule.spec)
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    errors, zeros, n = 0.0, 0.0, 0
    for batch_idx, (x, *_) in enumerate(datamodule.test_dataloader()):
        noisy = gaussian_noise(x, std, 0.0, 1.0, torch.Generator().manual_seed(batch_idx))
        errors += F.mse_loss(model(noisy).recon, x, reduction="sum").item() / x[0].numel()
        zeros += (model.codes(x).abs() < 0.01).float().mean(1).sum().item()
        n += len(x)
    return type(model).__name__, errors / n, zeros / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", type=Path, help="the sweep folder (hydra.sweep.dir)")
    runs = sorted(parser.parse_args().sweep.glob("*/checkpoints/best.ckpt"))
    lines = [
        "| variant | MSE on corrupted test digits | near-zero code share |",
        "| --- | --- | --- |",
    ]
    for ckpt in sorted(runs, key=lambda p: int(p.parent.parent.name)):
        name, mse, zeros = score(ckpt.parent.parent)
        lines.append(f"| {name} | {mse:.4f} | {zeros:.3f} |")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
