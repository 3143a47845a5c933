"""The GRU sequence autoencoder: shapes, greedy decoding, and learning a tiny corpus."""

import pytest
import torch

from aelab.data.tokenizers import EOS_ID
from aelab.models import RecurrentAutoencoder


def tiny(**kwargs):
    sizes = {"latent_dim": 6, "hidden_dim": 16, **kwargs}
    return RecurrentAutoencoder(input_shape=(8,), data_kind="tokens", vocab_size=10, **sizes)


def test_the_code_is_one_vector_and_logits_cover_the_vocabulary():
    net = tiny(num_layers=2)
    x = torch.tensor([[5, 6, 7, EOS_ID, 0, 0, 0, 0], [4, 4, 4, 4, 4, 4, 4, EOS_ID]])
    out = net(x)
    assert out.code.shape == (2, 6) and out.logits.shape == (2, 10, 8)
    assert out.recon.shape == x.shape and out.recon.dtype == torch.long
    greedy = net.greedy_reconstruction(out)
    assert greedy.shape == x.shape


def test_the_encoder_stops_at_the_padding():
    net = tiny().eval()
    x = torch.tensor([[5, 6, EOS_ID, 0, 0, 0, 0, 0]])
    # the same GRU run over the three real tokens only
    _, last = net.encoder(net.embed(x)[:, :, :3].transpose(1, 2))  # (B, E, 3) -> (B, 3, E)
    unpadded = net.to_code(last.transpose(0, 1).reshape(1, -1))
    assert torch.allclose(net.codes(x), unpadded, atol=1e-6)


def test_greedy_decoding_feeds_back_its_own_choices():
    torch.manual_seed(0)
    net = tiny().eval()
    out = net(torch.randint(4, 10, (3, 8)))
    greedy = net.greedy_reconstruction(out)
    # teacher-forcing the decoder with its own greedy output reproduces that output
    assert torch.equal(net.teacher_forced(out.code, greedy).argmax(dim=1), greedy)


def test_learns_to_reconstruct_a_tiny_corpus_greedily():
    torch.manual_seed(0)
    data = torch.tensor([[4, 5, 6, EOS_ID, 0, 0, 0, 0], [7, 8, 9, 4, EOS_ID, 0, 0, 0]] * 8)
    net = RecurrentAutoencoder(
        input_shape=(8,),
        data_kind="tokens",
        vocab_size=10,
        latent_dim=8,
        hidden_dim=32,
        word_dropout=0.2,
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(150):
        loss = net.reconstruction_loss(net(data), data)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    greedy = net.greedy_reconstruction(net(data))
    real = data != 0
    assert torch.equal(greedy[real], data[real])


@pytest.mark.parametrize(
    "shape", [(1, 64), (1, 28, 28), (1, 16, 10)], ids=["wave", "image", "spectrogram"]
)
def test_signals_run_in_frames_of_at_most_max_steps(shape):
    net = RecurrentAutoencoder(
        input_shape=shape, data_kind="signed", latent_dim=4, hidden_dim=8, max_steps=16
    )
    x = torch.rand(2, *shape) * 2 - 1
    out = net(x)
    assert out.recon.shape == x.shape and out.code.shape == (2, 4)
    assert net.steps <= 16 and net.steps * net.frame == shape[-1]


def test_bad_settings_name_the_key():
    with pytest.raises(ValueError, match=r"model\.word_dropout must be in \[0, 1\), got 1\.0"):
        tiny(word_dropout=1.0)
    with pytest.raises(ValueError, match=r"model\.hidden_dim, model\.num_layers and"):
        tiny(hidden_dim=0)
