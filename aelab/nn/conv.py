"""Strided convolution stacks for 1-D signals ``(C, L)`` and 2-D images ``(C, H, W)``.

The decoder mirrors the encoder layer for layer with transposed convolutions, so a
stack whose strides divide the input size reconstructs exactly that size.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from aelab.nn import layers

CONV = {1: nn.Conv1d, 2: nn.Conv2d}
CONV_T = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d}


def _per_layer(value: int | Sequence[int], n: int, key: str) -> list[int]:
    values = [value] * n if isinstance(value, int) else list(value)
    if len(values) != n:
        raise ValueError(
            f"model.{key} has {len(values)} entries but model.channels has {n} layers; "
            f"give one {key[:-1]} per layer or a single number"
        )
    if any(v < 1 for v in values):
        raise ValueError(f"model.{key} must be positive, got {values}")
    return values


def _padding(kernel: int, stride: int) -> int:
    # Chosen so that a size divisible by the stride shrinks by exactly the stride.
    return max(kernel - stride + 1, 0) // 2


def conv_output_shape(
    in_shape: Sequence[int],
    channels: Sequence[int],
    kernels: int | Sequence[int] = 3,
    strides: int | Sequence[int] = 2,
) -> tuple[int, ...]:
    """Returns the ``(C, *signal)`` shape a :class:`ConvEncoder` makes of ``in_shape``.

    Raises:
        ValueError: when a layer's stride does not divide the size it receives, or a
            kernel cannot keep the size exact.
    """
    n = len(channels)
    kernels, strides = _per_layer(kernels, n, "kernels"), _per_layer(strides, n, "strides")
    sizes = list(in_shape[1:])
    for i, (k, s) in enumerate(zip(kernels, strides, strict=True)):
        p = _padding(k, s)
        for axis, size in enumerate(sizes):
            if size % s:
                raise ValueError(
                    f"conv layer {i + 1} has stride {s} but receives size {size} on signal axis "
                    f"{axis} (input shape {tuple(in_shape)}, strides {strides}); change "
                    f"model.strides so that their product divides every input size, or change "
                    f"the input size"
                )
            if (size + 2 * p - k) // s + 1 != size // s:
                raise ValueError(
                    f"conv layer {i + 1}: kernel {k} with stride {s} cannot keep size {size} "
                    f"exact; use a kernel of at least the stride and of parity opposite to "
                    f"(stride - 1), e.g. model.kernels={s + 1 if s % 2 == 0 else s + 2}"
                )
        sizes = [size // s for size in sizes]
    return (channels[-1], *sizes)


class ConvEncoder(nn.Sequential):
    """Strided convolutions, each followed by norm and activation.

    Args:
        in_shape: ``(C, L)`` or ``(C, H, W)``.
        channels: output channels of each layer.
        kernels: kernel size per layer, or one for all.
        strides: stride per layer, or one for all.
        activation: activation name.
        norm: ``"none"``, ``"batch"`` or ``"layer"``.
    """

    def __init__(
        self,
        in_shape: Sequence[int],
        channels: Sequence[int],
        kernels: int | Sequence[int] = 3,
        strides: int | Sequence[int] = 2,
        activation: str = "relu",
        norm: str = "none",
    ) -> None:
        dims = len(in_shape) - 1
        if dims not in CONV:
            raise ValueError(
                f"convolutions need data of shape (C, L) or (C, H, W), got {tuple(in_shape)}"
            )
        self.out_shape = conv_output_shape(in_shape, channels, kernels, strides)
        n = len(channels)
        kernels, strides = _per_layer(kernels, n, "kernels"), _per_layer(strides, n, "strides")
        modules: list[nn.Module] = []
        for c_in, c_out, k, s in zip(
            [in_shape[0], *channels[:-1]], channels, kernels, strides, strict=True
        ):
            modules += [
                CONV[dims](c_in, c_out, k, stride=s, padding=_padding(k, s)),
                layers.normalization(norm, c_out, dims),
                layers.activation(activation),
            ]
        super().__init__(*modules)


class ConvDecoder(nn.Sequential):
    """The mirror of :class:`ConvEncoder`: transposed convolutions back to ``out_shape``.

    The last layer has neither norm nor activation: it returns raw values (logits).

    Args:
        out_shape: the shape to produce, ``(C, L)`` or ``(C, H, W)``.
        channels: the encoder's channels, in encoder order.
        kernels: the encoder's kernels.
        strides: the encoder's strides.
        activation: activation name.
        norm: ``"none"``, ``"batch"`` or ``"layer"``.
    """

    def __init__(
        self,
        out_shape: Sequence[int],
        channels: Sequence[int],
        kernels: int | Sequence[int] = 3,
        strides: int | Sequence[int] = 2,
        activation: str = "relu",
        norm: str = "none",
    ) -> None:
        dims = len(out_shape) - 1
        self.in_shape = conv_output_shape(out_shape, channels, kernels, strides)
        n = len(channels)
        kernels, strides = _per_layer(kernels, n, "kernels"), _per_layer(strides, n, "strides")
        ins = list(reversed(channels))
        outs = [*reversed(channels[:-1]), out_shape[0]]
        modules: list[nn.Module] = []
        for i, (c_in, c_out, k, s) in enumerate(
            zip(ins, outs, kernels[::-1], strides[::-1], strict=True)
        ):
            p = _padding(k, s)
            modules.append(
                CONV_T[dims](c_in, c_out, k, stride=s, padding=p, output_padding=s + 2 * p - k)
            )
            if i < n - 1:
                modules += [layers.normalization(norm, c_out, dims), layers.activation(activation)]
        super().__init__(*modules)
