import pytest
import torch

from aelab.data import DataSpec, TensorBatchLoader


def test_loader_covers_every_item_once_per_epoch():
    x = torch.arange(10)
    loader = TensorBatchLoader((x,), batch_size=4, shuffle=True, seed=3)
    batches = [b[0] for b in loader]
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(torch.cat(batches).tolist()) == list(range(10))
    assert len(loader) == 3


def test_shuffle_depends_on_seed_and_epoch_only():
    x = torch.arange(100)
    epoch = [0]
    a = TensorBatchLoader((x,), 10, shuffle=True, seed=1, epoch=lambda: epoch[0])
    b = TensorBatchLoader((x,), 10, shuffle=True, seed=1, epoch=lambda: epoch[0])
    first = torch.cat([t[0] for t in a])
    assert torch.equal(first, torch.cat([t[0] for t in b]))
    epoch[0] = 1
    assert not torch.equal(first, torch.cat([t[0] for t in a]))


def test_ranks_split_the_batches():
    x = torch.arange(10)
    parts = [TensorBatchLoader((x,), 2, rank=r, world_size=2) for r in (0, 1)]
    assert [len(p) for p in parts] == [3, 2]
    seen = torch.cat([b[0] for p in parts for b in p])
    assert sorted(seen.tolist()) == list(range(10))


def test_bad_spec_and_batch_size():
    with pytest.raises(ValueError, match="data kind 'image' is not one of"):
        DataSpec((1, 2), "image")
    with pytest.raises(ValueError, match="vocab_size is required for token data"):
        DataSpec((4,), "tokens")
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        TensorBatchLoader((torch.zeros(3),), 0)
