"""What a fitted autoencoder answers: codes back to data, denoising, interpolation, errors.

A mixin of :class:`~sk_autoencoder._core.base.BaseAutoencoder`; the code type (deterministic
or Gaussian) supplies ``_code`` and ``transform``.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import torch
from sklearn.utils.validation import check_array, check_is_fitted

from ..modules import output_activation, per_feature_nll
from .data import InMemoryDataset, as_tensor
from .params import is_int


class InferenceMixin:
    """Prediction-time methods shared by both autoencoders."""

    def _batched(self, fn, X: np.ndarray) -> torch.Tensor:
        """Concatenated ``fn(module, batch)`` over prediction batches of ``X``.

        Runs in eval mode without gradients.

        float64 input runs through a float64 copy of the module: a row's result then does not
        depend on which other rows share its batch (float32 matrix kernels round differently
        for different batch sizes), and float64 callers get float64 precision.
        """
        module = self.module_
        if X.dtype == np.float64:
            module = copy.deepcopy(module).double()
        module.eval()
        Xt = as_tensor(X, np.float64 if X.dtype == np.float64 else np.float32)
        iterator = self.get_iterator(InMemoryDataset(Xt), training=False)
        with torch.no_grad():
            return torch.cat([fn(module, xb) for xb, _ in iterator])

    def _check_input(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def _check_codes(self, Z) -> np.ndarray:
        check_is_fitted(self)
        Z = check_array(Z, dtype=[np.float32, np.float64])
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"Z has {Z.shape[1]} columns, but {type(self).__name__} has n_components_="
                f"{self.n_components_}: pass codes produced by transform()."
            )
        return Z

    def _out(self, t: torch.Tensor, like: np.ndarray) -> np.ndarray:
        dtype = like.dtype if like.dtype in (np.float32, np.float64) else np.float64
        return self._warn_non_finite(t.detach().cpu().numpy().astype(dtype, copy=False), like)

    def _warn_non_finite(self, out: np.ndarray, X: np.ndarray) -> np.ndarray:
        """``out`` unchanged; a warning when some of its rows are NaN or infinite."""
        bad = ~np.isfinite(out.reshape(len(out), -1)).all(axis=1) if out.size else ()
        if np.any(bad):
            warnings.warn(
                f"{type(self).__name__}: {int(np.sum(bad))} of {len(out)} rows gave NaN or "
                f"infinite values (the largest |value| in the input is "
                f"{float(np.abs(X).max()):.3g}): the input is far outside what the model was "
                "trained on; scale it as the training data were.",
                RuntimeWarning,
                stacklevel=3,
            )
        return out

    def _code(self, module, x: torch.Tensor) -> torch.Tensor:
        """The code of a batch (the posterior mean for a VAE)."""
        raise NotImplementedError

    def _decode_mean(self, module, z: torch.Tensor) -> torch.Tensor:
        return output_activation(module.decode(z), self._blocks)

    def inverse_transform(self, X) -> np.ndarray:
        """Decode codes (n_samples, n_components) to the input space (n_samples, n_features).

        A model fitted on images returns images in the layout ``fit`` saw.

        Binary columns come back as probabilities, categorical blocks as per-level
        probabilities (a :class:`TabularPreprocessor` turns them back into categories).
        """
        Z = self._check_codes(X)
        return self._to_layout(self._out(self._batched(self._decode_mean, Z), Z))

    def denoise(self, X) -> np.ndarray:
        """Reconstruct ``X`` through the code, in ``X``'s own layout.

        This is ``inverse_transform(transform(X))``. For a model trained with ``noise=...`` on clean
        data this removes that kind of noise from new inputs.
        """
        check_is_fitted(self)
        _, layout = self._image_layout(X)
        X = self._check_input(X)

        def reconstruct(module, xb):
            return self._decode_mean(module, self._code(module, xb))

        return self._to_layout(self._out(self._batched(reconstruct, X), X), layout)

    def interpolate(self, x_a, x_b, n_steps: int = 8) -> np.ndarray:
        """Decode ``n_steps`` codes on the straight line from ``x_a``'s code to ``x_b``'s.

        ``x_a`` and ``x_b`` are two single samples, in any accepted layout; the result has shape
        (n_steps, ...) in the layout ``fit`` saw.
        """
        check_is_fitted(self)
        if not (is_int(n_steps) and n_steps >= 2):
            raise ValueError(
                f"{type(self).__name__}.interpolate: n_steps must be an int >= 2, got {n_steps!r}."
            )
        pair = []
        for x in (x_a, x_b):
            x = np.asarray(x)
            pair.append(x[None] if x.ndim == 1 or x.shape[0] != 1 else x)  # one sample
        if pair[0].shape != pair[1].shape:
            raise ValueError(
                f"{type(self).__name__}.interpolate: x_a and x_b must be one sample each of the "
                f"same shape, got {np.shape(x_a)} and {np.shape(x_b)}."
            )
        codes = self.transform(np.concatenate(pair))
        if codes.shape[0] != 2:
            raise ValueError("x_a and x_b must each be one sample.")
        t = np.linspace(0.0, 1.0, int(n_steps))[:, None]
        return self.inverse_transform((1 - t) * codes[:1] + t * codes[1:])

    def reconstruction_error(self, X, per_feature: bool = False) -> np.ndarray:
        """Reconstruction error of each row (higher = worse).

        Decoded from the code of :meth:`transform`.

        Returns the mean over columns of the per-column loss (squared error for numeric
        columns, cross-entropy for binary and categorical ones), shape (n_samples,); with
        ``per_feature=True`` the per-column losses themselves, shape (n_samples, n_features).
        """
        X = self._check_input(X)
        err = self._batched(self._column_errors, X).double().cpu().numpy()
        err = self._warn_non_finite(err, X)
        return err if per_feature else err.mean(axis=1)

    def _column_errors(self, module, xb: torch.Tensor) -> torch.Tensor:
        """Per-column losses (batch, d) of a batch decoded from its code."""
        return per_feature_nll(module.decode(self._code(module, xb)), xb, self._blocks)

    def score(self, X, y=None) -> float:
        """Mean of :meth:`score_samples` (higher is better), as ``PCA.score``.

        ``GridSearchCV`` uses it when no ``scoring`` is given.
        """
        return float(np.mean(self.score_samples(X)))
