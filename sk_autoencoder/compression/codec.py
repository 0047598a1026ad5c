"""``ImageCodec``: a learned image codec that writes real bytes, as a scikit-learn transformer."""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .._core.base import BaseAutoencoder
from .._core.params import Rule, positive_real
from .._core.rules import AUTOENCODER_RULES
from ..modules.compression import CompressionAutoencoder, padded_size
from ..modules.networks import build_conv, default_channels
from .bitstream import (
    BitstreamError,
    EntropyTables,
    check,
    header,
    read_header,
    verify,
)
from .state import CodecStateMixin
from .tables import probability_tables

# Parameters of the base autoencoder that a codec fixes (class attributes, not parameters).
_FIXED = {
    "architecture": "conv",
    "loss": "mse",
    "sparsity": None,
    "sparsity_weight": 1e-3,
    "sparsity_target": 0.05,
    "contractive_weight": 0.0,
    "noise": None,
    "noise_level": 0.1,
}
_RULES = (
    *(r for r in AUTOENCODER_RULES if not (isinstance(r, tuple) and r.name in _FIXED)),
    Rule("lmbda", positive_real, "a positive float (the weight of distortion against rate)"),
)
_PIXEL_MAX = {"uint8": 255.0, "uint16": 65535.0}
# Distortion is measured on the 8-bit scale, as in the compression literature (lmbda values
# are then comparable with theirs): lmbda * 255**2 * MSE of pixels in [0, 1].
_SCALE = 255.0**2
_DENSITY_LR = 10.0


def _pixel_type(X) -> str:
    dtype = getattr(X, "dtype", None)
    if dtype is None:
        dtype = np.asarray(X).dtype
    name = np.dtype(dtype).name
    if name in ("uint8", "uint16", "float64"):
        return name
    if name == "bool":
        return "float32"  # 0 / 1
    if np.dtype(dtype).kind in "iub":
        raise ValueError(
            f"ImageCodec: integer pixels of dtype {name} are ambiguous; pass uint8 (0-255), "
            "uint16 (0-65535) or floats scaled to [0, 1]."
        )
    return "float32"


