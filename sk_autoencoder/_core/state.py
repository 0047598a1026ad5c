"""The fitted state an autoencoder's module is built from, and its safe-format state.

``_prepare_fitted_state`` is shared by ``fit`` and ``load``: column types (feature blocks) and
the code size. ``_save_state`` / ``_load_state`` are the estimator's part of
:func:`sk_autoencoder.save` / :func:`sk_autoencoder.load`.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from ..modules import FeatureBlocks
from .layout import LAYOUTS

_BLOCK_KINDS = ("numeric", "binary", "categorical")
# A saved model naming more inputs than this is refused before anything is allocated.
_MAX_FEATURES = 2**26
_STATE_KEYS = {
    "n_features_in_",
    "feature_names_in_",
    "feature_blocks_",
    "image_shape_",
    "input_layout",
    "fit_loss",
    "weights",
}


class FittedStateMixin:
    """Feature blocks, the resolved code size and saving / loading the fitted autoencoder."""

    def _set_feature_blocks(self, feature_blocks, n_features: int) -> None:
        if feature_blocks is None:
            kind = "binary" if self._fit_loss == "bce" else "numeric"
            self.feature_blocks_ = [(kind, 0, n_features)]
            self._blocks = FeatureBlocks.uniform(kind, n_features)
            return
        blocks = [(str(k), int(a), int(b)) for k, a, b in feature_blocks]
        covered = np.zeros(n_features, dtype=int)
        for kind, a, b in blocks:
            if kind not in _BLOCK_KINDS or not 0 <= a < b <= n_features:
                raise ValueError(
                    f"feature_blocks entry {(kind, a, b)!r} is invalid: expected (kind, start, "
                    f"stop) with kind in 'numeric', 'binary', 'categorical' and "
                    f"0 <= start < stop <= {n_features}."
                )
            covered[a:b] += 1
        if not (covered == 1).all():
            raise ValueError(
                "feature_blocks must cover every column exactly once; columns "
                f"{np.flatnonzero(covered != 1).tolist()[:10]} are not."
            )
        self.feature_blocks_ = blocks
        self._blocks = FeatureBlocks(blocks, n_features)

    def _prepare_fitted_state(self, n_features: int, feature_blocks) -> None:
        """Fitted attributes the module is built from (shared by fit and ``load``)."""
        self._set_feature_blocks(feature_blocks, n_features)
        self.n_components_ = self._resolve_n_components(n_features)
        self._n_features_out = self.n_components_

    def _resolve_n_components(self, n_features: int) -> int:
        """The code size of ``n_components="auto"``: the architecture's default.

        2 for the MLP, a code to plot; ``4 * sqrt(d)`` rounded to a power of two in [8, 128] for
        ``conv``.
        """
        if self.n_components != "auto":
            return int(self.n_components)
        return self._architecture.default_n_components(n_features)

    # ------------------------------------------------------------------ safe format
    def _save_state(self, writer) -> dict:
        names = getattr(self, "feature_names_in_", None)
        weights = self.module_.state_dict()
        return {
            "n_features_in_": int(self.n_features_in_),
            "feature_names_in_": None if names is None else [str(n) for n in names],
            "feature_blocks_": [list(b) for b in self.feature_blocks_],
            "image_shape_": None if self.image_shape_ is None else list(self.image_shape_),
            "input_layout": self._input_layout,
            "fit_loss": self._fit_loss,
            "weights": {name: writer.array(t) for name, t in weights.items()},
        }

    def _load_state(self, state: dict, reader) -> None:
        unknown = sorted(set(state) - _STATE_KEYS)
        if unknown:
            raise ValueError(f"unknown keys {unknown} in the saved state")
        n_features = state["n_features_in_"]
        if not (isinstance(n_features, numbers.Integral) and 1 <= n_features <= _MAX_FEATURES):
            raise ValueError(f"n_features_in_={n_features!r} is not a plausible input width")
        self.n_features_in_ = int(n_features)
        if state.get("feature_names_in_") is not None:
            self.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
        if state.get("image_shape_") is not None:
            self.image_shape_ = tuple(int(v) for v in state["image_shape_"])
        layout = state.get("input_layout", "flat")
        if layout not in LAYOUTS:
            raise ValueError(f"unknown input_layout {layout!r}")
        self._input_layout = layout
        if "fit_loss" in state:
            if state["fit_loss"] not in ("mse", "bce"):
                raise ValueError(f"unknown fit_loss {state['fit_loss']!r}")
            self._fit_loss = state["fit_loss"]
        self._prepare_fitted_state(self.n_features_in_, state.get("feature_blocks_"))
        saved = {name: reader.tensor(key) for name, key in state["weights"].items()}
        self._check_weight_shapes(saved)
        self.initialize()
        try:
            self.module_.load_state_dict(saved, strict=True)
        except RuntimeError as exc:
            raise ValueError(f"the weights do not fit the model: {exc}") from exc
        self.module_.to(self._device)
        self._blocks.to(self._device)

    def _check_weight_shapes(self, saved: dict) -> None:
        """Compare the saved tensors' shapes with the module's, built on the meta device.

        The module is built on the meta device (no memory), so absurd saved sizes are refused before
        any allocation.
        """
        with torch.device("meta"):
            shapes = {k: tuple(v.shape) for k, v in self._build_module().state_dict().items()}
        found = {k: tuple(v.shape) for k, v in saved.items()}
        if shapes != found:
            wrong = sorted(set(shapes) ^ set(found)) or sorted(
                k for k in shapes if shapes[k] != found[k]
            )
            raise ValueError(f"the weights do not fit the model's parameters ({wrong[:5]})")
