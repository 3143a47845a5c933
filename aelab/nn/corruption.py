"""Input corruptions for denoising autoencoders, applied on the fly to a batch.

Value corruptions work on data in a range ``[low, high]`` (``[0, 1]`` or ``[-1, 1]``);
token corruptions work on ``(B, L)`` ids where ``pad_id`` marks padding, which they never
touch. Each takes an optional generator so that evaluation can corrupt reproducibly.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

ValueCorruption = Callable[..., Tensor]


def _uniform(x: Tensor, generator: torch.Generator | None) -> Tensor:
    return torch.rand(x.shape, generator=generator, device=x.device)


def gaussian_noise(
    x: Tensor, std: float, low: float, high: float, generator: torch.Generator | None = None
) -> Tensor:
    """Adds ``N(0, std^2)`` noise to every element, clipped back into ``[low, high]``."""
    noise = torch.randn(x.shape, generator=generator, device=x.device)
    return (x + std * noise).clamp(low, high)


def masking(
    x: Tensor, p: float, low: float, high: float, generator: torch.Generator | None = None
) -> Tensor:
    """Sets each element to zero with probability ``p`` (dropout of inputs, no rescaling)."""
    return x.masked_fill(_uniform(x, generator) < p, 0.0)


def salt_and_pepper(
    x: Tensor, p: float, low: float, high: float, generator: torch.Generator | None = None
) -> Tensor:
    """Sets each element with probability ``p`` to ``low`` or ``high``, each half the time."""
    hit = _uniform(x, generator) < p
    salt = _uniform(x, generator) < 0.5
    extreme = torch.where(salt, torch.full_like(x, high), torch.full_like(x, low))
    return torch.where(hit, extreme, x)


def token_dropout(
    tokens: Tensor, p: float, pad_id: int = 0, generator: torch.Generator | None = None
) -> Tensor:
    """Replaces each non-pad token of ``(B, L)`` ids by ``pad_id`` with probability ``p``.

    The embedding maps ``pad_id`` to zeros, so a dropped word reaches the encoder as a
    zero vector: word dropout. Character ids are treated the same way.
    """
    drop = (_uniform(tokens, generator) < p) & (tokens != pad_id)
    return tokens.masked_fill(drop, pad_id)


def token_swap(
    tokens: Tensor, p: float, pad_id: int = 0, generator: torch.Generator | None = None
) -> Tensor:
    """Swaps non-pad tokens of ``(B, L)`` ids with their right neighbour, each with prob. ``p``.

    Positions are drawn left to right; a drawn position whose left neighbour was just
    swapped stays, so swaps never overlap and every token moves by at most one place.
    """
    drawn = _uniform(tokens, generator) < p
    real = tokens != pad_id
    drawn[:, :-1] &= real[:, :-1] & real[:, 1:]  # both partners must be real tokens
    drawn[:, -1] = False
    swap = torch.zeros_like(drawn)
    for i in range(tokens.shape[1] - 1):
        # NOTE: a loop over positions, vectorized over the batch; sentences are short
        swap[:, i] = drawn[:, i] & ~(swap[:, i - 1] if i > 0 else False)
    index = torch.arange(tokens.shape[1], device=tokens.device).expand_as(tokens).clone()
    right = torch.cat([torch.zeros_like(swap[:, :1]), swap[:, :-1]], dim=1)
    index[swap] += 1  # the left partner reads its right neighbour ...
    index[right] -= 1  # ... and the right partner its left one
    return tokens.gather(1, index)


VALUE_CORRUPTIONS: dict[str, ValueCorruption] = {
    "gaussian": gaussian_noise,
    "masking": masking,
    "salt_and_pepper": salt_and_pepper,
}
TOKEN_CORRUPTIONS: dict[str, ValueCorruption] = {
    "token_dropout": token_dropout,
    "token_swap": token_swap,
}
