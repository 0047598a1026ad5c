"""The architecture axis: what differs between an MLP and a convolutional autoencoder.

Each strategy object answers the estimator's questions in one place: how to build the encoder
and decoder, the default code size and loss, the cap on automatic batch sizes, the automatic
learning rate, rows per prediction batch and whether bfloat16 autocast is on by default.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..modules import build_mlp
from ..modules.networks import build_conv, default_channels
from .device import native_bf16

# Rows per forward pass at prediction time for MLPs; large batches are fast and memory is small
# for tables (``iterator_valid__batch_size`` overrides it).
PREDICT_BATCH_SIZE = 8192
# Values per prediction batch for convolutional models (their activations are much larger
# than the input, so batches are sized by the input's values rather than its rows).
_CONV_PREDICT_VALUES = 2**20


def _int_list(hidden_layer_sizes) -> list[int]:
    if isinstance(hidden_layer_sizes, numbers.Integral):
        return [int(hidden_layer_sizes)]
    return [int(h) for h in hidden_layer_sizes]


class MLPArchitecture:
    """Fully connected encoder and mirrored decoder, for tables and flat windows."""

    needs_layout = False
    max_auto_batch = 1024

    def default_n_components(self, n_features: int) -> int:
        return 2  # a code to plot

    def default_loss(self, lo: float, hi: float) -> str:
        return "mse"

    def auto_lr(self, batch_size: int) -> float:
        """0.03 at batches of 1,024 rows, scaled by the square root of the batch size."""
        return 0.03 * math.sqrt(batch_size / 1024)

    def predict_rows(self, n_features: int) -> int:
        return PREDICT_BATCH_SIZE

    def mixed_precision_by_default(self, device_kind: str) -> bool:
        return False  # small MLP products gain nothing from bfloat16

    def hidden_sizes(self, hidden_layer_sizes, n_features: int, n_components: int) -> list[int]:
        """Encoder widths (the decoder mirrors them).

        Default: two layers, the first ``8 * n_features`` rounded to a power of two in [64, 256],
        the second half of it, never narrower than twice the code.
        """
        if hidden_layer_sizes is None:
            first = int(np.clip(2 ** round(math.log2(8 * n_features)), 64, 256))
            return [max(first, 2 * n_components), max(first // 2, 2 * n_components)]
        return _int_list(hidden_layer_sizes)

    def build(self, hidden_layer_sizes, n_features, n_components, n_code_out, activation, shape):
        """The ``(encoder, decoder)`` pair of this architecture.

        ``(batch, d) -> (batch, n_code_out)`` and ``(batch, k) -> (batch, d)``.
        """
        hidden = self.hidden_sizes(hidden_layer_sizes, n_features, n_components)
        encoder = build_mlp([n_features, *hidden, n_code_out], activation)
        decoder = build_mlp([n_components, *hidden[::-1], n_features], activation)
        return encoder, decoder


class ConvArchitecture(MLPArchitecture):
    """Strided convolutions (2-D for images, 1-D for windows) and a transposed-conv decoder."""

    needs_layout = True
    # Convolutional models learn better from more, smaller steps: at most 64 rows
    # (MNIST denoising: +0.3 dB over batches of 128 for the same epochs).
    max_auto_batch = 64

    def default_n_components(self, n_features: int) -> int:
        """Default code size: ``4 * sqrt(n_features)`` as a power of two in [8, 128].

        Four times the square root of the number of values rounded to a power of two in [8, 128]
        (128 for 28 x 28 images, 32 for 8 x 8 ones or windows of 64).
        """
        return int(np.clip(2 ** round(math.log2(4 * math.sqrt(n_features))), 8, 128))

    def default_loss(self, lo: float, hi: float) -> str:
        # Images in [0, 1] get a sigmoid output and cross-entropy; everything else MSE.
        return "bce" if lo >= 0 and hi <= 1 else "mse"

    def auto_lr(self, batch_size: int) -> float:
        return 0.003  # batches of 32 to 64 rows

    def predict_rows(self, n_features: int) -> int:
        rows = _CONV_PREDICT_VALUES // max(n_features, 1)
        return int(np.clip(rows, 64, PREDICT_BATCH_SIZE))

    def mixed_precision_by_default(self, device_kind: str) -> bool:
        return native_bf16(device_kind)

    def channels(self, hidden_layer_sizes, spatial) -> list[int]:
        """Channels of the strided stages: ``hidden_layer_sizes``, or the default of ``spatial``."""
        if hidden_layer_sizes is None:
            return default_channels(tuple(spatial))
        return _int_list(hidden_layer_sizes)

    def build(self, hidden_layer_sizes, n_features, n_components, n_code_out, activation, shape):
        shape = tuple(shape)
        channels = self.channels(hidden_layer_sizes, shape[1:])
        return build_conv(shape, n_code_out, n_components, channels, activation)


ARCHITECTURES = {"mlp": MLPArchitecture(), "conv": ConvArchitecture()}


def get_architecture(name) -> MLPArchitecture:
    """The strategy of ``architecture=name`` (the MLP for a not-yet-validated value)."""
    if isinstance(name, str) and name in ARCHITECTURES:
        return ARCHITECTURES[name]
    return ARCHITECTURES["mlp"]
