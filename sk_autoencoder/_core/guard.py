"""A diverged fit must not look like success: stop at a non-finite loss, keep finite weights."""

from __future__ import annotations

import math
import warnings

import torch
from skorch.callbacks import Callback

_HINT = (
    "Try a smaller learning rate (lr=...), standardise the input (StandardScaler, or "
    "make_tabular_pipeline for tables) or look for extreme values in X"
)


def _weights(net) -> dict:
    return {k: v.detach().clone() for k, v in net.module_.state_dict().items()}


class FiniteLoss(Callback):
    """Stop training at the first epoch whose loss is NaN or infinite.

    The weights of the last finite epoch are kept (the best one when early stopping restores
    it; the weights from before a ``partial_fit`` call when its first epoch diverges) and a
    warning says what happened; with no finite epoch to fall back on, ``fit`` raises
    ``FloatingPointError``. Checked once per epoch (the epoch's mean loss is non-finite as soon
    as one batch is), so training pays nothing per batch.
    """

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """Reset; remember the weights a continued fit starts from."""
        self.diverged_at_ = None
        self.finite_epoch_ = None
        self.weights_ = None
        if len(net.history) and self._finite(net.history[-1]):
            self.finite_epoch_ = net.history[-1, "epoch"]
            self.weights_ = _weights(net)

    @staticmethod
    def _finite(row) -> bool:
        return all(
            math.isfinite(row[k]) for k in ("train_loss", "valid_loss") if row.get(k) is not None
        )

    def _early_stopping(self, net):
        stopping = dict(net.callbacks_).get("early_stopping")
        return stopping if stopping is not None and stopping.load_best else None

    def on_epoch_end(self, net, **kwargs):
        """Note a finite epoch, or stop at a non-finite one.

        A finite epoch's weights are kept unless early stopping keeps the best ones.
        """
        row = net.history[-1]
        if self._finite(row):
            self.finite_epoch_ = row["epoch"]
            if self._early_stopping(net) is None:
                self.weights_ = _weights(net)
            return
        self.diverged_at_ = row["epoch"]
        raise KeyboardInterrupt  # skorch's way to end training; on_train_end still runs

    def on_train_end(self, net, X=None, y=None, **kwargs):
        """Restore finite weights and warn, or raise when no epoch was finite."""
        if self.diverged_at_ is None:
            return
        stopping = self._early_stopping(net)
        what = f"the training loss became non-finite (NaN or inf) in epoch {self.diverged_at_}"
        size = ""
        if isinstance(X, torch.Tensor) and X.numel():
            size = f" (the largest |value| in X is {float(X.abs().max()):.3g})"
        if stopping is not None and stopping.best_model_weights_ is not None:
            kept = f"the weights of epoch {stopping.best_epoch_}, the best one, are kept"
        elif self.weights_ is not None:
            net.module_.load_state_dict(self.weights_)
            kept = f"the weights of epoch {self.finite_epoch_}, the last finite one, are kept"
        else:
            raise FloatingPointError(
                f"{type(net).__name__}: {what} and no epoch trained to a finite loss, so there "
                f"is no model to keep{size}. {_HINT}."
            )
        warnings.warn(
            f"{type(net).__name__}: {what}; training stopped and {kept}{size}. {_HINT}.",
            RuntimeWarning,
            stacklevel=2,
        )
