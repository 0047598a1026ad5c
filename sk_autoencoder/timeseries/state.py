"""The fitted state of a ``SeriesOutlierDetector`` for ``sk_autoencoder.save``.

The windowing (``SlidingWindows``) and the members are child nodes; each member's
statistics go through ``writer.array``, numpy scalars as 1-element arrays so that their type
(which sets the precision of later arithmetic) comes back unchanged.
"""

from __future__ import annotations

import numbers

import numpy as np

from .ensemble import MemberView, SeriesEnsemble, member_views
from .members import _shared_network
from .windows import SlidingWindows

# The tuples of statistics kept per member (see ``members``), with the shape of each part
# for C channels: window error, per-channel error, code distance (centre, scale each) and
# activity (centre, scale, eps); ``rec_floor`` is a plain float.
_STAT_PARTS = {"rec": ((), ()), "channel": ("C", "C"), "latent": ((), ()), "activity": ("C",) * 3}


# Every key of the saved state.
_STATE_KEYS = {
    "window_",
    "period_",
    "offset_",
    "threshold_",
    "n_channels_",
    "channel_names_",
    "n_filled_",
    "train_scores_",
    "n_train_scores",
    "windows_",
    "estimators_",
    "stats",
}


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _stats_state(stats: dict, writer) -> dict:
    """A member's ``stats`` as JSON.

    Every array through ``writer.array`` (numpy scalars as 1-element arrays, which keep their
    dtype); ``rec_floor`` is a plain float.
    """
    entry = {"mean": writer.array(stats["mean"]), "precision": writer.array(stats["precision"])}
    for key, parts in _STAT_PARTS.items():
        entry[key] = [
            writer.array(np.asarray(v).reshape(1) if s == () else v)
            for v, s in zip(stats[key], parts)
        ]
    entry["rec_floor"] = float(stats["rec_floor"][0])
    return entry


def _stats_from_state(entry: dict, reader, n_channels: int, n_codes: int) -> dict:
    """The inverse of :func:`_stats_state`, with the shapes checked."""

    def arr(key, shape):
        a = reader.array(key)
        if a.shape != (shape or (1,)):
            raise ValueError(f"a member statistic of shape {a.shape}, expected {shape}")
        return a[0] if shape == () else a

    C, k = n_channels, n_codes
    stats = {"mean": arr(entry["mean"], (k,)), "precision": arr(entry["precision"], (k, k))}
    for key, parts in _STAT_PARTS.items():
        keys = list(entry[key])
        if len(keys) != len(parts):
            raise ValueError(f"member statistic {key!r} has {len(keys)} parts")
        shapes = [(C,) if s == "C" else s for s in parts]
        stats[key] = tuple(arr(v, s) for v, s in zip(keys, shapes))
    stats["rec_floor"] = (float(entry["rec_floor"]),)
    return stats


def _members_state(det, writer) -> list:
    """The members' nets: the one net the MLP members share, or one net per member."""
    shared = _shared_network(det.estimators_)
    if shared is not None:
        return [writer.child(shared)]
    if any(isinstance(m, MemberView) for m in det.estimators_):
        raise ValueError("the members must all be views of one network, or none")
    return [writer.child(m) for m in det.estimators_]


def save_detector_state(det, writer) -> dict:
    """``det``'s fitted state (see ``SeriesOutlierDetector._save_state``)."""
    return {
        "window_": int(det.window_),
        "period_": None if det.period_ is None else int(det.period_),
        "offset_": float(det.offset_),
        "threshold_": str(det.threshold_),
        "n_channels_": int(det.n_channels_),
        "channel_names_": [str(c) for c in det.channel_names_],
        "n_filled_": int(det.n_filled_),
        "train_scores_": writer.array(det.train_scores_),
        "n_train_scores": len(det.train_scores_),  # the tensor's shape, checked on load
        "windows_": writer.child(det.windows_),
        "estimators_": _members_state(det, writer),
        "stats": [_stats_state(st, writer) for st in det._stats],
    }


def load_detector_state(det, state: dict, reader) -> None:
    """Restore ``det``'s fitted state, every number and shape checked first."""
    unknown = sorted(set(state) - _STATE_KEYS)
    if unknown:
        raise ValueError(f"unknown state keys {unknown}")
    window, period = state["window_"], state["period_"]
    if not (_is_int(window) and window >= 2):
        raise ValueError(f"window_ must be an int >= 2, got {window!r}")
    if period is not None and not (_is_int(period) and period >= 1):
        raise ValueError(f"period_ must be None or a positive int, got {period!r}")
    windows = reader.child(state["windows_"])
    if not isinstance(windows, SlidingWindows) or windows.window != window:
        raise ValueError("the saved windowing does not match window_")
    C = windows.n_channels_
    if state["n_channels_"] != C or list(state["channel_names_"]) != windows.channel_names_:
        raise ValueError("the saved channels do not match the windowing")
    members = [reader.child(node) for node in state["estimators_"]]
    if len(members) == 1 and isinstance(members[0], SeriesEnsemble):
        members = member_views(members[0])  # the MLP members, side by side in one net
    if not members or len(members) != len(state["stats"]):
        raise ValueError(f"{len(members)} members for {len(state['stats'])} statistics")
    stats = [
        _stats_from_state(entry, reader, C, int(m.n_components))
        for entry, m in zip(state["stats"], members)
    ]
    det.window_, det.period_ = int(window), None if period is None else int(period)
    det.offset_, det.threshold_ = float(state["offset_"]), str(state["threshold_"])
    det.n_channels_, det.channel_names_ = C, list(windows.channel_names_)
    filled = state["n_filled_"]
    if not (_is_int(filled) and filled >= 0):
        raise ValueError(f"n_filled_ must be an int >= 0, got {filled!r}")
    det.n_filled_ = int(filled)
    scores = reader.array(state["train_scores_"])
    if scores.shape != (state["n_train_scores"],):
        raise ValueError(
            f"train_scores_ has shape {scores.shape}, expected ({state['n_train_scores']},)"
        )
    det.train_scores_ = scores
    det.windows_, det.estimators_, det._stats = windows, members, stats
