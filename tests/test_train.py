"""The entry points on composed configs and on real MNIST."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from aelab.evaluate import evaluate
from aelab.train import build_datamodule, build_model, train
from tests.conftest import REPO, config_names

ENV = {**os.environ, "AELAB_TEST_THREADS": "1", "OMP_NUM_THREADS": "1"}


def read_metrics(run: Path) -> dict:
    return json.loads((run / "metrics.json").read_text())


def test_fast_dev_run_on_the_composed_default(compose_train, tmp_path):
    cfg = compose_train("+trainer.fast_dev_run=true")
    metrics = train(cfg)
    assert {"test/loss", "test/mse", "test/psnr", "test/ssim"} <= set(metrics)
    record = read_metrics(tmp_path / "run")
    assert record["status"] == "completed"
    assert record["hparams"]["model.latent_dim"] == 32


@pytest.mark.slow
def test_short_real_mnist_run_learns(compose_train, tmp_path):
    cfg = compose_train("model=deep", "trainer.max_epochs=2", "+trainer.limit_train_batches=60")
    metrics = train(cfg)
    run = tmp_path / "run"
    record = read_metrics(run)
    assert record["status"] == "completed" and record["epochs"] == 2
    # the loss falls from its untrained value (about 0.69 for BCE on logits near 0)
    assert metrics["test/loss"] < 0.3
    assert metrics["test/bce"] < 0.3
    for name in ("best.ckpt", "last.ckpt"):
        assert (run / "checkpoints" / name).is_file()
    assert list((run / "tensorboard").glob("events.out.tfevents.*"))


def test_metrics_count_every_epoch_when_the_best_is_an_earlier_one(compose_train, tmp_path):
    # mode=max makes the worst epoch, the first, the "best" checkpoint that gets tested
    cfg = compose_train(
        "trainer.max_epochs=3",
        "+trainer.limit_train_batches=5",
        "+trainer.limit_val_batches=2",
        "+trainer.limit_test_batches=2",
        "+callbacks.model_checkpoint.mode=max",
    )
    train(cfg)
    record = read_metrics(tmp_path / "run")
    assert record["best_checkpoint"].endswith("best.ckpt") and record["epochs"] == 3
    assert record["global_step"] == 15


def test_same_seed_same_metrics(compose_train, tmp_path):
    overrides = (
        "trainer.max_epochs=1",
        "+trainer.limit_train_batches=20",
        "+trainer.limit_val_batches=4",
        "+trainer.limit_test_batches=4",
    )
    first = train(compose_train(*overrides, output_dir=tmp_path / "a"))
    second = train(compose_train(*overrides, output_dir=tmp_path / "b"))
    third = train(compose_train(*overrides, "seed=1", output_dir=tmp_path / "c"))
    assert first == second
    assert first != third


def test_eval_reports_the_metrics_of_a_checkpoint(compose_train, tmp_path, data_dir):
    overrides = (
        "trainer.max_epochs=1",
        "+trainer.limit_train_batches=20",
        "+trainer.limit_val_batches=4",
    )
    trained = train(compose_train(*overrides))
    ckpt = tmp_path / "run" / "checkpoints" / "best.ckpt"
    torch.load(ckpt, weights_only=True)  # loads without unpickling code
    from omegaconf import OmegaConf

    cfg = OmegaConf.create(
        {"ckpt_path": str(ckpt), "data_dir": str(data_dir), "output_dir": str(tmp_path / "eval")}
    )
    metrics = evaluate(cfg)
    assert metrics["test/loss"] == pytest.approx(trained["test/loss"], rel=1e-5)
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text())["metrics"] == metrics


def test_eval_of_a_missing_checkpoint(tmp_path):
    from omegaconf import OmegaConf

    cfg = OmegaConf.create({"ckpt_path": str(tmp_path / "none.ckpt"), "output_dir": str(tmp_path)})
    with pytest.raises(FileNotFoundError, match=r"ckpt_path='.*none\.ckpt' does not exist; pass"):
        evaluate(cfg)


def test_cli_multirun_writes_one_folder_per_job(tmp_path, data_dir):
    sweep = tmp_path / "sweep"
    cmd = [
        sys.executable,
        "-m",
        "aelab.train",
        "-m",
        "model=dense,deep",
        f"paths.data_dir={data_dir}",
        f"hydra.sweep.dir={sweep}",
        "trainer.max_epochs=1",
        "+trainer.limit_train_batches=10",
        "+trainer.limit_val_batches=2",
        "+trainer.limit_test_batches=2",
        "+trainer.enable_progress_bar=false",
    ]
    done = subprocess.run(cmd, cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for job in ("0", "1"):
        run = sweep / job
        assert read_metrics(run)["status"] == "completed"
        assert list((run / "tensorboard").glob("events.out.tfevents.*"))
        assert (run / ".hydra" / "config.yaml").is_file()
    models = {read_metrics(sweep / j)["hparams"]["model._target_"] for j in ("0", "1")}
    assert models == {"aelab.models.DenseAutoencoder", "aelab.models.DeepAutoencoder"}


def test_cli_eval_of_a_missing_checkpoint_fails_clearly(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "aelab.evaluate",
        f"ckpt_path={tmp_path}/nope.ckpt",
        f"hydra.run.dir={tmp_path}/eval",
    ]
    done = subprocess.run(cmd, cwd=REPO, env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "does not exist; pass the checkpoint of a run" in done.stderr


@pytest.mark.parametrize("experiment", config_names("experiment"))
def test_every_experiment_config_builds_and_runs_forward(experiment, compose_train):
    cfg = compose_train(f"experiment={experiment}")
    datamodule = build_datamodule(cfg)
    model = build_model(cfg, datamodule.spec)
    x = datamodule.val[0][:2]
    out = model(x)
    assert out.recon.shape == x.shape
    assert out.code.numel() // 2 <= cfg.model.latent_dim
