"""Reusable bodies the autoencoder families are built from."""

from aelab.nn.conv import ConvDecoder, ConvEncoder, conv_output_shape
from aelab.nn.layers import activation, init_weights, normalization
from aelab.nn.mlp import MLP
from aelab.nn.quantizer import VectorQuantizer

__all__ = [
    "MLP",
    "ConvDecoder",
    "ConvEncoder",
    "VectorQuantizer",
    "activation",
    "conv_output_shape",
    "init_weights",
    "normalization",
]
