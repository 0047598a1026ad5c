"""Scaling images (or any data in ``[0, max_value]``) to [0, 1] and back: :class:`ImageScaler`."""

from __future__ import annotations

import math

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._core.params import check_params
from .codec import _numpy_dtype
from .params import _IMAGE_RULES

#: Pixel ranges tried, in order, by ``ImageScaler(max_value="auto")`` for data whose dtype
#: does not say its range: [0, 1] images, 8-bit and 16-bit pixel values.
_PIXEL_RANGES = (1.0, 255.0, 65535.0)
_F32_TINY, _F32_MAX = float(np.finfo(np.float32).tiny), float(np.finfo(np.float32).max)


class ImageScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Scale images (or any data in ``[0, max_value]``) to float32 in [0, 1], and back.

    ``transform`` divides by ``max_value_``; ``inverse_transform`` multiplies by it, clips to
    ``[0, max_value_]`` and returns the dtype seen in ``fit`` (rounded to the nearest
    integer for integer dtypes), so uint8 images round-trip exactly and a model's
    reconstructions come back as valid pixels. The scaling is element-wise: any layout is
    kept - 2-D rows ``(n_samples, n_pixels)``, ``(n, H, W)``, ``(n, C, H, W)`` or
    ``(n, H, W, C)`` - and the number of values per sample must match the one seen in ``fit``
    (the layout may change, e.g. ``fit`` on ``(n, 28, 28)`` and ``inverse_transform`` of a
    model's ``(n, 784)`` output). ``set_output(transform="pandas")`` works on 2-D rows only:
    ``transform`` of images then raises, asking for ``X.reshape(len(X), -1)``.

    Parameters
    ----------
    max_value : "auto" or float, default="auto"
        The pixel value that maps to 1. ``"auto"``: for 8-bit and 16-bit integer dtypes the
        dtype's largest value (255 for uint8, 65535 for uint16, 127 / 32767 for int8 /
        int16), 1 for bool; for any other dtype (floats, wider integers such as the int64 of
        a Python list) the smallest of 1, 255 and 65535 that is at least the data's maximum,
        or the data's maximum above 65535. Pass a number for other ranges, e.g. 4095 for
        12-bit images stored as uint16.

    Attributes
    ----------
    max_value_ : float
        The value mapped to 1.
    dtype_ : numpy.dtype
        The dtype of the data seen in ``fit``, returned by ``inverse_transform``.
    n_features_in_ : int
        Values per sample (``H * W * C`` for images).
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` got a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_autoencoder import ImageScaler
    >>> X = np.array([[[0, 128], [255, 64]]], dtype=np.uint8)  # one 2x2 image
    >>> scaler = ImageScaler().fit(X)
    >>> scaler.transform(X).dtype, float(scaler.transform(X).max())
    (dtype('float32'), 1.0)
    >>> bool((scaler.inverse_transform(scaler.transform(X)) == X).all())
    True
    """

    def __init__(self, max_value="auto"):
        self.max_value = max_value

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _read(self, X, *, reset: bool, method: str) -> np.ndarray:
        """Validate ``X`` keeping its dtype.

        2-D input to ``fit`` / ``transform`` through scikit-learn (feature names), images of any
        rank and ``inverse_transform``'s input (in the output space, as for scikit-learn's scalers)
        by the number of values per sample.
        """
        ndim = X.ndim if hasattr(X, "ndim") else np.asarray(X).ndim
        if ndim == 2 and method != "inverse_transform":
            return validate_data(self, X, reset=reset, dtype="numeric")
        X = check_array(X, dtype="numeric", allow_nd=True)
        n_values = int(np.prod(X.shape[1:]))
        if reset:
            self.n_features_in_ = n_values
            vars(self).pop("feature_names_in_", None)
        elif n_values != self.n_features_in_:
            raise ValueError(
                f"ImageScaler.{method}: X has {n_values} values per sample (shape "
                f"{X.shape[1:]}), but the scaler was fitted on samples of "
                f"{self.n_features_in_} values: pass images of the size seen in fit."
            )
        return X

    def _auto_max(self, X: np.ndarray) -> float:
        if X.dtype == bool:
            return 1.0
        if X.dtype.kind in "iu" and X.dtype.itemsize <= 2:
            return float(np.iinfo(X.dtype).max)
        data_max = float(X.max())
        return next((r for r in _PIXEL_RANGES if data_max <= r), data_max)

    def fit(self, X, y=None):
        """Learn the dtype and the maximum value from ``X`` (``y`` is ignored).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or an image array (n_samples, ...)
            Non-negative values.
        y : ignored

        Returns
        -------
        self
        """
        check_params(self, _IMAGE_RULES)
        X = self._read(X, reset=True, method="fit")
        if X.min() < 0:
            raise ValueError(
                f"Negative values in data passed to ImageScaler (minimum {X.min()}): it "
                "scales non-negative pixel values; shift the data first or use "
                "sklearn.preprocessing.MinMaxScaler."
            )
        if isinstance(self.max_value, str):  # "auto", the only text _IMAGE_RULES lets through
            max_value = self._auto_max(X)
        else:
            max_value = float(self.max_value)
        if not _F32_TINY <= max_value <= _F32_MAX:
            source = "the data's maximum" if isinstance(self.max_value, str) else "max_value"
            raise ValueError(
                f"ImageScaler: {source} {max_value!r} is outside the float32 range "
                f"[{_F32_TINY:.3g}, {_F32_MAX:.3g}] of the scaled "
                "output, which would be inf or NaN; rescale the data first."
            )
        self.max_value_ = max_value
        self.dtype_ = X.dtype
        return self

    def transform(self, X) -> np.ndarray:
        """Scale to float32 in [0, 1] (values above ``max_value_`` map above 1).

        Values that overflow float32 once scaled raise a ``ValueError`` (as does a
        ``max_value_`` outside float32's range in ``fit``), rather than giving inf or NaN.

        Returns
        -------
        ndarray of float32, the shape of ``X``
        """
        check_is_fitted(self)
        X = self._read(X, reset=False, method="transform")
        self._check_container(X)
        if X.size and X.min() < 0:
            raise ValueError(
                f"Negative values in data passed to ImageScaler.transform (minimum "
                f"{X.min()}): it scales non-negative pixel values."
            )
        with np.errstate(over="ignore", invalid="ignore"):
            out = X.astype(np.float32) / np.float32(self.max_value_)
        if not np.isfinite(out).all():
            raise ValueError(
                f"ImageScaler.transform: X has values up to {float(X.max())!r}, too large for "
                f"the float32 output (above {_F32_MAX:.3g} once scaled, they overflow to inf); "
                f"rescale the data (the scaler was fitted with max_value_ = {self.max_value_!r})."
            )
        return out

    def _check_container(self, X: np.ndarray) -> None:
        """Refuse images when set_output asks for a DataFrame (one row per sample, 2-D)."""
        # The setting set_output stores, else the global one (as scikit-learn reads them).
        config = getattr(self, "_sklearn_output_config", {})
        container = config.get("transform", get_config()["transform_output"])
        if X.ndim != 2 and container != "default":
            raise ValueError(
                f"ImageScaler.transform: set_output(transform={container!r}) needs 2-D rows "
                f"(n_samples, n_values), but X has shape {X.shape}: pass "
                "X.reshape(len(X), -1), or keep the images with set_output(transform='default')."
            )

    def inverse_transform(self, X) -> np.ndarray:
        """Map values in [0, 1] back to the pixel range and dtype seen in ``fit``.

        Values are multiplied by ``max_value_``, clipped to ``[0, max_value_]`` (and to the
        range of the dtype) and, for integer and bool dtypes, rounded to the nearest integer.

        Returns
        -------
        ndarray of ``dtype_``, the shape of ``X``
        """
        check_is_fitted(self)
        X = self._read(X, reset=False, method="inverse_transform")
        values = np.clip(X.astype(np.float64) * self.max_value_, 0.0, self.max_value_)
        if self.dtype_.kind in "iub":
            values = np.rint(values)
            if self.dtype_.kind in "iu":
                values = np.minimum(values, np.iinfo(self.dtype_).max)
        return values.astype(self.dtype_)

    _param_rules = _IMAGE_RULES  # also checked on load

    def _save_state(self, writer) -> dict:
        """Fitted state as JSON: the scale, the dtype, the sample size and the column names."""
        names = getattr(self, "feature_names_in_", None)
        return {
            "max_value": float(self.max_value_),
            "dtype": self.dtype_.str,
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": None if names is None else [str(n) for n in names],
        }

    def _load_state(self, state, reader) -> None:
        """Restore a fitted scaler from :meth:`_save_state`'s dict."""
        keys = {"max_value", "dtype", "n_features_in", "feature_names_in"}
        if not isinstance(state, dict) or set(state) != keys:
            got = set(state) if isinstance(state, dict) else set()
            raise ValueError(
                f"ImageScaler state must have the keys {sorted(keys)}; unknown: "
                f"{sorted(map(str, got - keys))}, missing: {sorted(keys - got)}."
            )
        max_value, n_features, names = (
            state["max_value"],
            state["n_features_in"],
            state["feature_names_in"],
        )
        if type(max_value) not in (int, float) or not (0 < max_value and math.isfinite(max_value)):
            raise ValueError(f"ImageScaler state: max_value must be > 0, got {max_value!r}.")
        dtype = _numpy_dtype(state["dtype"])
        if dtype.kind not in "biuf":
            raise ValueError(f"ImageScaler state: dtype must be numeric, got {dtype}.")
        if type(n_features) is not int or n_features < 1:
            raise ValueError(f"ImageScaler state: n_features_in must be >= 1, got {n_features!r}.")
        if names is not None and (
            not isinstance(names, list)
            or len(names) != n_features
            or not all(isinstance(n, str) for n in names)
        ):
            raise ValueError("ImageScaler state: feature_names_in must be n_features_in strings.")
        self.max_value_ = float(max_value)
        self.dtype_ = dtype
        self.n_features_in_ = n_features
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
