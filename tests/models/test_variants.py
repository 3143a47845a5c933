"""The variants: their penalties against hand-computed values, shapes, settings, bodies."""

import math

import pytest
import torch
from hydra.errors import InstantiationException

from aelab.models import (
    ContractiveAutoencoder,
    ConvContractiveAutoencoder,
    ConvDenoisingAutoencoder,
    ConvSparseAutoencoder,
    ConvVariationalAutoencoder,
    ConvVQAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    VariationalAutoencoder,
    VQAutoencoder,
)
from aelab.models.sparse import kl_sparsity
from aelab.models.vae import gaussian_kl
from aelab.nn import VectorQuantizer
from aelab.nn.corruption import (
    gaussian_noise,
    masking,
    salt_and_pepper,
    token_dropout,
    token_swap,
)
from aelab.nn.quantizer import usage_stats
from aelab.train import build_datamodule, build_model

SHAPE = (1, 8, 8)
VARIANTS = {
    "denoising": (DenoisingAutoencoder, ConvDenoisingAutoencoder),
    "sparse": (SparseAutoencoder, ConvSparseAutoencoder),
    "contractive": (ContractiveAutoencoder, ConvContractiveAutoencoder),
    "vae": (VariationalAutoencoder, ConvVariationalAutoencoder),
    "vq": (VQAutoencoder, ConvVQAutoencoder),
}
BODIES = [
    (name, body, cls)
    for name, pair in VARIANTS.items()
    for body, cls in zip(("dense", "conv"), pair, strict=True)
]


@pytest.mark.parametrize(("name", "body", "cls"), BODIES, ids=[f"{n}-{b}" for n, b, _ in BODIES])
def test_every_variant_on_every_body_runs_forward_and_backward(name, body, cls):
    kwargs = {"hidden_dims": [16]} if body == "dense" else {"channels": [4, 8]}
    net = cls(input_shape=SHAPE, latent_dim=8, **kwargs)
    x = torch.rand(6, *SHAPE)
    out = net(x)
    assert out.recon.shape == x.shape and out.code.shape == (6, 8)
    loss = net.reconstruction_loss(out, x) + sum(out.terms.values())
    loss.backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


# -- penalties against hand-computed values ----------------------------------------------


def test_l1_penalty_is_the_batch_mean_of_the_summed_magnitudes():
    net = SparseAutoencoder(input_shape=SHAPE, latent_dim=2, l1_weight=0.5)
    _, terms = net.bottleneck(torch.tensor([[1.0, -2.0], [3.0, 0.0]]))
    assert terms["l1"].item() == pytest.approx(0.5 * (3 + 3) / 2)


def test_kl_sparsity_by_hand():
    code = torch.tensor([[0.1, 0.5], [0.3, 0.5]])  # unit means 0.2 and 0.5
    rho = 0.1
    expected = sum(
        rho * math.log(rho / m) + (1 - rho) * math.log((1 - rho) / (1 - m)) for m in (0.2, 0.5)
    )
    assert kl_sparsity(code, rho).item() == pytest.approx(expected, rel=1e-5)
    net = SparseAutoencoder(
        input_shape=SHAPE, latent_dim=2, l1_weight=0, kl_weight=2.0, sparsity_target=rho
    )
    _, terms = net.bottleneck(code)
    assert set(terms) == {"kl_sparsity"}
    assert terms["kl_sparsity"].item() == pytest.approx(2 * expected, rel=1e-5)


def test_sparse_stats_count_near_zero_units():
    net = SparseAutoencoder(input_shape=SHAPE, latent_dim=4, zero_threshold=0.1)
    stats = net.code_stats(torch.zeros(1, 4), torch.tensor([[0.0, 0.05, -0.5, 1.0]]))
    assert stats["near_zero"].item() == pytest.approx(0.5)
    assert stats["mean_activation"].item() == pytest.approx(1.55 / 4)


def test_contractive_penalty_matches_the_sigmoid_jacobian_by_hand():
    torch.manual_seed(0)
    net = ContractiveAutoencoder(
        input_shape=(1, 2, 2), latent_dim=3, code_activation="sigmoid", contractive_weight=1.0
    )
    x = torch.rand(5, 1, 2, 2)
    w, b = net.encoder[0].weight, net.encoder[0].bias  # (3, 4), (3,)
    s = torch.sigmoid(x.flatten(1) @ w.t() + b)  # (5, 3)
    # d s_j / d x_i = s_j (1 - s_j) W_ji, so ||J||_F^2 = sum_j (s_j (1 - s_j))^2 sum_i W_ji^2
    by_hand = ((s * (1 - s)).pow(2) * w.pow(2).sum(1)).sum(1).mean()
    h = net.embed(x)
    penalty = net.penalties(h, net.encode(h))["contractive"]
    assert penalty.item() == pytest.approx(by_hand.item(), rel=1e-5)
    penalty.backward()
    assert w.grad is not None and w.grad.abs().sum() > 0


