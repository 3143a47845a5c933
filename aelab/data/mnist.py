"""MNIST handwritten digits, read once through torchvision and kept in memory."""

from __future__ import annotations

import logging
import os
from typing import Literal

from torchvision.datasets import MNIST

from aelab.data.base import DATA_DIR_ENV, DataSpec, InMemoryDataModule, resolve_data_dir

log = logging.getLogger(__name__)

MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


class MNISTDataModule(InMemoryDataModule):
    """The 70,000 MNIST digits as ``(1, 28, 28)`` images with values in [0, 1].

    The 60,000 training images are split, seeded, into training and validation
    (55,000 / 5,000 by default; with ``folds=K``, fold ``fold`` of K validates and the
    rest train); the 10,000 test images are the test split.

    Args:
        data_dir: folder holding ``MNIST/raw/`` in torchvision's layout; defaults to
            ``$AELAB_DATA_DIR``, then ``./data``.
        download: fetch the files when they are missing.
        val_size: number of training images held out for validation.
        validation: ``"holdout"`` validates on ``val_size`` held-out training images;
            ``"test"`` trains on all 60,000 and validates on the test set (the Keras
            tutorial's setup).
        **kwargs: batching arguments of :class:`InMemoryDataModule`.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike | None = None,
        download: bool = False,
        val_size: int = 5000,
        validation: Literal["holdout", "test"] = "holdout",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if validation not in ("holdout", "test"):
            raise ValueError(f"data.validation={validation!r} is not one of 'holdout', 'test'")
        if validation == "test" and self.folds is not None:
            raise ValueError(
                f"data.folds={self.folds} splits the training images, but "
                f"data.validation='test' trains on all of them; use data.validation=holdout"
            )
        if validation == "holdout" and not 0 < val_size < 60000:
            raise ValueError(f"data.val_size must be between 1 and 59999, got {val_size}")
        self.data_dir = resolve_data_dir(data_dir)
        self.download = download
        self.val_size = val_size
        self.validation = validation

    @property
    def spec(self) -> DataSpec:
        return DataSpec(shape=(1, 28, 28), kind="unit")

    def prepare_data(self) -> None:
        raw = self.data_dir / "MNIST" / "raw"
        missing = [name for name in MNIST_FILES if not (raw / name).is_file()]
        if not missing:
            return
        if not self.download:
            raise FileNotFoundError(
                f"MNIST files not found in {raw}: missing {', '.join(missing)}. "
                f"Point the data folder at a copy that holds MNIST/raw/ (set {DATA_DIR_ENV} or "
                f"data.data_dir=...), or allow downloading with data.download=true."
            )
        log.info("downloading MNIST into %s", raw)
        for train in (True, False):
            MNIST(self.data_dir, train=train, download=True)

    def load(self) -> None:
        self.prepare_data()
        train = MNIST(self.data_dir, train=True, download=False)
        test = MNIST(self.data_dir, train=False, download=False)
        # (N, 28, 28) uint8 -> (N, 1, 28, 28) float in [0, 1]
        x_train = train.data.unsqueeze(1).float().div_(255)
        x_test = test.data.unsqueeze(1).float().div_(255)
        y_train, y_test = train.targets, test.targets

        self.test = (x_test, y_test)
        if self.validation == "test":
            self.train = (x_train, y_train)
            self.val = self.test
            return
        train_idx, val_idx = self.split_indices(len(x_train), self.val_size)
        self.train = (x_train[train_idx], y_train[train_idx])
        self.val = (x_train[val_idx], y_train[val_idx])
