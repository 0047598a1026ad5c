"""``AutoencoderTransformer``: a deterministic autoencoder as a scikit-learn transformer."""

from __future__ import annotations

import numpy as np
import torch

from ._core.base import BaseAutoencoder
from .modules import Autoencoder
from .modules.likelihood import mean_nll


class AutoencoderTransformer(BaseAutoencoder):
    """Autoencoder with the interface of :class:`sklearn.decomposition.PCA`.

    ``transform`` gives the code (embedding), ``inverse_transform`` decodes codes back to the
    input space, ``score_samples`` is the negative per-row reconstruction error (higher = more
    normal) and ``score`` its mean. It is a :class:`skorch.NeuralNet`: skorch's callbacks,
    ``history``, ``partial_fit``, ``warm_start`` and ``device`` all work.

    The classic families are parameter settings (they compose):

    ==============  ==========================================================
    undercomplete   ``n_components=k`` with ``k < n_features``
    sparse          ``sparsity="l1"`` or ``"kl"`` (``sparsity_target``), ``sparsity_weight``
    contractive     ``contractive_weight > 0`` (exact encoder Jacobian penalty)
    denoising       ``noise="gaussian" | "mask" | "swap" | "salt_pepper" | "block"``
    convolutional   ``architecture="conv"`` with ``image_shape=(C, H, W)`` or ``(C, L)``
    ==============  ==========================================================

    Parameters
    ----------
    n_components : int or "auto", default="auto"
        Size of the code. ``"auto"``: 2 for the MLP (a code to plot); for ``conv``, four
        times the square root of the number of values per sample, rounded to a power of two
        in [8, 128] (128 for 28 x 28 images). The resolved size is ``n_components_``.
    hidden_layer_sizes : tuple of int or None, default=None
        Encoder hidden widths; the decoder mirrors them. ``None``: two layers, the first
        ``8 * n_features`` rounded to a power of two in [64, 256], the second half of it.
        For ``architecture="conv"``: the channels of the stride-2 stages (``None``: 32,
        doubling per stage up to 128, halving the size while the smallest side stays >= 5;
        28 x 28 -> 14 x 14 -> 7 x 7). Each stage is a stride-2 and a stride-1 3 x 3
        convolution, each followed by batch normalisation and the activation.
    activation : str, default="gelu"
        One of ``relu, silu, gelu, tanh, elu, leaky_relu, sigmoid, identity`` (``gelu`` is
        the tanh approximation).
    loss : {"auto", "mse", "bce"}, default="auto"
        ``"mse"``: squared error with a linear output (for standardised data); ``"bce"``:
        cross-entropy with a sigmoid output (data in [0, 1]). ``"auto"``: ``"bce"`` for a
        convolutional model on data in [0, 1] (images), ``"mse"`` otherwise. Mixed tables get
        per-column losses from ``feature_blocks`` (see :func:`make_tabular_pipeline`).
    sparsity : {None, "l1", "kl"}, default=None
    sparsity_weight : float, default=1e-3
    sparsity_target : float, default=0.05
        Target mean activation (after a sigmoid) of each code unit for ``sparsity="kl"``.
    contractive_weight : float, default=0.0
        Weight of the squared Frobenius norm of the encoder's Jacobian.
    noise : {None, "gaussian", "mask", "swap", "salt_pepper", "block"}, default=None
        Corruption of the input during training only (denoising autoencoder). ``gaussian``
        adds noise (clipped to [0, 1] for images with ``loss="bce"``), ``mask`` zeroes random
        values, ``swap`` takes values from other rows (tables), ``salt_pepper`` sets values to
        the data's minimum or maximum, ``block`` zeroes one random rectangle (a segment for
        windows) per image. :meth:`denoise` then cleans new inputs.
    noise_level : float, default=0.1
        Standard deviation (gaussian) or share of values corrupted (the others; for ``block``
        the share of the image covered).
    architecture : {"mlp", "conv"}, default="mlp"
        ``"conv"``: strided convolutions (2-D for images, 1-D for windows) and a mirrored
        transposed-convolution decoder; needs the layout of a sample from ``image_shape`` or
        from shaped X.
    image_shape : tuple or None, default=None
        ``(C, H, W)`` for images, ``(C, L)`` for windows of ``C`` channels. X may then be 2-D
        ``(n, C*H*W)`` (channel-major, as ``X.reshape(n, -1)`` of ``(n, C, H, W)``) or shaped
        ``(n, H, W)`` (one channel), ``(n, C, H, W)`` or ``(n, H, W, C)``; with ``None`` the
        shape is taken from shaped X. Outputs of :meth:`inverse_transform` keep the layout of
        the data ``fit`` saw, :meth:`denoise` the layout of its input.
    early_stopping : bool, default=True
        Stop when the validation loss (training loss if there is no validation split) has not
        improved by ``tol`` (relative) for ``n_iter_no_change`` epochs, and restore the best
        weights.
    validation_fraction : float, default=0.1
        Share of rows held out for early stopping when ``train_split="auto"``; skipped when
        it would be fewer than 10 rows.
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    max_epochs : int or "auto", default="auto"
        ``"auto"``: enough epochs for about 3,000 optimizer steps (20 to 500).
    lr : float or "auto", default="auto"
        Peak learning rate. ``"auto"``: 0.03 at batches of 1,024 rows, scaled by the square
        root of the batch size; 0.003 for ``conv``.
    lr_schedule : {"onecycle", None}, default="onecycle"
        ``"onecycle"``: linear warm-up over 5% of the steps, then cosine decay to 1% of ``lr``;
        ``None``: constant ``lr``.
    batch_size : int or "auto", default="auto"
        ``"auto"``: ``n_train / 64`` rounded to a power of two in [32, 1024] ([32, 64] for
        ``conv``).
    optimizer : torch optimizer class, default=torch.optim.Adam
    train_split : "auto", None or callable, default="auto"
        skorch's ``train_split``; ``"auto"`` is the seeded hold-out described above.
    callbacks : list or None, default=None
        Extra skorch callbacks (e.g. ``skorch.callbacks.ProgressBar()``).
    warm_start : bool, default=False
    verbose : int, default=0
        1 prints skorch's per-epoch table.
    device : str, default="auto"
        Where the network trains and predicts: ``"auto"`` takes the GPU when PyTorch sees one
        (``"cuda"``), else ``"cpu"``; or any torch device string (``"cpu"``, ``"cuda:1"``).
        The parameter keeps the value given; models saved on a GPU load on a CPU-only machine.
    mixed_precision : bool or "auto", default="auto"
        ``True``: train with bfloat16 autocast (matrix products and convolutions in bfloat16,
        the loss and the weights in float32): faster on GPUs with bfloat16 (Ampere and later)
        and on CPUs with AVX512-BF16 / AMX, above all for ``conv`` (about 1.4x for 28 x 28
        images on such a CPU). ``"auto"``: on for ``architecture="conv"`` where the hardware
        computes in bfloat16 natively, off otherwise (small MLP products gain nothing).
        Prediction always runs in full precision.
    random_state : int, RandomState or None, default=None
        Seeds weights, shuffling, the split and corruption; results then repeat bit for bit on
        CPU. The global torch RNG is left untouched.

    Attributes
    ----------
    module_ : torch.nn.Module
        The fitted :class:`~sk_autoencoder.modules.Autoencoder`.
    history_ : skorch.History
        Per-epoch ``train_loss``, ``valid_loss`` and each loss term by name
        (``train_reconstruction``, ``train_sparsity``, ``train_contractive``).
    n_components_ : int
        The resolved code size.
    batch_size_ : int
        The resolved training batch size (``batch_size="auto"`` made concrete).
    max_epochs_ : int
        The resolved number of epochs (``max_epochs="auto"`` made concrete; early stopping
        may end training sooner, see ``history_``).
    lr_ : float
        The resolved peak learning rate (``lr="auto"`` made concrete).
    image_shape_ : tuple or None
        The layout of one sample, ``(C, H, W)`` or ``(C, L)``, when known.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.
    feature_blocks_ : list of (kind, start, stop)

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sk_autoencoder import AutoencoderTransformer
    >>> X = load_digits().data / 16
    >>> ae = AutoencoderTransformer(n_components=8, max_epochs=5, random_state=0).fit(X)
    >>> ae.transform(X).shape
    (1797, 8)
    """

    def _build_module(self) -> torch.nn.Module:
        return Autoencoder(*self._encoder_decoder(self.n_components_))

    def _loss_terms(self, output, x, x_in, training) -> dict:
        raw, code = output
        terms = {"reconstruction": mean_nll(raw, x, self._blocks)}
        terms.update(self._penalty_terms(code, x_in, training))
        return terms

    def _code(self, module, x: torch.Tensor) -> torch.Tensor:
        return module.encode(x)

    def transform(self, X) -> np.ndarray:
        """Encode ``X`` (n_samples, n_features) to codes (n_samples, n_components)."""
        X = self._check_input(X)
        return self._out(self._batched(self._code, X), X)

    def score_samples(self, X) -> np.ndarray:
        """Negative reconstruction error of each row (higher = more normal), shape (n_samples,)."""
        return -self.reconstruction_error(X)