class ImageCodec(CodecStateMixin, BaseAutoencoder):
    """Learned lossy image compression with real bitstreams.

    A convolutional autoencoder (the encoder and decoder of
    ``AutoencoderTransformer(architecture="conv")``) whose code is rounded to integers and
    modelled by a learned factorized density, one per code dimension; training minimises
    ``rate + lmbda * 255**2 * MSE`` (bits per pixel plus weighted squared error on pixels in
    [0, 1]), with additive uniform noise as the differentiable stand-in for rounding in the
    rate and straight-through rounding for the decoder (Balle et al., "End-to-end optimized
    image compression", 2017). :meth:`compress` range-codes each image's integer code with
    the density's tables (the ``constriction`` package) into one self-contained byte string;
    :meth:`decompress` turns byte strings back into images.

    Parameters
    ----------
    lmbda : float, default=0.01
        The rate-distortion trade-off: larger = better quality, more bytes.
    n_components : int or "auto", default="auto"
        Size of the (integer) code. ``"auto"``: as for the conv autoencoder, four times the
        square root of the number of values as a power of two in [8, 128] (128 for 28 x 28
        images). Dimensions the rate term finds useless cost almost nothing.
    image_shape : tuple or None, default=None
        ``(C, H, W)``; or ``None`` to take it from shaped X ``(n, H, W)``, ``(n, C, H, W)`` or
        ``(n, H, W, C)``. Sides that are not multiples of the network's stride are padded (by
        repeating edge pixels) and cropped back.
    hidden_layer_sizes, activation
        As for :class:`~sk_autoencoder.AutoencoderTransformer` with ``architecture="conv"``.
    early_stopping, validation_fraction, n_iter_no_change, tol, max_epochs, lr, lr_schedule, \
batch_size, optimizer, train_split, callbacks, warm_start, verbose, device, mixed_precision, \
random_state
        skorch's training parameters, as for :class:`~sk_autoencoder.AutoencoderTransformer`
        (``max_epochs="auto"``: 20 epochs for 60,000 images in batches of 64; the monitored
        loss is the rate-distortion loss).

    Pixels: uint8 images are scaled by 1/255, uint16 by 1/65535; float images must lie in
    [0, 1]. :meth:`inverse_transform` and :meth:`decompress` give uint8 / uint16 pixels when
    the images were (the blob records the type), floats otherwise.

    Attributes
    ----------
    module_ : CompressionAutoencoder
    entropy_tables_ : EntropyTables
        The discrete model of the code shared by encoder and decoder (saved with the model).
    n_components_, image_shape_, history_, batch_size_, max_epochs_, lr_, n_features_in_
        As for :class:`~sk_autoencoder.AutoencoderTransformer`.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_autoencoder import ImageCodec
    >>> rng = np.random.default_rng(0)
    >>> X = (rng.random((64, 8, 8)) * 255).astype(np.uint8)
    >>> codec = ImageCodec(lmbda=0.01, max_epochs=2, random_state=0).fit(X)
    >>> blobs = codec.compress(X[:3])
    >>> type(blobs[0]).__name__, codec.decompress(blobs).dtype
    ('bytes', dtype('uint8'))
    """

    def __init__(
        self,
        lmbda=0.01,
        n_components="auto",
        *,
        image_shape=None,
        hidden_layer_sizes=None,
        activation="gelu",
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        max_epochs="auto",
        lr="auto",
        lr_schedule="onecycle",
        batch_size="auto",
        optimizer=torch.optim.Adam,
        train_split="auto",
        callbacks=None,
        warm_start=False,
        verbose=0,
        device="auto",
        mixed_precision="auto",
        random_state=None,
        **kwargs,
    ):
        super().__init__(
            n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            image_shape=image_shape,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            max_epochs=max_epochs,
            lr=lr,
            lr_schedule=lr_schedule,
            batch_size=batch_size,
            optimizer=optimizer,
            train_split=train_split,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            mixed_precision=mixed_precision,
            random_state=random_state,
            **kwargs,
        )
        for name in _FIXED:
            vars(self).pop(name, None)
        self.lmbda = lmbda

    # The base's parameters that a codec fixes (see ``_FIXED``), read by its machinery.
    architecture = "conv"
    loss = "mse"
    sparsity = None
    sparsity_weight = 1e-3
    sparsity_target = 0.05
    contractive_weight = 0.0
    noise = None
    noise_level = 0.1
    _param_rules = _RULES
    _pixel_type_fit = "float32"
    entropy_tables_ = None
    _fingerprint = b""

    # ------------------------------------------------------------------ model and loss
    def _network_shapes(self):
        c, h, w = self.image_shape_
        if self.hidden_layer_sizes is None:
            channels = default_channels((h, w))
        elif isinstance(self.hidden_layer_sizes, numbers.Integral):
            channels = [int(self.hidden_layer_sizes)]
        else:
            channels = [int(v) for v in self.hidden_layer_sizes]
        stride = 2 ** len(channels)
        return channels, (c, padded_size(h, stride), padded_size(w, stride))

    def _build_module(self) -> torch.nn.Module:
        channels, padded = self._network_shapes()
        k = self.n_components_
        encoder, decoder = build_conv(padded, k, k, channels, self.activation)
        return CompressionAutoencoder(encoder, decoder, k, self.image_shape_, padded)

    def initialize_optimizer(self, triggered_directly=None):
        """The base's optimizer, with the density's parameters in a group of their own."""
        # The density's few parameters get a learning rate ten times the networks': at the
        # networks' rate it lags behind the code for thousands of steps (on small data the
        # rate then hardly depends on lmbda).
        super().initialize_optimizer(triggered_directly)
        density = list(self.module_.density.parameters())
        ids = {id(p) for p in density}
        group = self.optimizer_.param_groups[0]
        if len(self.optimizer_.param_groups) > 1 or not ids <= {id(p) for p in group["params"]}:
            return self  # the caller chose the parameter groups (optimizer__param_groups)
        group["params"] = [p for p in group["params"] if id(p) not in ids]
        self.optimizer_.add_param_group({"params": density, "lr": _DENSITY_LR * group["lr"]})
        return self

    def _loss_term_names(self) -> list[str]:
        return ["rate", "distortion"]

    def _loss_terms(self, output, x, x_in, training) -> dict:
        logits, bits = output
        pixels = self.image_shape_[1] * self.image_shape_[2]
        mse = torch.mean((torch.sigmoid(logits) - x) ** 2)
        return {"rate": bits.mean() / pixels, "distortion": self.lmbda * _SCALE * mse}

    def _prepare_fit(self, X, feature_blocks) -> None:
        super()._prepare_fit(X, feature_blocks)
        if self.image_shape_ is None or len(self.image_shape_) != 3:
            shape = None if self.image_shape_ is None else tuple(self.image_shape_)
            raise ValueError(
                f"ImageCodec compresses images: it needs image_shape=(C, H, W) or X shaped "
                f"(n, H, W) / (n, C, H, W) / (n, H, W, C), got image_shape {shape}."
            )

    def _train(self, X, fit_params, routing, epochs=None):
        super()._train(X, fit_params, routing, epochs)
        pmf, first, length = probability_tables(self.module_.density)
        self._set_tables(pmf, first, length)
        return self

    def _set_tables(self, pmf, first, length) -> None:
        self.entropy_tables_ = EntropyTables(pmf, first, length)
        weights = {k: v.detach().cpu().numpy() for k, v in self.module_.state_dict().items()}
        self._fingerprint = self.entropy_tables_.fingerprint(weights)

    # ------------------------------------------------------------------ input
    def _validate_X(self, X, reset: bool) -> np.ndarray:
        pixel_type = _pixel_type(X)
        X = super()._validate_X(X, reset)
        if pixel_type in _PIXEL_MAX:
            X = (X / np.float32(_PIXEL_MAX[pixel_type])).astype(np.float32)
        elif X.size and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                f"ImageCodec: float pixels must lie in [0, 1], got values in "
                f"[{float(X.min()):.4g}, {float(X.max()):.4g}] (above 1 is too large, below 0 "
                "too small); scale them (X / 255, or sk_autoencoder.ImageScaler), or pass "
                "uint8 images."
            )
        if reset:
            self._pixel_type_fit = pixel_type
        return X

    def _to_pixels(self, values: np.ndarray, pixel_type: str) -> np.ndarray:
        if pixel_type in _PIXEL_MAX:
            top = _PIXEL_MAX[pixel_type]
            return np.rint(np.clip(values, 0.0, 1.0) * top).astype(pixel_type)
        return values.astype(pixel_type, copy=False)

    # ------------------------------------------------------------------ transformer API
    def _code(self, module, x: torch.Tensor) -> torch.Tensor:
        return torch.round(module.encode(x))

    def _decode_mean(self, module, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(module.decode(z))

    def _integer_codes(self, X: np.ndarray) -> np.ndarray:
        codes = self._batched(self._code, X.astype(np.float32, copy=False)).cpu().numpy()
        if not np.isfinite(codes).all():
            raise ValueError(
                "ImageCodec: the encoder gave non-finite codes for "
                f"{int((~np.isfinite(codes)).any(axis=1).sum())} images; the model is broken "
                "(refit it) - nothing was compressed."
            )
        return codes.astype(np.int64)

    def transform(self, X) -> np.ndarray:
        """The quantised (integer-valued) code of each image, shape (n_samples, n_components)."""
        X = self._check_input(X)
        return self._integer_codes(X).astype(X.dtype)

    def inverse_transform(self, X) -> np.ndarray:
        """Decode integer codes to images in the layout and pixel type ``fit`` saw."""
        return self._to_pixels(super().inverse_transform(X), self._pixel_type_fit)

    def denoise(self, X) -> np.ndarray:
        """``decompress(compress(X))`` without the bytes: X through the quantised code.

        In X's layout and pixel type.
        """
        return self._to_pixels(super().denoise(X), _pixel_type(X))

    def score_samples(self, X) -> np.ndarray:
        """Negative code length of each image in bits (higher = more compressible).

        The information content of the image's integer code under the entropy tables, which the
        range coder reaches to within a few bytes; the blob's header and check are not counted.
        """
        X = self._check_input(X)
        return -self.entropy_tables_.bits(self._integer_codes(X))

    def reconstruction_error(self, X, per_feature: bool = False) -> np.ndarray:
        """Squared error of the decoded (quantised) images, pixels on the [0, 1] scale.

        The mean per image, shape (n_samples,); with ``per_feature=True`` per value, shape
        (n_samples, n_features).
        """
        X = self._check_input(X)
        decoded = self._batched(
            lambda m, xb: self._decode_mean(m, self._code(m, xb)), X.astype(np.float32)
        )
        err = (decoded.double().cpu().numpy() - X) ** 2
        return err if per_feature else err.mean(axis=1)

    # ------------------------------------------------------------------ bytes
    def compress(self, X) -> list[bytes]:
        """One self-contained byte string per image (header, range-coded code, check).

        Parameters
        ----------
        X : array-like
            Images in any layout :meth:`fit` accepts, uint8 / uint16 or floats in [0, 1].

        Returns
        -------
        list of bytes
        """
        check_is_fitted(self)
        pixel_type = _pixel_type(X)
        X = self._check_input(X)
        _, height, width = self.image_shape_
        head = header(pixel_type, height, width)
        blobs = []
        for code in self._integer_codes(X):
            body = head + self.entropy_tables_.encode(code)
            blobs.append(body + check(self._fingerprint, body))
        return blobs

    def decompress(self, blobs) -> np.ndarray:
        """Images from byte strings of :meth:`compress`, in the layout ``fit`` saw.

        The pixel type is the one the images had when compressed (uint8 in, uint8 out).
        A damaged or truncated blob, or one made by another model, raises
        :class:`~sk_autoencoder.BitstreamError` (a ``ValueError``) naming the blob.
        """
        check_is_fitted(self)
        if isinstance(blobs, (bytes, bytearray, memoryview)):
            raise TypeError("decompress takes a list of blobs; for one blob pass [blob].")
        codes, types = [], set()
        _, height, width = self.image_shape_
        for i, blob in enumerate(blobs):
            try:
                pixel_type, h, w, start = read_header(blob)
                body = verify(self._fingerprint, bytes(blob))
                if (h, w) != (height, width):
                    raise BitstreamError(
                        f"the blob holds a {h} x {w} image but this codec decodes "
                        f"{height} x {width} images."
                    )
                codes.append(self.entropy_tables_.decode(body[start:]))
            except BitstreamError as exc:
                raise BitstreamError(f"blob {i}: {exc}") from None
            types.add(pixel_type)
        if len(types) > 1:
            raise ValueError(f"decompress: the blobs hold different pixel types {sorted(types)}.")
        pixel_type = types.pop() if types else self._pixel_type_fit
        if not codes:
            empty = np.empty((0, self.n_features_in_), dtype=np.float32)
            return self._to_layout(self._to_pixels(empty, pixel_type))
        Z = np.asarray(codes, dtype=np.float32).reshape(len(codes), self.n_components_)
        images = self._batched(self._decode_mean, Z).cpu().numpy()
        return self._to_layout(self._to_pixels(images, pixel_type))
