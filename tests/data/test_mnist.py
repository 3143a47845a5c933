import pytest
import torch

from aelab.data import MNISTDataModule


def test_real_mnist_in_memory_with_seeded_split(data_dir):
    dm = MNISTDataModule(data_dir=data_dir, seed=7)
    dm.setup("fit")
    assert dm.spec.shape == (1, 28, 28) and dm.spec.kind == "unit"
    assert [len(s[0]) for s in (dm.train, dm.val, dm.test)] == [55000, 5000, 10000]
    assert dm.train[0].dtype == torch.float32 and dm.train[0].shape[1:] == (1, 28, 28)
    assert 0.0 <= dm.train[0].min() and dm.train[0].max() <= 1.0
    again = MNISTDataModule(data_dir=data_dir, seed=7)
    again.setup("fit")
    assert torch.equal(dm.val[1], again.val[1])
    other = MNISTDataModule(data_dir=data_dir, seed=8)
    other.setup("fit")
    assert not torch.equal(dm.val[1], other.val[1])


def test_keras_validation_uses_the_test_set(data_dir):
    dm = MNISTDataModule(data_dir=data_dir, validation="test")
    dm.setup("fit")
    assert len(dm.train[0]) == 60000 and dm.val[0] is dm.test[0]


def test_missing_folder_offline_names_folder_files_and_fix(tmp_path):
    dm = MNISTDataModule(data_dir=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError) as info:
        dm.setup("fit")
    message = str(info.value)
    assert str(tmp_path / "nowhere" / "MNIST" / "raw") in message
    assert "train-images-idx3-ubyte" in message
    assert "AELAB_DATA_DIR" in message and "data.download=true" in message


def test_data_dir_comes_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    assert MNISTDataModule().data_dir == tmp_path


def test_bad_validation_choice():
    with pytest.raises(ValueError, match=r"data\.validation='train' is not one of"):
        MNISTDataModule(validation="train")
