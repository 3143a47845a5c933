"""Fully connected autoencoders: one code layer, or a symmetric stack of them."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from aelab.models.base import Autoencoder, flat_size
from aelab.nn import MLP


class DenseAutoencoder(Autoencoder):
    """The classic fully connected autoencoder: input -> code -> output.

    With no hidden layers this is the 784-32-784 model of the Keras tutorial
    ("Building Autoencoders in Keras", F. Chollet, 2016): a ReLU code and a sigmoid
    output for data in [0, 1]. ``hidden_dims`` inserts a symmetric stack of layers on
    both sides (see :class:`~aelab.models.deep.DeepAutoencoder`).

    Args:
        hidden_dims: widths of the encoder's hidden layers, outermost first; the decoder
            uses them in reverse.
        activation: activation between hidden layers.
        code_activation: activation on the code (``"identity"`` for a linear code).
        norm: ``"none"``, ``"batch"`` or ``"layer"`` on hidden layers.
        dropout: dropout after hidden activations.
        **kwargs: arguments of :class:`~aelab.models.base.Autoencoder`.
    """

    def __init__(
        self,
        hidden_dims: Sequence[int] = (),
        activation: str = "relu",
        code_activation: str = "relu",
        norm: str = "none",
        dropout: float = 0.0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if any(int(w) < 1 for w in hidden_dims):
            raise ValueError(f"model.hidden_dims must be positive, got {list(hidden_dims)}")
        hidden = [int(w) for w in hidden_dims]
        n_in, n_out = flat_size(self.body_in_shape), flat_size(self.body_out_shape)
        body = {"activation": activation, "norm": norm, "dropout": dropout}
        self.encoder = MLP(
            [n_in, *hidden, self.latent_dim], final_activation=code_activation, **body
        )
        self.decoder = MLP([self.latent_dim, *hidden[::-1], n_out], **body)

    def encode(self, h: Tensor) -> Tensor:
        return self.encoder(h.flatten(1))  # (B, *shape) -> (B, prod(shape))

    def decode(self, code: Tensor) -> Tensor:
        return self.decoder(code).view(-1, *self.body_out_shape)  # (B, prod) -> (B, *shape)
