"""The series detector's MLP members side by side in one network, and a view of each.

``n_estimators`` MLP autoencoders of the same shape (the ``AutoencoderTransformer`` MLP a
single member would be) are trained in one skorch net (:class:`SeriesEnsemble`): one forward
pass and one optimizer step for all, so three members cost about the time of one. Their
initial weights differ (drawn one after the other from the net's seed). :class:`MemberView`
names one member; the scoring code (:mod:`.members`) computes all members sharing a network in
one pass and takes each member's part.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ..modules.parallel import ParallelMLPAutoencoders
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


class MemberView:
    """Member ``index`` of a :class:`SeriesEnsemble` (its outputs: ``member_outputs`` etc.)."""

    def __init__(self, ensemble: SeriesEnsemble, index: int):
        self.ensemble, self.index = ensemble, int(index)
        self.n_components = int(ensemble.n_components)


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
