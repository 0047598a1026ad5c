"""Encoder/decoder architectures.

An architecture is a pair of modules: an encoder mapping ``(batch, n_features)`` to
``(batch, n_code)`` and a decoder mapping ``(batch, n_components)`` back to
``(batch, n_features)``. :class:`Autoencoder` and :class:`VariationalAutoencoder` only
combine such a pair: the MLP (:func:`build_mlp`) and the convolutional pair
(:func:`build_conv`, 1-D for series windows and 2-D for images) both take and return flat
``(batch, n_features)`` tensors, so losses, corruptions and penalties never see the layout.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .latent import DiagonalGaussian

ACTIVATIONS = {
    "relu": nn.ReLU,
    "silu": nn.SiLU,
    # tanh approximation: the same curve within 1e-3 and several times cheaper on CPU
    "gelu": lambda: nn.GELU(approximate="tanh"),
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}


def build_mlp(sizes: list[int], activation: str = "silu") -> nn.Sequential:
    """A stack of ``Linear`` layers with ``activation`` between them (none after the last).

    ``sizes = [in, h1, ..., out]``; the last layer is linear so that the caller decides the
    output's meaning (a code, a mean, logits).
    """
    act = ACTIVATIONS[activation]
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def conv_stages(spatial: tuple[int, ...], max_stages: int = 4, min_side: int = 5) -> int:
    """Number of stride-2 stages: halve while the smallest side stays >= ``min_side``.

    28 x 28 -> 14 -> 7: two stages; 32 x 32 -> 8: two; a window of 64 -> 8: three.
    """
    n, side = 0, min(spatial)
    while n < max_stages and math.ceil(side / 2) >= min_side:
        side = math.ceil(side / 2)
        n += 1
    return n


def default_channels(spatial: tuple[int, ...]) -> list[int]:
    """Channels of the strided stages: 32, doubling per stage, at most 128.

    At least one stage, so very small inputs still get a convolution.
    """
    return [min(32 * 2**i, 128) for i in range(max(conv_stages(spatial), 1))]


class _View(nn.Module):
    def __init__(self, *shape: int):
        super().__init__()
        self.shape = shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], *self.shape)
        if x.dim() == 4:  # images: channels-last kernels are faster on CPU and GPU
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


class _Crop(nn.Module):
    """Crop the trailing spatial dims to ``size`` (transposed convolutions may overshoot)."""

    def __init__(self, *size: int):
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(self.size) == 1:
            return x[..., : self.size[0]]
        return x[..., : self.size[0], : self.size[1]]


def build_conv(
    image_shape: tuple[int, ...],
    n_code_out: int,
    n_components: int,
    channels: list[int],
    activation: str = "gelu",
    convs_per_stage: int = 2,
    batch_norm: bool = True,
) -> tuple[nn.Sequential, nn.Sequential]:
    """A strided-convolution encoder and its mirrored transposed-convolution decoder.

    ``image_shape`` is ``(C, L)`` (1-D: series windows) or ``(C, H, W)`` (2-D: images). Each
    encoder stage is a 3 x 3 (or 3) convolution with stride 2 (halving the size) followed by
    ``convs_per_stage - 1`` stride-1 convolutions at the new size, each with ``activation``;
    a linear layer maps the last feature map to ``n_code_out`` code values. The decoder maps
    ``n_components`` values back through the mirror image (stride-1 convolutions, then a
    stride-2 transposed convolution per stage) and ends with a linear (activation free)
    transposed convolution to ``C`` channels. Both ends are flat: ``(batch, C * prod(spatial))``.
    The stride-1 convolutions widen what each feature sees at little cost (they run at the
    reduced sizes). ``batch_norm``: batch normalisation after every convolution but the last
    (running statistics in prediction, so a row's output never depends on its batch). On
    MNIST denoising at sigma 0.5 each of the two is worth a few tenths of a dB.
    """
    c_in, *spatial = (int(s) for s in image_shape)
    if len(spatial) not in (1, 2):
        raise ValueError(f"image_shape must be (C, L) or (C, H, W), got {tuple(image_shape)}")
    conv = nn.Conv1d if len(spatial) == 1 else nn.Conv2d
    deconv = nn.ConvTranspose1d if len(spatial) == 1 else nn.ConvTranspose2d
    norm = nn.BatchNorm1d if len(spatial) == 1 else nn.BatchNorm2d
    act = ACTIVATIONS[activation]

    def block(layer: nn.Module) -> list[nn.Module]:
        return [layer, norm(layer.out_channels), act()] if batch_norm else [layer, act()]

    sizes = [tuple(spatial)]
    for _ in channels:
        sizes.append(tuple((s + 1) // 2 for s in sizes[-1]))  # stride 2, kernel 3, padding 1
    flat = channels[-1] * math.prod(sizes[-1])

    enc: list[nn.Module] = [_View(c_in, *spatial)]
    prev = c_in
    for ch in channels:
        enc += block(conv(prev, ch, 3, stride=2, padding=1))
        for _ in range(convs_per_stage - 1):
            enc += block(conv(ch, ch, 3, padding=1))
        prev = ch
    enc += [nn.Flatten(), nn.Linear(flat, n_code_out)]

    dec: list[nn.Module] = [nn.Linear(n_components, flat), act(), _View(prev, *sizes[-1])]
    outs = [*channels[-2::-1], c_in]
    for i, ch in enumerate(outs):
        target, current = sizes[-2 - i], sizes[-1 - i]
        # (in - 1) * 2 - 2 + 3 + output_padding = target
        pad = tuple(t - (2 * c - 1) for t, c in zip(target, current))
        for _ in range(convs_per_stage - 1):
            dec += block(conv(prev, prev, 3, padding=1))
        up = deconv(prev, ch, 3, stride=2, padding=1, output_padding=pad)
        dec += block(up) if i < len(outs) - 1 else [up]
        prev = ch
    dec += [_Crop(*spatial), nn.Flatten()]
    encoder, decoder = nn.Sequential(*enc), nn.Sequential(*dec)
    if len(spatial) == 2:
        encoder.to(memory_format=torch.channels_last)
        decoder.to(memory_format=torch.channels_last)
    return encoder, decoder


class Autoencoder(nn.Module):
    """Deterministic autoencoder: ``x -> code -> reconstruction``.

    Parameters
    ----------
    encoder, decoder : nn.Module
        ``encoder: (batch, d) -> (batch, k)``, ``decoder: (batch, k) -> (batch, d)``. The
        decoder returns raw outputs (identity for numeric columns, logits for binary and
        categorical ones); see :func:`~sk_autoencoder.modules.output_activation`.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code of a batch: (batch, d) -> (batch, k)."""
        return self.encoder(x)  # (batch, k)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """Raw decoder output of codes: (batch, k) -> (batch, d)."""
        return self.decoder(code)  # (batch, d), raw

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw reconstruction and code of a batch."""
        code = self.encode(x)
        return self.decode(code), code


class VariationalAutoencoder(nn.Module):
    """Gaussian-code autoencoder (Kingma & Welling, 2014).

    With a learned per-feature observation scale so that the likelihood of numeric columns is a real
    density.

    The encoder maps ``(batch, d) -> (batch, 2k)``: the posterior mean and log-variance.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, n_features: int):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        # log sigma^2 of p(x | z) for each numeric feature, learned like PCA's noise variance.
        self.log_var_x = nn.Parameter(torch.zeros(n_features))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and log-variance of a batch, the log-variance clamped to [-12, 8]."""
        mu, log_var = self.encoder(x).chunk(2, dim=-1)  # (batch, k) each
        return mu, log_var.clamp(-12.0, 8.0)

    def posterior(self, x: torch.Tensor) -> DiagonalGaussian:
        """``q(z | x)`` of a batch."""
        return DiagonalGaussian(*self.encode(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Raw decoder output of codes ``z``."""
        return self.decoder(z)

    def observation_log_var(self) -> torch.Tensor:
        """Per-feature observation log-variance, bounded below by ``log(1e-4)``."""
        # Bounded below so the likelihood cannot diverge on a constant column.
        return self.log_var_x.clamp(min=math.log(1e-4))

    def forward(self, x: torch.Tensor, sample: bool = True):
        """Raw reconstruction, posterior mean and log-variance (a drawn code if ``sample``)."""
        q = self.posterior(x)
        z = q.sample() if sample else q.mode()
        return self.decode(z), q.mean, q.log_var
