"""Vector quantization with an EMA codebook and dead-code restarts.

After "Neural Discrete Representation Learning" (van den Oord, Vinyals, Kavukcuoglu,
2017), with the exponential-moving-average codebook update of its appendix: the codebook
is not trained by gradients; each code moves toward the mean of the vectors assigned to it.
Codes that the batches stop choosing are restarted at random encoder outputs, so the
codebook does not shrink to a few used entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@dataclass
class Quantized:
    """What :class:`VectorQuantizer` returns for ``(N, D)`` vectors.

    Attributes:
        vectors: the nearest codebook vectors, ``(N, D)``, with straight-through gradients
            toward the inputs.
        indices: the chosen codes, ``(N,)`` long.
        commitment: the commitment loss ``||z - sg(e)||^2``, averaged, not yet weighted.
    """

    vectors: Tensor
    indices: Tensor
    commitment: Tensor


class VectorQuantizer(nn.Module):
    """Maps vectors to their nearest entry of a learned codebook of ``num_codes`` vectors.

    Args:
        num_codes: codebook size ``K``, at least 2.
        code_dim: size ``D`` of each codebook vector.
        decay: EMA decay of the codebook statistics.
        restart_below: a code whose EMA count of assignments per batch falls below this is
            restarted at a random input vector of the batch; 0 disables restarts.
        eps: Laplace smoothing of the EMA counts.
    """

    def __init__(
        self,
        num_codes: int,
        code_dim: int,
        decay: float = 0.99,
        restart_below: float = 0.01,
        eps: float = 1e-5,
    ) -> None:
        super().__init__()
        assert num_codes >= 2 and code_dim >= 1, (num_codes, code_dim)
        self.num_codes = num_codes
        self.code_dim = code_dim
        self.decay = decay
        self.restart_below = restart_below
        self.eps = eps
        self.register_buffer("codebook", torch.randn(num_codes, code_dim))
        self.register_buffer("ema_count", torch.ones(num_codes))
        self.register_buffer("ema_sum", self.codebook.clone())
        self.register_buffer("initialized", torch.tensor(False))

    def nearest(self, z: Tensor) -> Tensor:
        """Returns the index of the nearest codebook vector for each row of ``z`` ``(N, D)``."""
        # ||z - e||^2 = ||z||^2 - 2 z.e + ||e||^2; ||z||^2 does not change the argmin
        distances = self.codebook.pow(2).sum(1) - 2 * z @ self.codebook.t()  # (N, K)
        return distances.argmin(dim=1)

    def lookup(self, indices: Tensor) -> Tensor:
        """Returns the codebook vectors of integer ``indices`` of any shape, ``(*, D)``."""
        return F.embedding(indices, self.codebook)

    def forward(self, z: Tensor) -> Quantized:
        if self.training and not self.initialized:
            self._init_from(z.detach())
        indices = self.nearest(z.detach())
        if self.training:
            self._update(z.detach(), indices)
        vectors = self.lookup(indices)
        commitment = F.mse_loss(z, vectors.detach())
        # straight-through: the forward pass uses the code, the backward pass skips it
        return Quantized(z + (vectors - z).detach(), indices, commitment)

    @torch.no_grad()
    def _init_from(self, z: Tensor) -> None:
        # start the codebook on the data's scale: random encoder outputs of the first batch
        picks = torch.randint(len(z), (self.num_codes,), device=z.device)
        self.codebook.copy_(z[picks])
        self.ema_sum.copy_(z[picks])
        self.ema_count.fill_(1.0)
        self.initialized.fill_(True)

    @torch.no_grad()
    def _update(self, z: Tensor, indices: Tensor) -> None:
        # TODO: under DDP each process updates its own codebook; the counts and sums would
        # need an all-reduce to keep the replicas equal.
        onehot = F.one_hot(indices, self.num_codes).type_as(z)  # (N, K)
        self.ema_count.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
        self.ema_sum.mul_(self.decay).add_(onehot.t() @ z, alpha=1 - self.decay)
        total = self.ema_count.sum()
        count = (self.ema_count + self.eps) / (total + self.num_codes * self.eps) * total
        self.codebook.copy_(self.ema_sum / count.unsqueeze(1))

        dead = self.ema_count < self.restart_below
        if self.restart_below > 0 and dead.any():
            picks = torch.randint(len(z), (int(dead.sum()),), device=z.device)
            self.codebook[dead] = z[picks]
            self.ema_sum[dead] = z[picks]
            self.ema_count[dead] = 1.0


def usage_stats(indices: Tensor, num_codes: int) -> dict[str, Tensor]:
    """Codebook usage of a batch of code ``indices``: share of codes used and perplexity.

    The perplexity ``exp(H(p))`` of the batch's code histogram ``p`` ranges from 1 (one code
    for everything) to ``num_codes`` (all codes equally often).
    """
    p = torch.bincount(indices.flatten(), minlength=num_codes).float()
    p = p / p.sum()
    entropy = -(p * torch.log(p.clamp_min(1e-12))).sum()
    return {"codebook_usage": (p > 0).float().mean(), "perplexity": entropy.exp()}
