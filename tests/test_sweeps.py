"""Sweeps from the command line: launchers, failing jobs, resuming, Optuna, folds."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import joblib
import lightning as L
import pytest
import torch
import yaml

from aelab.compare import compare, read_scalars, write_report
from aelab.data import MNISTDataModule
from tests.conftest import REPO

ENV = {**os.environ, "AELAB_TEST_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
TINY = (
    "trainer.max_epochs=1",
    "+trainer.limit_train_batches=3",
    "+trainer.limit_val_batches=1",
    "+trainer.limit_test_batches=1",
    "+trainer.enable_progress_bar=false",
    "+trainer.enable_model_summary=false",
)


def sweep(
    tmp_path: Path, folder: Path, data_dir: Path, *overrides: str, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Runs ``aelab-train -m`` with ``overrides`` into ``folder``, as a user would."""
    cmd = [
        sys.executable,
        "-m",
        "aelab.train",
        "-m",
        f"paths.data_dir={data_dir}",
        f"hydra.sweep.dir={folder}",
        *overrides,
    ]
    return subprocess.run(
        cmd, cwd=tmp_path, env=env or ENV, capture_output=True, text=True, timeout=300
    )


def record(run: Path) -> dict:
    return json.loads((run / "metrics.json").read_text())


def fingerprint(run: Path) -> dict[str, tuple[int, str]]:
    """Modification time and hash of every file a run wrote, Hydra's own files aside."""
    return {
        str(p.relative_to(run)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(run.rglob("*"))
        if p.is_file() and ".hydra" not in p.parts and p.suffix != ".log"
    }


class KillAtEpoch(L.Callback):
    """Ends the whole process, without cleanup, when epoch ``epoch`` of a run starts.

    It stands for a machine going down mid-sweep: the run keeps its checkpoints and
    events but never writes metrics.json. Only runs with ``model.latent_dim == latent_dim``
    are killed.
    """

    def __init__(self, epoch: int, latent_dim: int) -> None:
        self.epoch = epoch
        self.latent_dim = latent_dim

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.current_epoch == self.epoch and pl_module.latent_dim == self.latent_dim:
            os._exit(3)


# -- launchers -----------------------------------------------------------------------------


@pytest.mark.parametrize("launcher", ["basic", "joblib"])
def test_two_by_two_sweep(tmp_path, data_dir, launcher):
    folder = tmp_path / "sweep"
    overrides = ["model=dense,deep", "model.latent_dim=4,8", *TINY]
    env = ENV
    if launcher == "joblib":
        overrides.append("hydra/launcher=parallel")
        # joblib's workers then cap torch's threads at cores // n_jobs
        env = {k: v for k, v in ENV.items() if k != "OMP_NUM_THREADS"}
    else:
        overrides.append("threads=1")
    done = sweep(tmp_path, folder, data_dir, *overrides, env=env)
    assert done.returncode == 0, done.stderr[-3000:]

    jobs = sorted(p.name for p in folder.iterdir() if p.is_dir())
    assert jobs == ["0", "1", "2", "3"]
    settings = set()
    for job in jobs:
        run = folder / job
        summary = record(run)
        assert summary["status"] == "completed"
        assert (run / "checkpoints" / "last.ckpt").is_file()
        assert list((run / "tensorboard").glob("events.out.tfevents.*"))
        settings.add(
            (summary["hparams"]["model._target_"], summary["hparams"]["model.latent_dim"])
        )
        expected_threads = 1 if launcher == "basic" else max(joblib.cpu_count() // 2, 1)
        assert summary["torch_threads"] == expected_threads
    assert settings == {
        (f"aelab.models.{m}Autoencoder", d) for m in ("Dense", "Deep") for d in (4, 8)
    }

    comparison = compare([folder])
    assert sorted(r.name for r in comparison.runs) == jobs
    assert comparison.varying == ["model._target_", "model.hidden_dims", "model.latent_dim"]
    written = {p.name for p in write_report(comparison, tmp_path / "compare")}
    assert written == {
        "comparison.md",
        "runs.csv",
        "curves_val-loss.png",
        "val-loss_vs_model._target_.png",
        "val-loss_vs_model.latent_dim.png",
    }


# -- failures ------------------------------------------------------------------------------


def test_failing_jobs_are_recorded_and_the_others_finish(tmp_path, data_dir):
    folder = tmp_path / "sweep"
    # job 0 and 1: a bad latent size; job 3: an infinite learning rate makes the loss NaN
    done = sweep(
        tmp_path,
        folder,
        data_dir,
        "model.latent_dim=0,4",
        "optimizer.lr=0.001,inf",
        "threads=1",
        *TINY,
    )
    # Hydra runs every job, then exits non-zero for the failures
    assert done.returncode != 0
    runs = {job: record(folder / job) for job in ("0", "1", "2", "3")}
    for job in ("0", "1"):
        assert runs[job]["status"] == "failed"
        assert (
            "ValueError('model.latent_dim must be a positive integer, got 0" in runs[job]["error"]
        )
        assert runs[job]["hparams"]["model.latent_dim"] == 0
    assert runs["2"]["status"] == "completed"
    assert runs["2"]["metrics"]["test/loss"] > 0
    assert runs["3"]["status"] == "failed"
    assert runs["3"]["error"].startswith("FloatingPointError: train/loss is nan")


# -- resuming ------------------------------------------------------------------------------


def test_resumed_sweep_skips_the_finished_job_and_continues_the_cut_one(tmp_path, data_dir):
    folder = tmp_path / "sweep"
    command = ("model.latent_dim=4,8", "threads=1", *TINY, "trainer.max_epochs=2")
    other_command = ("model.latent_dim=4,6", *command[1:])
    kill = (
        "+callbacks.kill._target_=tests.test_sweeps.KillAtEpoch",
        "+callbacks.kill.epoch=1",
        "+callbacks.kill.latent_dim=8",
    )
    cut = sweep(tmp_path, folder, data_dir, *command, *kill)
    assert cut.returncode == 3, cut.stderr[-3000:]
    assert record(folder / "0")["status"] == "completed"
    assert not (folder / "1" / "metrics.json").exists()
    assert (folder / "1" / "checkpoints" / "last.ckpt").is_file()
    finished = fingerprint(folder / "0")

    resumed = sweep(tmp_path, folder, data_dir, *command, "resume=true")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert fingerprint(folder / "0") == finished
    logs = resumed.stdout + resumed.stderr
    assert f"{folder / '0'} is completed; skipping it" in logs
    assert f"continuing from {folder / '1' / 'checkpoints' / 'last.ckpt'}" in logs
    cont = record(folder / "1")
    assert cont["status"] == "completed"
    # one epoch before the cut, one after it, three batches each
    assert cont["epochs"] == 2 and cont["global_step"] == 6
    curves, _ = read_scalars(folder / "1" / "tensorboard")
    assert [epoch for epoch, _ in curves["val/loss"]] == [1, 2]

    # a different sweep command into the same folder is refused, not mixed in
    other = sweep(tmp_path, folder, data_dir, *other_command, "resume=true")
    assert other.returncode != 0
    assert "holds a run with other hyperparameters (model.latent_dim: 8 there, 6 now)" in (
        other.stdout + other.stderr
    )


# -- Optuna --------------------------------------------------------------------------------


def test_optuna_search_of_two_trials_writes_its_best_parameters(tmp_path, data_dir):
    folder = tmp_path / "search"
    done = sweep(
        tmp_path,
        folder,
        data_dir,
        "hparams_search=mnist_optuna",
        "hydra.sweeper.n_trials=2",
        "threads=1",
        *TINY,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = yaml.safe_load((folder / "optimization_results.yaml").read_text())
    assert set(results["best_params"]) == {"model.latent_dim", "optimizer.lr", "model.hidden_dims"}
    trials = [record(folder / job) for job in ("0", "1")]
    assert all(t["status"] == "completed" for t in trials)
    # the best value is the lower final val/loss of the two trials, as TensorBoard logged it
    finals = [read_scalars(folder / job / "tensorboard")[0]["val/loss"][-1][1] for job in "01"]
    assert results["best_value"] == pytest.approx(min(finals), rel=1e-6)
    best = trials[finals.index(min(finals))]["hparams"]
    assert best["model.latent_dim"] == results["best_params"]["model.latent_dim"]
    assert best["model.hidden_dims"] == str(
        json.loads(results["best_params"]["model.hidden_dims"])
    )


# -- cross-validation folds ----------------------------------------------------------------


def test_folds_partition_the_training_pool():
    splits = [
        MNISTDataModule(seed=7, folds=3, fold=i).split_indices(60000, 5000) for i in range(3)
    ]
    vals = [set(val.tolist()) for _, val in splits]
    assert [len(v) for v in vals] == [20000, 20000, 20000]
    assert vals[0].isdisjoint(vals[1]) and vals[1].isdisjoint(vals[2])
    assert vals[0] | vals[1] | vals[2] == set(range(60000))
    for (train, _), val in zip(splits, vals, strict=True):
        assert set(train.tolist()) == set(range(60000)) - val


@pytest.mark.parametrize("folds", [None, 3], ids=["holdout", "fold-1-of-3"])
def test_validation_images_are_those_of_the_split(data_dir, folds):
    from torchvision.datasets import MNIST

    datamodule = MNISTDataModule(data_dir=data_dir, seed=7, folds=folds, fold=1)
    datamodule.setup("fit")
    images = MNIST(data_dir, train=True).data.unsqueeze(1).float().div(255)
    order = torch.randperm(60000, generator=torch.Generator().manual_seed(7))
    # without folds: the first 5,000 of the seeded order, as before folds existed
    val = order[:5000] if folds is None else torch.tensor_split(order, 3)[1]
    assert torch.equal(datamodule.val[0], images[val])
    assert len(datamodule.train[0]) == 60000 - len(val)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"folds": 1}, r"data.folds=1 is too few for cross-validation"),
        ({"folds": 3, "fold": 3}, r"data.fold=3 is not a fold of data.folds=3: use 0..2"),
        ({"folds": 3, "validation": "test"}, r"data.validation='test' trains on all of them"),
    ],
    ids=["one-fold", "fold-out-of-range", "folds-with-test-validation"],
)
def test_bad_folds(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MNISTDataModule(**kwargs)
