"""A variant defined outside the package, composed by the experiment folder's config."""

import json

import pytest
import torch

from aelab.train import train
from experiments.custom_variant.decorrelated import DecorrelatedAutoencoder
from tests.conftest import REPO

CONFIG_DIR = REPO / "experiments" / "custom_variant"


def test_the_custom_variant_trains_with_fast_dev_run(compose_train, tmp_path):
    cfg = compose_train(
        f"hydra.searchpath=[file://{CONFIG_DIR}]",
        "model=decorrelated",
        "+trainer.fast_dev_run=true",
    )
    assert cfg.model._target_ == "experiments.custom_variant.decorrelated.DecorrelatedAutoencoder"
    metrics = train(cfg)
    assert {"test/loss", "test/recon", "test/decorrelation", "test/ssim"} <= set(metrics)
    record = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert record["status"] == "completed"


def test_the_penalty_is_zero_for_uncorrelated_units_and_grows_with_correlation():
    net = DecorrelatedAutoencoder(input_shape=(1, 4, 4), latent_dim=2, decorrelation_weight=1.0)
    independent = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    assert net.bottleneck(independent)[1]["decorrelation"].item() == pytest.approx(0, abs=1e-6)
    copies = torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    # correlation 1 in both off-diagonal entries: 1^2 + 1^2
    assert net.bottleneck(copies)[1]["decorrelation"].item() == pytest.approx(2, rel=1e-4)
