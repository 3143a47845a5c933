"""Convolutional autoencoders for 1-D signals and 2-D images."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from aelab.models.base import Autoencoder, flat_size
from aelab.nn import ConvDecoder, ConvEncoder, layers


class ConvAutoencoder(Autoencoder):
    """Strided convolutions down, a linear code, transposed convolutions back up.

    Works on ``(C, L)`` signals with 1-D layers and on ``(C, H, W)`` images with 2-D
    layers, chosen from the input shape. Sizes are derived from the input: every
    stride must divide the size its layer receives.

    Args:
        channels: channels of each encoder layer; the decoder mirrors them.
        kernels: kernel size per layer, or one for all.
        strides: stride per layer, or one for all.
        activation: activation after each convolution.
        norm: ``"none"``, ``"batch"`` or ``"layer"`` after each convolution.
        code_activation: activation on the code.
        linear_code: map the last feature map to a ``latent_dim`` vector and back; when
            false, the code is the last feature map itself and ``latent_dim`` must equal
            its size.
        **kwargs: arguments of :class:`~aelab.models.base.Autoencoder`.
    """

    def __init__(
        self,
        channels: Sequence[int] = (16, 32),
        kernels: int | Sequence[int] = 3,
        strides: int | Sequence[int] = 2,
        activation: str = "relu",
        norm: str = "none",
        code_activation: str = "identity",
        linear_code: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        channels = [int(c) for c in channels]
        if not channels or min(channels) < 1:
            raise ValueError(
                f"model.channels must be a non-empty list of positive ints, got {channels}"
            )
        body = {"activation": activation, "norm": norm}
        self.encoder = ConvEncoder(self.body_in_shape, channels, kernels, strides, **body)
        self.decoder = ConvDecoder(self.body_out_shape, channels, kernels, strides, **body)
        self.feature_shape = self.encoder.out_shape
        n_features = flat_size(self.feature_shape)
        if linear_code:
            self.to_code = nn.Sequential(
                nn.Flatten(),
                nn.Linear(n_features, self.latent_dim),
                layers.activation(code_activation),
            )
            self.from_code = nn.Sequential(
                nn.Linear(self.latent_dim, n_features), layers.activation(activation)
            )
        elif self.latent_dim != n_features:
            raise ValueError(
                f"model.linear_code=false makes the last feature map {self.feature_shape} the "
                f"code, {n_features} numbers, but model.latent_dim={self.latent_dim}; set "
                f"model.latent_dim={n_features} or model.linear_code=true"
            )
        else:
            self.to_code = nn.Sequential(nn.Flatten(), layers.activation(code_activation))
            self.from_code = nn.Identity()

    def encode(self, h: Tensor) -> Tensor:
        return self.to_code(self.encoder(h))  # (B, C, *S) -> (B, latent_dim)

    def decode(self, code: Tensor) -> Tensor:
        features = self.from_code(code).view(-1, *self.feature_shape)  # (B, n) -> (B, C, *S)
        return self.decoder(features)
