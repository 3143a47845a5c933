"""In-memory batching shared by every aelab DataModule.

Every data set here is small enough to live in memory as tensors, so a batch is one
``index_select`` per tensor: no per-sample Python, no worker processes, no collation.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import lightning as L
import torch
from torch import Tensor

log = logging.getLogger(__name__)

DataKind = Literal["unit", "signed", "tokens"]
DATA_KINDS: tuple[str, ...] = ("unit", "signed", "tokens")
DATA_DIR_ENV = "AELAB_DATA_DIR"


@dataclass(frozen=True)
class DataSpec:
    """What a data set holds, as far as a model needs to know.

    Attributes:
        shape: shape of one item without the batch axis, channel axis first:
            ``(C, H, W)`` for images, ``(1, L)`` for waveforms, ``(L,)`` for token ids.
        kind: ``"unit"`` for values in [0, 1], ``"signed"`` for values in [-1, 1],
            ``"tokens"`` for integer ids over a vocabulary of ``vocab_size``.
        vocab_size: size of the vocabulary, for ``kind == "tokens"`` only.
        sample_rate: samples per second, for audio only.
    """

    shape: tuple[int, ...]
    kind: DataKind
    vocab_size: int | None = None
    sample_rate: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in DATA_KINDS:
            raise ValueError(f"data kind {self.kind!r} is not one of {DATA_KINDS}")
        if (self.kind == "tokens") != (self.vocab_size is not None):
            raise ValueError("vocab_size is required for token data and only for token data")


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path:
    """Returns the data folder: the argument, else ``$AELAB_DATA_DIR``, else ``./data``."""
    if data_dir is None or str(data_dir) == "":
        data_dir = os.environ.get(DATA_DIR_ENV) or "data"
    return Path(data_dir).expanduser()


class TensorBatchLoader:
    """Iterates over aligned in-memory tensors in batches.

    Shuffling draws one permutation per epoch from a generator seeded with
    ``seed + epoch``, so an epoch's order depends only on the seed and the epoch number,
    also after resuming from a checkpoint.

    Args:
        tensors: tensors sharing their first (item) axis.
        batch_size: items per batch.
        shuffle: draw a new order each epoch.
        drop_last: drop the last, smaller batch.
        seed: base seed of the shuffle.
        epoch: returns the current epoch (the trainer's), used to seed the shuffle.
        rank: this process's rank under data parallelism; it takes every
            ``world_size``-th batch.
        world_size: number of data-parallel processes.
    """

    def __init__(
        self,
        tensors: tuple[Tensor, ...],
        batch_size: int,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int = 0,
        epoch: Callable[[], int] | None = None,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        sizes = {len(t) for t in tensors}
        assert len(sizes) == 1, f"tensors disagree on the number of items: {sizes}"
        self.tensors = tensors
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self.epoch = epoch or (lambda: 0)
        self.rank = rank
        self.world_size = world_size
        self._n = sizes.pop()

    def _num_batches_total(self) -> int:
        if self.drop_last:
            return self._n // self.batch_size
        return -(-self._n // self.batch_size)

    def __len__(self) -> int:
        return len(range(self.rank, self._num_batches_total(), self.world_size))

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed + self.epoch())
            order = torch.randperm(self._n, generator=generator)
        else:
            order = None
        for b in range(self.rank, self._num_batches_total(), self.world_size):
            start = b * self.batch_size
            stop = min(start + self.batch_size, self._n)
            if order is None:
                yield tuple(t[start:stop] for t in self.tensors)
            else:
                idx = order[start:stop]
                yield tuple(t.index_select(0, idx) for t in self.tensors)


class InMemoryDataModule(L.LightningDataModule):
    """Base of every aelab DataModule: holds the splits as tensors and batches them.

    Subclasses implement :meth:`load` (read the files once into ``self.train``,
    ``self.val`` and ``self.test``, each a tuple ``(inputs, labels)``) and
    :attr:`spec`.

    Args:
        batch_size: training batch size.
        eval_batch_size: batch size for validation and test; defaults to ``batch_size``.
        seed: seed of the train/validation split and of the shuffle.
        folds: cross-validation: split the training pool into this many seeded folds and
            validate on fold ``fold``; ``None`` keeps the data set's own validation split.
        fold: the validation fold, from 0 to ``folds - 1``.
    """

    def __init__(
        self,
        batch_size: int = 256,
        eval_batch_size: int | None = None,
        seed: int = 0,
        folds: int | None = None,
        fold: int = 0,
    ):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"data.batch_size must be at least 1, got {batch_size}")
        if folds is not None and folds < 2:
            raise ValueError(
                f"data.folds={folds} is too few for cross-validation; use 2 or more, or null"
            )
        if folds is not None and not 0 <= fold < folds:
            raise ValueError(
                f"data.fold={fold} is not a fold of data.folds={folds}: use 0..{folds - 1}"
            )
        self.folds = folds
        self.fold = fold
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or batch_size
        self.seed = seed
        self.train: tuple[Tensor, ...] | None = None
        self.val: tuple[Tensor, ...] | None = None
        self.test: tuple[Tensor, ...] | None = None

    @property
    def spec(self) -> DataSpec:
        raise NotImplementedError

    def load(self) -> None:
        """Reads the data into ``self.train``, ``self.val`` and ``self.test``."""
        raise NotImplementedError

    def split_indices(self, n: int, val_size: int) -> tuple[Tensor, Tensor]:
        """Seeded indices ``(train, val)`` into a training pool of ``n`` items.

        Without folds, ``val_size`` items drawn at random validate. With ``folds=K``, one
        seeded permutation is cut into K near-equal folds and fold ``fold`` validates, so
        the K runs of a sweep over ``data.fold`` validate on disjoint parts of the pool.
        """
        order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed))
        if self.folds is None:
            return order[val_size:], order[:val_size]
        if self.folds > n:
            raise ValueError(f"data.folds={self.folds} is more than the {n} training items")
        parts = list(torch.tensor_split(order, self.folds))
        val = parts.pop(self.fold)
        return torch.cat(parts), val

    def setup(self, stage: str | None = None) -> None:
        if self.train is None:
            self.load()
            log.info(
                "%s in memory: %d train, %d val, %d test items of shape %s",
                type(self).__name__,
                len(self.train[0]),
                len(self.val[0]),
                len(self.test[0]),
                tuple(self.train[0].shape[1:]),
            )

    def _loader(self, split: tuple[Tensor, ...], train: bool) -> TensorBatchLoader:
        trainer = self.trainer
        return TensorBatchLoader(
            split,
            batch_size=self.batch_size if train else self.eval_batch_size,
            shuffle=train,
            seed=self.seed,
            epoch=(lambda: trainer.current_epoch) if trainer is not None else None,
            rank=trainer.global_rank if trainer is not None else 0,
            world_size=trainer.world_size if trainer is not None else 1,
        )

    def train_dataloader(self) -> TensorBatchLoader:
        return self._loader(self.train, train=True)

    def val_dataloader(self) -> TensorBatchLoader:
        return self._loader(self.val, train=False)

    def test_dataloader(self) -> TensorBatchLoader:
        return self._loader(self.test, train=False)