def test_gaussian_kl_by_hand():
    mean = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)]])
    expected = 0.5 * (1 + 1 - 1 - 0) + 0.5 * (0 + 2 - 1 - math.log(2.0))
    assert gaussian_kl(mean, logvar).item() == pytest.approx(expected)


def test_vae_kl_term_is_per_element_and_warms_up():
    net = VariationalAutoencoder(input_shape=SHAPE, latent_dim=4, beta=2.0, kl_warmup_steps=4)
    z = torch.randn(3, 4)
    mean, logvar = net.posterior(z)
    kl = gaussian_kl(mean, logvar).mean()
    _, terms = net.bottleneck(z)
    # step 0 of a 4-step warm-up: a quarter of beta; D = 64 elements per item
    assert terms["weighted_kl"].item() == pytest.approx(2.0 * 0.25 * kl.item() / 64, rel=1e-5)
    net.eval()
    _, terms = net.bottleneck(z)
    assert terms["weighted_kl"].item() == pytest.approx(2.0 * kl.item() / 64, rel=1e-5)


def test_vq_commitment_and_straight_through_by_hand():
    vq = VectorQuantizer(num_codes=2, code_dim=2)
    vq.codebook.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
    vq.initialized.fill_(True)
    vq.eval()
    z = torch.tensor([[0.9, 0.0], [0.0, 2.2]], requires_grad=True)
    q = vq(z)
    assert q.indices.tolist() == [0, 1]
    assert q.commitment.item() == pytest.approx((0.01 + 0.04) / 4)
    assert torch.equal(q.vectors, vq.codebook)
    q.vectors.sum().backward()
    assert torch.equal(z.grad, torch.ones_like(z))  # straight through


def test_vq_ema_moves_codes_and_restarts_dead_ones():
    vq = VectorQuantizer(num_codes=2, code_dim=1, decay=0.5, restart_below=0.9)
    vq.codebook.copy_(torch.tensor([[0.0], [100.0]]))
    vq.ema_sum.copy_(vq.codebook)
    vq.initialized.fill_(True)
    z = torch.tensor([[2.0], [4.0]])  # both nearest to code 0
    vq(z)
    # code 0: count 0.5 + 0.5 * 2 = 1.5, sum 0.5 * 0 + 0.5 * 6 = 3 -> about 2
    assert vq.codebook[0].item() == pytest.approx(2.0, rel=1e-3)
    # code 1 was not chosen: its count fell to 0.5 < 0.9, so it restarts at a batch vector
    assert vq.codebook[1].item() in (2.0, 4.0)


def test_usage_and_perplexity():
    stats = usage_stats(torch.tensor([0, 0, 1, 1]), num_codes=4)
    assert stats["codebook_usage"].item() == pytest.approx(0.5)
    assert stats["perplexity"].item() == pytest.approx(2.0)


# -- sampling and integer codes ----------------------------------------------------------


@pytest.mark.parametrize(
    "cls", [VariationalAutoencoder, ConvVariationalAutoencoder, VQAutoencoder, ConvVQAutoencoder]
)
def test_sample_and_interpolate_shapes(cls):
    net = cls(input_shape=SHAPE, latent_dim=8).eval()
    samples = net.sample(5)
    assert samples.shape == (5, *SHAPE) and ((samples >= 0) & (samples <= 1)).all()
    x = torch.rand(2, *SHAPE)
    line = net.interpolate(x[0], x[1], steps=7)
    assert line.shape == (7, *SHAPE)
    ends = net(x).recon
    torch.testing.assert_close(line[[0, -1]], ends)


@pytest.mark.parametrize("cls", [VQAutoencoder, ConvVQAutoencoder])
def test_vq_codes_are_integers_that_decode(cls):
    net = cls(input_shape=SHAPE, latent_dim=12, code_dim=3, codebook_size=16)
    net(torch.rand(32, *SHAPE))  # the first training batch initializes the codebook
    net.eval()
    x = torch.rand(5, *SHAPE)
    codes = net.code_indices(x)
    assert codes.shape == (5, 4) and codes.dtype == torch.long
    assert codes.min() >= 0 and codes.max() < 16
    torch.testing.assert_close(net.decode_indices(codes), net(x).recon)


# -- corruptions -------------------------------------------------------------------------


