"""A learned factorized density for quantised codes (Balle et al., 2017 and 2018).

:class:`FactorizedDensity` models each code dimension ("channel") with its own flexible,
non-parametric cumulative distribution: a small monotone network per channel (Balle et al.,
"Variational image compression with a scale hyperprior", 2018, appendix 6.1). The probability of
an integer ``k`` is ``c(k + 1/2) - c(k - 1/2)``; in training the code gets additive uniform
noise in ``[-1/2, 1/2)`` instead of rounding, and ``likelihood`` of the noisy code is that same
difference, so ``-log2`` of it is a differentiable estimate of the bits the entropy coder will
spend ("End-to-end optimized image compression", 2017).

``sk_autoencoder.compression.tables`` turns the trained density into the discrete tables an
entropy coder reads.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

_LIKELIHOOD_FLOOR = 1e-9


class FactorizedDensity(nn.Module):
    """Per-channel learned cumulative distributions of a flat code ``(batch, channels)``.

    Parameters
    ----------
    channels : int
        Number of code dimensions, each with its own density.
    filters : tuple of int, default=(3, 3, 3)
        Widths of the hidden layers of each channel's monotone network.
    init_scale : float, default=10.0
        Initial width of the densities (in code units).
    """

    def __init__(self, channels: int, filters: tuple[int, ...] = (3, 3, 3), init_scale=10.0):
        super().__init__()
        self.channels = int(channels)
        widths = (1, *filters, 1)
        scale = init_scale ** (1 / (len(widths) - 1))
        self.matrices = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.factors = nn.ParameterList()
        for i in range(len(widths) - 1):
            init = math.log(math.expm1(1 / scale / widths[i + 1]))
            self.matrices.append(
                nn.Parameter(torch.full((channels, widths[i + 1], widths[i]), init))
            )
            self.biases.append(nn.Parameter(torch.rand(channels, widths[i + 1], 1) - 0.5))
            if i < len(widths) - 2:
                self.factors.append(nn.Parameter(torch.zeros(channels, widths[i + 1], 1)))

    def logits_cdf(self, values: torch.Tensor) -> torch.Tensor:
        """``logit(c(v))`` per channel; ``values`` is ``(channels, 1, n)``, so is the result."""
        logits = values
        last = len(self.matrices) - 1
        for i, (matrix, bias) in enumerate(zip(self.matrices, self.biases)):
            logits = torch.matmul(F.softplus(matrix), logits) + bias
            if i < last:
                logits = logits + torch.tanh(self.factors[i]) * torch.tanh(logits)
        return logits

    def likelihood(self, code: torch.Tensor) -> torch.Tensor:
        """Probability mass of the unit interval around each value of ``code`` ``(batch, C)``."""
        values = code.t().unsqueeze(1)  # (C, 1, batch)
        lower = self.logits_cdf(values - 0.5)
        upper = self.logits_cdf(values + 0.5)
        # Subtract in the tail where both sigmoids are closer to 0 (better precision).
        sign = -torch.sign(lower + upper).detach()
        mass = torch.abs(torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower))
        return mass.squeeze(1).t().clamp_min(_LIKELIHOOD_FLOOR)

    def bits(self, code: torch.Tensor) -> torch.Tensor:
        """``-log2 likelihood`` summed over channels: bits of each row ``(batch,)``."""
        return -torch.log2(self.likelihood(code)).sum(dim=1)
