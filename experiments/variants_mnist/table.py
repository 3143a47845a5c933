"""Prints the markdown results table of a variants sweep from its runs' metrics.json files.

python experiments/variants_mnist/table.py logs/variants_mnist
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SHARED = ("bce", "mse", "psnr", "ssim")
NOT_OWN = {"loss", "recon", *SHARED}


def rows(sweep: Path) -> list[list[str]]:
    """One row per run folder of ``sweep``: variant, epochs, shared metrics, its own ones."""
    table = []
    for path in sorted(sweep.glob("*/metrics.json"), key=lambda p: int(p.parent.name)):
        record = json.loads(path.read_text())
        metrics = {k.removeprefix("test/"): v for k, v in record.get("metrics", {}).items()}
        variant = record["hparams"]["model._target_"].rsplit(".", 1)[-1]
        own = ", ".join(f"{k} {v:.4g}" for k, v in sorted(metrics.items()) if k not in NOT_OWN)
        seconds = record.get("seconds_per_epoch")
        table.append(
            [
                variant,
                record["status"],
                str(record.get("epochs", "")),
                *(f"{metrics[k]:.4f}" if k in metrics else "" for k in SHARED),
                own,
                f"{seconds:.1f}" if seconds else "",
            ]
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", type=Path, help="the sweep folder (hydra.sweep.dir)")
    args = parser.parse_args()
    header = ["variant", "status", "epochs", "test BCE", "MSE", "PSNR (dB)", "SSIM"]
    header += ["its own test metrics", "s/epoch"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(args.sweep)]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
