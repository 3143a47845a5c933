"""``aelab-compare`` on real sweep folders: a cross-validated sweep with failing jobs."""

from __future__ import annotations

import csv
import shutil
import statistics
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from matplotlib.image import imread

from aelab.compare import UNFINISHED, compare, main, read_scalars, write_report
from tests.test_sweeps import TINY, record, sweep


@pytest.fixture(scope="module")
def folds_sweep(tmp_path_factory, data_dir) -> Path:
    """Three latent sizes, each on two folds; latent size 0 fails on both."""
    tmp_path = tmp_path_factory.mktemp("compare")
    folder = tmp_path / "sweep"
    done = sweep(
        tmp_path,
        folder,
        data_dir,
        "model.latent_dim=0,4,8",
        "data.folds=2",
        "data.fold=0,1",
        "threads=1",
        *TINY,
    )
    assert done.returncode != 0  # the two failing jobs
    assert [record(folder / j)["status"] for j in "012345"] == ["failed"] * 2 + ["completed"] * 4
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_runs_are_ranked_with_failed_ones_last(folds_sweep):
    comparison = compare([folds_sweep], metric="val/loss")
    assert comparison.varying == ["data.fold", "model.latent_dim"]
    assert comparison.average_over == ["data.fold"]
    assert [r.status for r in comparison.runs] == ["completed"] * 4 + ["failed"] * 2
    losses = [r.metrics["val/loss"] for r in comparison.runs[:4]]
    assert losses == sorted(losses)
    for run in comparison.runs[:4]:
        # the final val/loss is the last one TensorBoard logged
        assert (
            run.metrics["val/loss"] == read_scalars(run.path / "tensorboard")[0]["val/loss"][-1][1]
        )
        assert run.epochs == 1 and run.seconds_per_epoch > 0
        assert {"test/loss", "test/psnr", "val/psnr"} <= set(run.metrics)
    for run in comparison.runs[4:]:
        assert run.error.startswith("ValueError: model.latent_dim must be a positive integer")


def test_report_has_the_tables_and_plots(folds_sweep, tmp_path):
    comparison = compare([folds_sweep], metric="val/loss")
    written = write_report(comparison, tmp_path)
    names = sorted(p.name for p in written)
    assert names == [
        "comparison.md",
        "curves_val-loss.png",
        "runs.csv",
        "settings.csv",
        "val-loss_vs_model.latent_dim.png",
    ]
    for png in tmp_path.glob("*.png"):
        height, width, _ = imread(png).shape
        assert height > 100 and width > 100

    runs = read_csv(tmp_path / "runs.csv")
    assert [row["run"] for row in runs] == [r.name for r in comparison.runs]
    assert {row["model.latent_dim"] for row in runs} == {"0", "4", "8"}
    assert runs[-1]["status"] == "failed" and runs[-1]["val/loss"] == ""

    settings = read_csv(tmp_path / "settings.csv")
    assert [row["model.latent_dim"] for row in settings] in (["4", "8", "0"], ["8", "4", "0"])
    for row in settings[:2]:
        folds = [
            r
            for r in comparison.runs
            if str(r.hparams["model.latent_dim"]) == row["model.latent_dim"]
        ]
        values = [r.metrics["val/loss"] for r in folds]
        assert row["runs"] == row["completed"] == "2"
        assert float(row["val/loss mean"]) == pytest.approx(statistics.fmean(values))
        assert float(row["val/loss std"]) == pytest.approx(statistics.stdev(values))
    assert settings[2]["completed"] == "0" and settings[2]["val/loss mean"] == ""

    markdown = (tmp_path / "comparison.md").read_text()
    assert "### Per setting: mean ± std over `data.fold`" in markdown
    assert markdown.count("| failed |") == 2
    assert "ValueError: model.latent_dim must be a positive integer, got 0" in markdown


def test_a_run_in_progress_is_read_from_its_config_and_events(folds_sweep, tmp_path):
    # a run that has not written metrics.json yet: its config and events only
    live = tmp_path / "live"
    done = next(r for r in compare([folds_sweep]).runs if r.status == "completed")
    shutil.copytree(done.path, live / "run")
    (live / "run" / "metrics.json").unlink()

    comparison = compare([folds_sweep, live])
    running = next(r for r in comparison.runs if r.name == "live/run")
    assert running.status == UNFINISHED
    assert running.hparams["model.latent_dim"] == done.hparams["model.latent_dim"]
    assert running.hparams["data.fold"] == done.hparams["data.fold"]
    assert running.metrics["val/loss"] == done.metrics["val/loss"]
    assert running.epochs == 1
    assert not any(name.startswith("test/") for name in running.metrics)
    assert {r.name for r in comparison.runs} >= {"sweep/0", "live/run"}


def test_command_line(folds_sweep, tmp_path, capsys):
    (script,) = entry_points(group="console_scripts", name="aelab-compare")
    assert script.value == "aelab.compare:main"
    main([str(folds_sweep), "--metric", "test/psnr", "--average-over", "--out", str(tmp_path)])
    table = capsys.readouterr().out
    assert table.startswith("Sorted by `test/psnr`, highest first.")
    assert "Per setting" not in table
    psnr = [float(row["test/psnr"]) for row in read_csv(tmp_path / "runs.csv")[:4]]
    assert psnr == sorted(psnr, reverse=True)
    assert (tmp_path / "test-psnr_vs_data.fold.png").is_file()
    assert (tmp_path / "curves_val-loss.png").is_file()


def test_a_missing_folder_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"aelab-compare: .*nowhere does not exist"):
        compare([tmp_path / "nowhere"])
    with pytest.raises(FileNotFoundError, match=r"no run under .*; pass a run or sweep folder"):
        compare([tmp_path])
