"""Every model config with every data config: compose, forward, backward."""

import itertools

import pytest
import torch
from hydra.errors import InstantiationException, MissingConfigException

from aelab.models import AutoencoderOutput, ConvAutoencoder, DeepAutoencoder, DenseAutoencoder
from aelab.train import build_datamodule, build_model
from tests.conftest import config_names

PAIRS = list(itertools.product(config_names("model"), config_names("data")))


@pytest.fixture(scope="module")
def datamodules(request):
    cache: dict = {}
    return cache


@pytest.mark.parametrize(("model", "data"), PAIRS, ids=[f"{m}-{d}" for m, d in PAIRS])
def test_every_model_config_runs_forward_and_backward(model, data, compose_train, datamodules):
    cfg = compose_train(f"model={model}", f"data={data}")
    if data not in datamodules:
        datamodules[data] = build_datamodule(cfg)
    dm = datamodules[data]
    net = build_model(cfg, dm.spec)
    x = dm.train[0][:4]

    out = net(x)
    assert isinstance(out, AutoencoderOutput)
    assert out.recon.shape == x.shape
    assert out.code.shape[0] == 4
    loss = net.reconstruction_loss(out, x) + sum(out.terms.values())
    loss.backward()
    grads = [p.grad for p in net.parameters() if p.requires_grad]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("cls", [DenseAutoencoder, DeepAutoencoder, ConvAutoencoder])
@pytest.mark.parametrize(
    "shape", [(1, 28, 28), (3, 16, 16), (1, 64)], ids=["mnist", "rgb", "wave"]
)
def test_shapes_come_from_the_data(cls, shape):
    net = cls(input_shape=shape, latent_dim=5, data_kind="signed")
    out = net(torch.rand(2, *shape) * 2 - 1)
    assert out.recon.shape == (2, *shape) and out.code.shape == (2, 5)
    assert out.recon.abs().max() <= 1


def test_dense_is_the_classic_784_32_784():
    net = DenseAutoencoder(input_shape=(1, 28, 28), latent_dim=32)
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 32), (32, 784)]
    assert isinstance(net.encoder[-1], torch.nn.ReLU)


def test_deep_default_widths_are_128_64_32():
    net = DeepAutoencoder(input_shape=(1, 28, 28))
    widths = [m.out_features for m in net.encoder if isinstance(m, torch.nn.Linear)]
    assert widths == [128, 64, 32]


@pytest.mark.parametrize("latent", [0, -3], ids=["zero", "negative"])
def test_latent_size_must_be_positive(latent):
    with pytest.raises(
        ValueError, match=rf"model\.latent_dim must be a positive integer, got {latent}"
    ):
        DenseAutoencoder(input_shape=(1, 28, 28), latent_dim=latent)


def test_latent_size_error_through_the_config(compose_train):
    cfg = compose_train("model.latent_dim=0")
    with pytest.raises(InstantiationException, match=r"model\.latent_dim must be a positive"):
        build_model(cfg, build_datamodule(cfg).spec)


def test_conv_strides_that_do_not_fit_the_input(compose_train):
    cfg = compose_train("model=conv", "model.channels=[8,8,8]")
    with pytest.raises(
        InstantiationException, match=r"stride 2 but receives size 7.*model\.strides"
    ):
        build_model(cfg, build_datamodule(cfg).spec)


def test_loss_must_fit_the_data_kind():
    with pytest.raises(ValueError, match=r"model\.loss='bce' does not fit 'signed' data"):
        DenseAutoencoder(input_shape=(1, 8), data_kind="signed", loss="bce")


@pytest.mark.parametrize("group", ["model", "data"])
def test_unknown_name_lists_the_valid_ones(group, compose_train):
    with pytest.raises(MissingConfigException, match=rf"(?s)Could not find '{group}/nope'.*"):
        compose_train(f"{group}=nope")
    try:
        compose_train(f"{group}=nope")
    except MissingConfigException as error:
        for name in config_names(group):
            assert name in str(error)
