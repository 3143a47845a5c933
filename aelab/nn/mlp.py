"""Fully connected stacks."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from aelab.nn import layers


class MLP(nn.Sequential):
    """Linear layers of the given widths, each but the last followed by norm and activation.

    Args:
        widths: ``[in, hidden..., out]``; at least two numbers.
        activation: activation name between layers.
        norm: ``"none"``, ``"batch"`` or ``"layer"``, applied before each hidden activation.
        dropout: dropout probability after each hidden activation.
        final_activation: activation after the last layer (``"identity"`` for none).
    """

    def __init__(
        self,
        widths: Sequence[int],
        activation: str = "relu",
        norm: str = "none",
        dropout: float = 0.0,
        final_activation: str = "identity",
    ) -> None:
        assert len(widths) >= 2, f"an MLP needs input and output widths, got {list(widths)}"
        modules: list[nn.Module] = []
        for i, (w_in, w_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
            modules.append(nn.Linear(w_in, w_out))
            if i < len(widths) - 2:
                modules += [layers.normalization(norm, w_out, 0), layers.activation(activation)]
                if dropout > 0:
                    modules.append(nn.Dropout(dropout))
        modules.append(layers.activation(final_activation))
        super().__init__(*modules)
