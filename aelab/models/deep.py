"""The deep (stacked) fully connected autoencoder."""

from __future__ import annotations

from collections.abc import Sequence

from aelab.models.dense import DenseAutoencoder


class DeepAutoencoder(DenseAutoencoder):
    """A symmetric stack of fully connected layers, 128-64-32 by default.

    The same body as :class:`~aelab.models.dense.DenseAutoencoder`; only the default
    depth differs, so the two stay one implementation.

    Args:
        hidden_dims: widths of the encoder's hidden layers, outermost first.
        **kwargs: arguments of :class:`~aelab.models.dense.DenseAutoencoder`.
    """

    def __init__(self, hidden_dims: Sequence[int] = (128, 64), **kwargs) -> None:
        if len(hidden_dims) == 0:
            raise ValueError(
                "model.hidden_dims is empty: a deep autoencoder needs at least one hidden "
                "layer; use model=dense for a single code layer"
            )
        super().__init__(hidden_dims=hidden_dims, **kwargs)
