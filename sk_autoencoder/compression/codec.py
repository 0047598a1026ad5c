"""``ImageCodec``: a learned image codec that writes real bytes, as a scikit-learn transformer."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from .._core.base import BaseAutoencoder
from .._core.params import Rule, positive_real
from .._core.rules import AUTOENCODER_RULES
from ..modules.compression import CompressionAutoencoder, padded_size
from ..modules.networks import build_conv
from .bitstream import (
    BitstreamError,
    EntropyTables,
    check,
    header,
    read_header,
    verify,
)
from .pixels import pixel_type, to_pixels, to_unit_range
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
# Distortion is measured on the 8-bit scale, as in the compression literature (lmbda values
# are then comparable with theirs): lmbda * 255**2 * MSE of pixels in [0, 1].
_SCALE = 255.0**2
_DENSITY_LR = 10.0
_MAX_CODE = 32767  # the escape code's range (bitstream)


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
    lmbda : float, default=0.003
        The rate-distortion trade-off: larger = better quality, more bytes. On Fashion-MNIST
        (28 x 28, defaults otherwise) 0.003 gives 0.46 bits per pixel at 26.0 dB, 0.01 gives
        0.65 bpp at 27.1 dB, 0.03 gives 0.80 bpp at 27.5 dB (docs/benchmarks.md).
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
        lmbda=0.003,
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
        fixed = sorted(set(_FIXED) & set(kwargs))
        if fixed:
            raise TypeError(
                f"ImageCodec fixes {fixed} (a conv autoencoder trained on rate and distortion); "
                "leave them out, or use AutoencoderTransformer for other settings."
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

    def _network_shapes(self):
        c, h, w = self.image_shape_
        channels = self._architecture.channels(self.hidden_layer_sizes, (h, w))
        stride = 2 ** len(channels)
        return channels, (c, padded_size(h, stride), padded_size(w, stride))

    def initialize_module(self):
        """A new network; the tables of an earlier fit are dropped with the old one."""
        vars(self).pop("entropy_tables_", None)
        return super().initialize_module()

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

    def _fingerprint(self) -> bytes:
        """Digest of the tables and the current weights (a few ms).

        Every blob's check covers it: blobs of another model, or of weights changed since, are
        refused.
        """
        if self.entropy_tables_ is None:
            raise NotFittedError(
                "This ImageCodec has no entropy tables (its last fit did not finish): fit it "
                "again, or load a saved codec."
            )
        weights = {k: v.detach().cpu().numpy() for k, v in self.module_.state_dict().items()}
        return self.entropy_tables_.fingerprint(weights)

    def _validate_X(self, X, reset: bool) -> np.ndarray:
        kind = pixel_type(X)
        X = to_unit_range(super()._validate_X(X, reset), kind)
        if reset:
            self._pixel_type_fit = kind
        return X

    def _code(self, module, x: torch.Tensor) -> torch.Tensor:
        return torch.round(module.encode(x))

    def _decode_mean(self, module, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(module.decode(z))

    def _integer_codes(self, X: np.ndarray) -> np.ndarray:
        codes = self._batched(self._code, X.astype(np.float32, copy=False)).cpu().numpy()
        bad = ~(np.isfinite(codes) & (np.abs(codes) <= _MAX_CODE)).all(axis=1)
        if bad.any():
            raise ValueError(
                f"ImageCodec: the encoder gave non-finite or huge codes (beyond +-{_MAX_CODE}) "
                f"for {int(bad.sum())} images; the model is broken (refit it) - nothing was "
                "compressed."
            )
        return codes.astype(np.int64)

    def transform(self, X) -> np.ndarray:
        """The quantised (integer-valued) code of each image, shape (n_samples, n_components)."""
        X = self._check_input(X)
        return self._integer_codes(X).astype(X.dtype)

    def inverse_transform(self, X) -> np.ndarray:
        """Decode codes (rounded to integers first) to images.

        In the layout and pixel type ``fit`` saw.
        """
        Z = np.rint(self._check_codes(X)).astype(np.float32)
        images = self._batched(self._decode_mean, Z).cpu().numpy()
        return self._to_layout(to_pixels(images, self._pixel_type_fit))

    def denoise(self, X) -> np.ndarray:
        """``decompress(compress(X))`` without the bytes, in X's layout and pixel type."""
        check_is_fitted(self)
        kind = pixel_type(X)
        _, layout = self._image_layout(X)
        codes = self._integer_codes(self._check_input(X)).astype(np.float32)
        images = self._batched(self._decode_mean, codes).cpu().numpy()
        return self._to_layout(to_pixels(images, kind), layout)

    def score(self, X, y=None) -> float:
        """Minus the rate-distortion loss on X: ``-(bpp + lmbda * 255**2 * MSE)``.

        The objective the codec was trained for, with the exact code lengths of the tables (no
        header) and the decoded pixels. Codecs of different ``lmbda`` weigh distortion
        differently, so compare those with a ``scoring`` of your own (e.g. bits at a PSNR).
        """
        X = self._check_input(X)
        codes = self._integer_codes(X)
        bpp = self.entropy_tables_.bits(codes) / (self.image_shape_[1] * self.image_shape_[2])
        decoded = self._batched(self._decode_mean, codes.astype(np.float32)).double().cpu()
        mse = ((decoded.numpy() - X) ** 2).mean(axis=1)
        return float(-np.mean(bpp + self.lmbda * _SCALE * mse))

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
        kind = pixel_type(X)
        X = self._check_input(X)
        _, height, width = self.image_shape_
        head = header(kind, height, width)
        fingerprint = self._fingerprint()
        blobs = []
        for code in self._integer_codes(X):
            body = head + self.entropy_tables_.encode(code)
            blobs.append(body + check(fingerprint, body))
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
        fingerprint = self._fingerprint()
        for i, blob in enumerate(blobs):
            try:
                kind, h, w, start = read_header(blob)
                body = verify(fingerprint, bytes(blob))
                if (h, w) != (height, width):
                    raise BitstreamError(
                        f"the blob holds a {h} x {w} image but this codec decodes "
                        f"{height} x {width} images."
                    )
                codes.append(self.entropy_tables_.decode(body[start:]))
            except BitstreamError as exc:
                raise BitstreamError(f"blob {i}: {exc}") from None
            types.add(kind)
        if len(types) > 1:
            raise ValueError(f"decompress: the blobs hold different pixel types {sorted(types)}.")
        kind = types.pop() if types else self._pixel_type_fit
        if not codes:
            empty = np.empty((0, self.n_features_in_), dtype=np.float32)
            return self._to_layout(to_pixels(empty, kind))
        Z = np.asarray(codes, dtype=np.float32).reshape(len(codes), self.n_components_)
        images = self._batched(self._decode_mean, Z).cpu().numpy()
        return self._to_layout(to_pixels(images, kind))
