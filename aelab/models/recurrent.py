"""A GRU sequence-to-sequence autoencoder whose code is a single vector."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence
from typing_extensions import override

from aelab.data.tokenizers import BOS_ID, UNK_ID
from aelab.models.base import PAD_ID, Autoencoder, AutoencoderOutput


def _frame_size(length: int, max_steps: int) -> int:
    """The smallest divisor of ``length`` that makes at most ``max_steps`` steps."""
    return next(f for f in range(1, length + 1) if length % f == 0 and length // f <= max_steps)


class RecurrentAutoencoder(Autoencoder):
    """A GRU reads the sequence into one code vector; another GRU writes it back.

    The sequence-to-sequence autoencoder of "Semi-supervised Sequence Learning" (Dai and
    Le, 2015), with a bottleneck: the encoder's last hidden states (both directions when
    bidirectional) are mapped to a ``latent_dim`` code, and the decoder starts from that
    code and also reads it at every step.

    On tokens the decoder is autoregressive. Training is teacher-forced: it reads
    ``<bos>`` and the true previous tokens, of which ``word_dropout`` are replaced by
    ``<unk>`` so that it must lean on the code ("Generating Sentences from a Continuous
    Space", Bowman et al., 2016). :meth:`decode` and the metrics decode greedily from the
    code alone, feeding back the decoder's own choices.

    On signals ``(C, L)`` or images ``(C, H, W)`` the last axis is the time axis, cut into
    frames of consecutive positions so that there are at most ``max_steps`` steps; the
    decoder reads only the code at every step.

    Args:
        hidden_dim: GRU width, encoder and decoder.
        num_layers: GRU layers, encoder and decoder.
        bidirectional: the encoder reads the sequence both ways.
        word_dropout: share of teacher-forced decoder inputs replaced by ``<unk>`` when
            training on tokens.
        dropout: dropout between GRU layers and on the code.
        max_steps: most time steps for signals and images.
        **kwargs: arguments of :class:`~aelab.models.base.Autoencoder`.
    """

    def __init__(
        self,
        hidden_dim: int = 256,
        num_layers: int = 1,
        bidirectional: bool = True,
        word_dropout: float = 0.0,
        dropout: float = 0.0,
        max_steps: int = 256,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= word_dropout < 1.0:
            raise ValueError(f"model.word_dropout must be in [0, 1), got {word_dropout}")
        if hidden_dim < 1 or num_layers < 1 or max_steps < 1:
            raise ValueError(
                f"model.hidden_dim, model.num_layers and model.max_steps must be positive, "
                f"got {hidden_dim}, {num_layers} and {max_steps}"
            )
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.word_dropout = word_dropout
        length = self.input_shape[-1]
        self.frame = 1 if self.data_kind == "tokens" else _frame_size(length, max_steps)
        self.steps = length // self.frame
        # features of one step: every axis but the last, times the frame
        step_in = math.prod(self.body_in_shape[:-1]) * self.frame
        step_out = math.prod(self.body_out_shape[:-1]) * self.frame
        rnn = {"num_layers": num_layers, "batch_first": True}
        rnn["dropout"] = dropout if num_layers > 1 else 0.0

        directions = 2 if bidirectional else 1
        self.encoder = nn.GRU(step_in, hidden_dim, bidirectional=bidirectional, **rnn)
        self.to_code = nn.Linear(directions * hidden_dim, self.latent_dim)
        self.code_dropout = nn.Dropout(dropout)
        self.from_code = nn.Linear(self.latent_dim, num_layers * hidden_dim)
        decoder_in = self.latent_dim + (step_in if self.data_kind == "tokens" else 0)
        self.decoder = nn.GRU(decoder_in, hidden_dim, **rnn)
        self.head = nn.Linear(hidden_dim, step_out)

    # -- steps <-> the body's shapes ------------------------------------------------------

    def _to_steps(self, h: Tensor) -> Tensor:
        b = len(h)
        h = h.reshape(b, -1, self.steps, self.frame)  # (B, C, *S) -> (B, D, T, frame)
        return h.permute(0, 2, 1, 3).reshape(b, self.steps, -1)  # -> (B, T, D * frame)

    def _from_steps(self, y: Tensor) -> Tensor:
        b = len(y)
        y = y.reshape(b, self.steps, -1, self.frame)  # (B, T, D * frame) -> (B, T, D, frame)
        return y.permute(0, 2, 1, 3).reshape(b, *self.body_out_shape)  # -> (B, *shape)

    def _initial_state(self, code: Tensor) -> Tensor:
        h0 = torch.tanh(self.from_code(code))  # (B, layers * H)
        return h0.view(len(code), self.num_layers, self.hidden_dim).transpose(0, 1).contiguous()

    # -- the variant ------------------------------------------------------------------------

    @override
    def encode(self, h: Tensor, lengths: Tensor | None = None) -> Tensor:
        """The code of ``h``; with ``lengths``, the encoder stops at each item's end."""
        steps = self._to_steps(h)  # (B, T, D)
        if lengths is not None:
            steps = pack_padded_sequence(
                steps, lengths.cpu(), batch_first=True, enforce_sorted=False
            )
        _, last = self.encoder(steps)  # (layers * directions, B, H)
        directions = 2 if self.encoder.bidirectional else 1
        top = last[-directions:].transpose(0, 1).reshape(len(h), -1)  # (B, directions * H)
        return self.code_dropout(self.to_code(top))

    @override
    def decode(self, code: Tensor) -> Tensor:
        """Logits ``(B, *body_out_shape)``; for tokens by greedy decoding from the code."""
        if self.data_kind != "tokens":
            inputs = code.unsqueeze(1).expand(-1, self.steps, -1)  # (B, T, latent)
            outputs, _ = self.decoder(inputs, self._initial_state(code))
            return self._from_steps(self.head(outputs))
        state = self._initial_state(code)
        token = torch.full((len(code), 1), BOS_ID, dtype=torch.long, device=code.device)
        logits = []
        for _ in range(self.steps):
            step = torch.cat([self.embedding(token), code.unsqueeze(1)], dim=2)  # (B, 1, E+Z)
            output, state = self.decoder(step, state)
            logits.append(self.head(output))  # (B, 1, V)
            token = logits[-1].argmax(dim=2)
        return torch.cat(logits, dim=1).transpose(1, 2)  # (B, L, V) -> (B, V, L)

    def teacher_forced(self, code: Tensor, target: Tensor) -> Tensor:
        """Logits ``(B, V, L)`` when the decoder reads ``<bos>`` and ``target[:, :-1]``."""
        previous = torch.cat([torch.full_like(target[:, :1], BOS_ID), target[:, :-1]], dim=1)
        if self.training and self.word_dropout > 0:
            dropped = torch.rand(previous.shape, device=previous.device) < self.word_dropout
            dropped &= (previous != PAD_ID) & (previous != BOS_ID)
            previous = previous.masked_fill(dropped, UNK_ID)
        codes = code.unsqueeze(1).expand(-1, target.shape[1], -1)  # (B, L, latent)
        inputs = torch.cat([self.embedding(previous), codes], dim=2)  # (B, L, E + latent)
        outputs, _ = self.decoder(inputs, self._initial_state(code))
        return self.head(outputs).transpose(1, 2)  # (B, L, V) -> (B, V, L)

    @override
    def forward(self, x: Tensor) -> AutoencoderOutput:
        if self.data_kind != "tokens":
            return super().forward(x)
        h = self.embed(self.corrupt(x) if self.training else x)
        code, terms = self.bottleneck(self.encode(h, _token_lengths(x)))
        logits = self.teacher_forced(code, x)
        return AutoencoderOutput(logits, code, terms, to_data=self.output_activation)

    @override
    def codes(self, x: Tensor) -> Tensor:
        if self.data_kind != "tokens":
            return super().codes(x)
        return self.bottleneck(self.encode(self.embed(x), _token_lengths(x)))[0]

    @override
    def greedy_reconstruction(self, out: AutoencoderOutput) -> Tensor:
        if self.data_kind != "tokens":
            return out.recon
        return self.decode(out.code).argmax(dim=1)


def _token_lengths(x: Tensor) -> Tensor:
    """Tokens before the padding in each row of ``x`` ``(B, L)``, at least one."""
    return (x != PAD_ID).sum(dim=1).clamp_min(1)
