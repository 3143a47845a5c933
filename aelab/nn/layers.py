"""Activations, normalizations and initializations chosen by name from configs."""

from __future__ import annotations

from torch import nn

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}
NORMS = ("none", "batch", "layer")
INITS = ("default", "xavier_uniform", "kaiming_normal")


def activation(name: str) -> nn.Module:
    """Returns a new activation module by name (``relu``, ``gelu``, ..., ``identity``)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def normalization(name: str, features: int, dims: int) -> nn.Module:
    """Returns a normalization over ``features`` channels for data with ``dims`` signal axes.

    Args:
        name: ``"none"``, ``"batch"`` or ``"layer"``.
        features: number of channels (or units, for ``dims == 0``).
        dims: 0 for vectors, 1 for sequences ``(B, C, L)``, 2 for images ``(B, C, H, W)``.
    """
    if name == "none":
        return nn.Identity()
    if name == "batch":
        return (nn.BatchNorm1d, nn.BatchNorm1d, nn.BatchNorm2d)[dims](features)
    if name == "layer":
        # GroupNorm with one group normalizes over channels and positions, like LayerNorm.
        return nn.LayerNorm(features) if dims == 0 else nn.GroupNorm(1, features)
    raise ValueError(f"unknown norm {name!r}; choose one of {NORMS}")


def init_weights(module: nn.Module, scheme: str) -> None:
    """Re-initializes every linear and convolution weight of ``module``; biases to zero.

    ``"default"`` keeps torch's initialization; ``"xavier_uniform"`` is Keras's
    ``glorot_uniform``, used to reproduce Keras results.
    """
    if scheme not in INITS:
        raise ValueError(f"unknown weight init {scheme!r}; choose one of {INITS}")
    if scheme == "default":
        return
    for m in module.modules():
        if isinstance(
            m, nn.Linear | nn.Conv1d | nn.Conv2d | nn.ConvTranspose1d | nn.ConvTranspose2d
        ):
            if scheme == "xavier_uniform":
                nn.init.xavier_uniform_(m.weight)
            else:
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
