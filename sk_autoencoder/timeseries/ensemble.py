"""The series detector's MLP members side by side in one network, and a view of each.

``n_estimators`` MLP autoencoders of the same shape (the ``AutoencoderTransformer`` MLP a
single member would be) are trained in one skorch net (:class:`SeriesEnsemble`): one forward
pass and one optimizer step for all, so three members cost about the time of one. Their
initial weights differ (drawn one after the other from the net's seed). :class:`MemberView`
gives each member the methods the scoring code calls on a member (``reconstruction_error``,
``transform``, ``inverse_transform``).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ..modules import output_activation
from ..modules.parallel import ParallelMLPAutoencoders, per_member
from ..outliers.ensemble import AutoencoderEnsemble

__all__ = ["MemberView", "SeriesEnsemble"]


# The members' default widths: a quarter of those a single AutoencoderTransformer gets.
WIDTH_DIVISOR = 4


class SeriesEnsemble(AutoencoderEnsemble):
    """``len(code_sizes)`` MLP autoencoders (all of code size ``n_components``) in one net.

    With ``hidden_layer_sizes=None`` each member has a quarter of the widths the
    ``AutoencoderTransformer`` MLP would get (``(64, 32)`` for inputs of 32 values or more),
    never narrower than twice the code: three members then train in less time than one
    full-width network, and score as well on the development series
    (``docs/benchmarks.md``, section 7).
    """

    def _hidden_sizes(self, n_features: int) -> list[int]:
        sizes = super()._hidden_sizes(n_features)
        if self.hidden_layer_sizes is not None:
            return sizes
        floor = 2 * int(self.n_components)
        return [max(s // WIDTH_DIVISOR, floor) for s in sizes]

    def _build_module(self) -> torch.nn.Module:
        hidden = self._hidden_sizes(self.n_features_in_)
        sizes = self._member_code_sizes()
        return ParallelMLPAutoencoders(
            len(sizes), self.n_features_in_, hidden, max(sizes), self.activation
        )

    def member_codes(self, X: np.ndarray) -> np.ndarray:
        """Codes (M, n, k) of every member."""

        def fn(module, xb):
            return module.encode(xb).transpose(0, 1)

        X = self._check_input(X)
        return self._batched(fn, X).double().cpu().numpy().transpose(1, 0, 2)

    def member_decode(self, Z: np.ndarray) -> np.ndarray:
        """Decoded member codes: ``Z`` (M, n, k) -> (M, n, d) in model space."""
        Zt = torch.as_tensor(np.asarray(Z, dtype=np.float32), device=self._device)
        module = self.module_
        module.eval()
        with torch.no_grad():
            raw = module.decode(Zt)
            out = per_member(output_activation, raw, self._blocks)
        return out.double().cpu().numpy()


class MemberView:
    """Member ``index`` of a :class:`SeriesEnsemble`, with a single member's methods."""

    def __init__(self, ensemble: SeriesEnsemble, index: int):
        self.ensemble, self.index = ensemble, int(index)
        self.n_components = int(ensemble.n_components)

    def reconstruction_error(self, W: np.ndarray, per_feature: bool = False) -> np.ndarray:
        """Per-value losses (n, d) of this member, or their row means."""
        E = self.ensemble.member_outputs(W)[0][self.index]
        return E if per_feature else E.mean(axis=1)

    def transform(self, W: np.ndarray) -> np.ndarray:
        """The member's codes (n, k)."""
        return self.ensemble.member_codes(W)[self.index]

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """The member's decoding of codes (n, k)."""
        Z = np.asarray(Z, dtype=np.float64)
        M = len(self.ensemble.code_sizes)
        stacked = np.broadcast_to(Z, (M, *Z.shape))
        return self.ensemble.member_decode(stacked)[self.index]


def fit_mlp_members(det, train: np.ndarray, seed: int) -> list:
    """The detector ``det``'s MLP members, trained side by side on the windows ``train``."""
    net = SeriesEnsemble(
        n_components=int(det.n_components),
        code_sizes=(int(det.n_components),) * int(det.n_estimators),
        hidden_layer_sizes=det.hidden_layer_sizes,
        max_epochs=det.max_epochs,
        random_state=int(seed),
        device=det.device,
        verbose=det.verbose,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net.fit(train)
    return member_views(net)


def member_views(ensemble: SeriesEnsemble) -> list:
    """One :class:`MemberView` per member of ``ensemble``."""
    return [MemberView(ensemble, m) for m in range(len(ensemble.code_sizes))]
