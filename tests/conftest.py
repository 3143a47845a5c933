"""Shared fixtures: the real data folder, composed configs and quiet CPU runs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, open_dict

from aelab import CONFIG_DIR

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("AELAB_DATA_DIR") or REPO.parent / "shared" / "data").resolve()
# the sweep tests start aelab-train in other folders: a relative path must not change meaning
os.environ["AELAB_DATA_DIR"] = str(DATA_DIR)

# Tests run one torch thread each, so that pytest-xdist workers or a second suite
# do not oversubscribe the cores.
torch.set_num_threads(int(os.environ.get("AELAB_TEST_THREADS", "1")))


def require_data(*parts: str) -> Path:
    """Returns ``DATA_DIR / parts``; skips when missing, but fails where ``CI`` is set."""
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        message = f"real data missing: {path} (set AELAB_DATA_DIR to the data folder)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    require_data("MNIST", "raw", "train-images-idx3-ubyte")
    return DATA_DIR


@pytest.fixture
def compose_train(tmp_path: Path, data_dir: Path) -> Callable[..., DictConfig]:
    """Composes ``conf/train.yaml`` with overrides, writing the run into ``tmp_path``."""

    def _compose(*overrides: str, output_dir: Path | None = None) -> DictConfig:
        out = output_dir or tmp_path / "run"
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(
                config_name="train",
                overrides=[f"paths.output_dir={out}", f"paths.data_dir={data_dir}", *overrides],
            )
        with open_dict(cfg):
            cfg.trainer.enable_progress_bar = False
            cfg.trainer.enable_model_summary = False
        return cfg

    return _compose


def config_names(group: str) -> list[str]:
    """The option names of a config group, e.g. ``["conv", "deep", "dense"]``."""
    return sorted(p.stem for p in (Path(CONFIG_DIR) / group).glob("*.yaml"))
