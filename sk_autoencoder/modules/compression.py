"""The network of :class:`~sk_autoencoder.ImageCodec`: a conv autoencoder with a quantised code.

``encode`` maps images (flat rows, channel-major) to a continuous code; the code is rounded to
integers for storage; ``decode`` maps (integer) codes back to output logits. Images whose sides
are not multiples of the network's stride are padded by repeating their edge pixels before the
encoder and cropped back after the decoder. In training, :meth:`forward` rounds the code for the
decoder with a straight-through gradient and measures the rate of the code with additive
uniform noise (the differentiable proxy of rounding, Balle et al. 2017); in evaluation both see
the rounded code, so the rate is the model's exact code length.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .entropy import FactorizedDensity


def padded_size(side: int, stride: int) -> int:
    """``side`` rounded up to a multiple of ``stride``."""
    return int(math.ceil(side / stride) * stride)


class CompressionAutoencoder(nn.Module):
    """Encoder, decoder and the learned density of the code.

    Parameters
    ----------
    encoder, decoder : nn.Module
        From :func:`~sk_autoencoder.modules.build_conv` for the padded image shape: flat rows
        ``(batch, C * H' * W') -> (batch, k)`` and back.
    n_components : int
        Code size ``k``.
    image_shape : tuple of int
        ``(C, H, W)`` of the images (before padding).
    padded_shape : tuple of int
        ``(C, H', W')`` the networks were built for (``H' >= H``, ``W' >= W``).
    """

    def __init__(self, encoder, decoder, n_components, image_shape, padded_shape):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.density = FactorizedDensity(n_components)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.padded_shape = tuple(int(s) for s in padded_shape)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        if self.padded_shape == self.image_shape:
            return x
        c, h, w = self.image_shape
        _, hp, wp = self.padded_shape
        img = x.reshape(len(x), c, h, w)
        img = F.pad(img, (0, wp - w, 0, hp - h), mode="replicate")
        return img.reshape(len(x), -1)

    def _crop(self, x: torch.Tensor) -> torch.Tensor:
        if self.padded_shape == self.image_shape:
            return x
        c, h, w = self.image_shape
        img = x.reshape(len(x), *self.padded_shape)[:, :, :h, :w]
        return img.reshape(len(x), -1)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The continuous code of images ``(batch, C * H * W)``."""
        return self.encoder(self._pad(x))

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """Output logits ``(batch, C * H * W)`` (a sigmoid gives pixels in [0, 1])."""
        return self._crop(self.decoder(code))

    def bits(self, code: torch.Tensor) -> torch.Tensor:
        """Bits of each row of ``code`` under the learned density, in float32, ``(batch,)``."""
        with torch.autocast(device_type=code.device.type, enabled=False):
            return self.density.bits(code.float())

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(logits, bits per image)``: the decoded rounded code and the rate of the code."""
        # Rounding and noise in float32 (under bfloat16 autocast the code comes out in
        # bfloat16, whose steps would coarsen the noise and move the rounding).
        code = self.encode(x).float()
        rounded = code + (torch.round(code) - code).detach()
        if self.training:
            with torch.autocast(device_type=code.device.type, enabled=False):
                noisy = code + torch.rand_like(code) - 0.5
            return self.decode(rounded), self.bits(noisy)
        return self.decode(rounded), self.bits(rounded)