def test_value_corruptions_stay_in_range_and_hit_the_expected_share():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(200, 1, 10, 10)
    noisy = gaussian_noise(x, 0.5, 0.0, 1.0, g)
    assert noisy.min() >= 0 and noisy.max() <= 1 and not torch.equal(noisy, x)
    masked = masking(x, 0.3, 0.0, 1.0, g)
    assert (masked == 0).float().mean().item() == pytest.approx(0.3, abs=0.02)
    assert torch.equal(masked[masked != 0], x[masked != 0])
    signed = x * 2 - 1
    peppered = salt_and_pepper(signed, 0.2, -1.0, 1.0, g)
    changed = peppered != signed
    assert changed.float().mean().item() == pytest.approx(0.2, abs=0.02)
    assert set(peppered[changed].unique().tolist()) == {-1.0, 1.0}


def test_token_dropout_leaves_padding_alone():
    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(1, 50, (400, 12))
    tokens[:, 8:] = 0
    dropped = token_dropout(tokens, 0.25, pad_id=0, generator=g)
    assert (dropped[:, 8:] == 0).all()
    changed = dropped != tokens
    assert (dropped[changed] == 0).all()
    assert changed[:, :8].float().mean().item() == pytest.approx(0.25, abs=0.02)


def test_token_swap_swaps_neighbours_and_keeps_the_tokens():
    tokens = torch.tensor([[1, 2, 3, 4, 5, 0, 0]])
    assert token_swap(tokens, 1.0).tolist() == [[2, 1, 4, 3, 5, 0, 0]]
    g = torch.Generator().manual_seed(0)
    many = torch.randint(1, 50, (300, 10))
    many[:, 7:] = 0
    swapped = token_swap(many, 0.3, generator=g)
    assert torch.equal(swapped.sort(1).values, many.sort(1).values)
    assert (swapped[:, 7:] == 0).all() and not torch.equal(swapped, many)


def test_denoiser_corrupts_only_while_training():
    net = DenoisingAutoencoder(input_shape=SHAPE, latent_dim=4, corruption="masking", noise=0.5)
    x = torch.rand(4, *SHAPE)
    torch.manual_seed(0)
    train_code = net(x).code
    net.eval()
    assert not torch.allclose(train_code, net(x).code)
    assert torch.equal(net(x).code, net.codes(x))


def test_denoiser_on_tokens_defaults_to_word_dropout():
    net = DenoisingAutoencoder(input_shape=(6,), data_kind="tokens", vocab_size=20, latent_dim=4)
    assert net.corruption == "token_dropout" and net.noise == 0.1
    tokens = torch.tensor([[3, 4, 5, 0, 0, 0]])
    out = net(tokens)
    assert out.logits.shape == (1, 20, 6)


# -- bad settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (VariationalAutoencoder, {"beta": -0.1}, r"model\.beta=-0\.1 must be at least 0"),
        (VariationalAutoencoder, {"kl_warmup_steps": -1}, r"model\.kl_warmup_steps=-1"),
        (VQAutoencoder, {"codebook_size": 1}, r"model\.codebook_size=1 must be at least 2"),
        (VQAutoencoder, {"code_dim": 5}, r"model\.code_dim=5 must divide model\.latent_dim=8"),
        (SparseAutoencoder, {"sparsity_target": 0.0}, r"model\.sparsity_target=0\.0 must lie"),
        (SparseAutoencoder, {"sparsity_target": 1.0}, r"model\.sparsity_target=1\.0 must lie"),
        (SparseAutoencoder, {"sparsity_target": 1.5}, r"model\.sparsity_target=1\.5 must lie"),
        (SparseAutoencoder, {"l1_weight": -1.0}, r"model\.l1_weight=-1\.0 .* at least 0"),
        (
            SparseAutoencoder,
            {"kl_weight": 1.0, "code_activation": "relu"},
            r"model\.code_activation='relu'; set model\.code_activation=sigmoid",
        ),
        (DenoisingAutoencoder, {"corruption": "token_swap"}, r"model\.corruption='token_swap'"),
        (DenoisingAutoencoder, {"corruption": "masking", "noise": 1.5}, r"model\.noise=1\.5"),
        (ContractiveAutoencoder, {"hidden_dims": [8], "norm": "batch"}, r"model\.norm=batch"),
    ],
    ids=[
        "beta",
        "warmup",
        "codebook",
        "code-dim",
        "target-0",
        "target-1",
        "target-1.5",
        "l1",
        "kl-needs-sigmoid",
        "token-corruption-on-images",
        "probability",
        "batch-norm",
    ],
)
def test_bad_settings_name_the_key(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(input_shape=SHAPE, latent_dim=8, **kwargs)


def test_bad_setting_through_the_config(compose_train):
    cfg = compose_train("model=vae", "model.beta=-1")
    with pytest.raises(InstantiationException, match=r"model\.beta=-1"):
        build_model(cfg, build_datamodule(cfg).spec)
