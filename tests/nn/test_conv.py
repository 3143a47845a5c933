import pytest
import torch

from aelab.nn import ConvDecoder, ConvEncoder, conv_output_shape


@pytest.mark.parametrize(
    ("shape", "channels", "kernels", "strides", "expected"),
    [
        ((1, 28, 28), [8, 16], 3, 2, (16, 7, 7)),
        ((1, 28, 28), [8, 16], [4, 4], [2, 2], (16, 7, 7)),
        ((3, 32, 32), [8, 8, 8], 3, [1, 2, 2], (8, 8, 8)),
        ((1, 8000), [8, 16, 32], 5, 4, (32, 125)),
        ((1, 8000), [8], 64, 64, (8, 125)),
    ],
    ids=["mnist-k3", "mnist-k4", "rgb-mixed-strides", "wave-k5s4", "wave-k64s64"],
)
def test_encoder_decoder_round_trip_shapes(shape, channels, kernels, strides, expected):
    assert conv_output_shape(shape, channels, kernels, strides) == expected
    encoder = ConvEncoder(shape, channels, kernels, strides)
    decoder = ConvDecoder(shape, channels, kernels, strides)
    x = torch.rand(2, *shape)
    h = encoder(x)
    assert h.shape == (2, *expected)
    assert decoder(h).shape == x.shape


def test_stride_that_does_not_divide_names_the_sizes():
    with pytest.raises(ValueError, match=r"stride 2 but receives size 7 .*change model\.strides"):
        conv_output_shape((1, 28, 28), [8, 16, 32], 3, 2)


def test_kernel_that_cannot_keep_size_suggests_one():
    with pytest.raises(ValueError, match=r"kernel 4 with stride 1 .*model\.kernels=3"):
        conv_output_shape((1, 28, 28), [8], 4, 1)


def test_per_layer_lists_must_match_channels():
    with pytest.raises(
        ValueError, match=r"model\.strides has 3 entries but model\.channels has 2"
    ):
        conv_output_shape((1, 28, 28), [8, 16], 3, [2, 2, 2])
