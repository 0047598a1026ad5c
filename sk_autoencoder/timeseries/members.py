"""What the series detector's members compute on windows.

Per-channel errors and codes, the statistics that normalise them, window scores, and the imputation
of filled values.

``stats`` (one dict per member, fitted on the training windows):
``mean``/``precision`` of the codes, and (centre, scale) pairs ``rec`` (window error),
``channel`` (per-channel error), ``latent`` (code distance), ``activity`` (centre, scale,
eps of the log activity) and ``rec_floor`` (the training windows' median error).
"""

from __future__ import annotations

import numpy as np

from .._scoring import RESOLUTION, code_distribution, mahalanobis, robust_center_scale
from .ensemble import MemberView
from .scores import _activity, _cover_any, _local_scale
from .windows import _windows

# Rounds of imputing filled values with the autoencoders' reconstruction.
_IMPUTE_ROUNDS = 3
# Windows scored per block at prediction time (bounds the memory of the window matrix).
_SCORE_BLOCK = 8192


def _shared_network(members):
    """The one network all ``members`` are views of, or None (members trained apart)."""
    nets = {id(m.ensemble): m.ensemble for m in members if isinstance(m, MemberView)}
    if len(nets) == 1 and all(isinstance(m, MemberView) for m in members):
        return next(iter(nets.values()))
    return None


def _members_outputs(members, W) -> list:
    """Per member: per-value losses (n, d) and codes (n, k) of the windows ``W``.

    Members side by side in one network are computed in one pass.
    """
    net = _shared_network(members)
    if net is not None:
        E, C = net.member_outputs(W)
        return [(E[m.index], C[m.index]) for m in members]
    return [(m.reconstruction_error(W, per_feature=True), m.transform(W)) for m in members]


def _members_reconstruction(members, W) -> np.ndarray:
    """Mean over members of their reconstruction of the windows ``W`` (n, d)."""
    net = _shared_network(members)
    if net is not None:
        R = net.member_reconstructions(W).astype(np.float64)
        return R[[m.index for m in members]].mean(axis=0)
    return np.mean([m.inverse_transform(m.transform(W)) for m in members], axis=0)


def _rec_and_codes(outputs, observed, n_channels: int):
    """Per-channel reconstruction error over observed values (n, C) and codes (n, k)."""
    E, codes = outputs
    E = E.reshape(len(E), n_channels, -1)
    M = observed.reshape(E.shape)
    rec = (E * M).sum(axis=2) / np.maximum(M.sum(axis=2), 1)
    return rec, codes.astype(np.float64)


def _activity_stats(values: np.ndarray, window: int) -> tuple:
    """(centre, scale, eps) of the log activity of the training windows, per channel.

    ``eps`` is a thousandth of the median activity, at least ``RESOLUTION`` (a constant channel
    has no activity: changes below float rounding are not activity either).
    """
    act = _activity(values, window)
    eps = np.maximum(1e-3 * np.median(act, axis=0) + 1e-12, RESOLUTION)
    return (*robust_center_scale(np.log(act + eps), axis=0), eps)


def _fit_stats(outputs, observed, *, n_channels, window, error_context, act_stats) -> dict:
    """A member's ``stats`` from its ``outputs`` (losses, codes) on the training windows."""
    rec, codes = _rec_and_codes(outputs, observed, n_channels)
    mu, precision = code_distribution(codes)
    stats = {"mean": mu, "precision": precision, "activity": act_stats}
    err = rec.mean(axis=1)
    stats["rec_floor"] = (float(np.median(err)),)
    err = err / _local_scale(err, window, error_context, np.median(err))
    stats["rec"] = robust_center_scale(err)
    stats["channel"] = robust_center_scale(rec, axis=0)
    stats["latent"] = robust_center_scale(mahalanobis(codes, stats["mean"], stats["precision"]))
    return stats


def _window_scores(det, values, observed):
    """Anomaly scores and per-channel error z-scores of all stride-1 windows.

    Shapes (n_windows,) and (n_windows, C); means over ``det``'s members.
    """
    w = det.window_
    n_win = len(values) - w + 1
    scores, channel = 0.0, 0.0
    activity = _activity(values, w) if det.activity_weight > 0 else None  # member-free
    recs, dists = [[] for _ in det.estimators_], [[] for _ in det.estimators_]
    for a in range(0, n_win, _SCORE_BLOCK):
        starts = np.arange(a, min(a + _SCORE_BLOCK, n_win))
        W, M = _windows(values, w, starts), _windows(observed, w, starts)
        for m, (outputs, st) in enumerate(zip(_members_outputs(det.estimators_, W), det._stats)):
            rec, codes = _rec_and_codes(outputs, M, det.n_channels_)
            recs[m].append(rec)
            dists[m].append(mahalanobis(codes, st["mean"], st["precision"]))
    for m, st in enumerate(det._stats):
        rec = np.concatenate(recs[m])
        err = rec.mean(axis=1)
        err = err / _local_scale(err, w, det.error_context, float(st["rec_floor"][0]))
        s = (err - st["rec"][0]) / st["rec"][1]
        if det.latent_weight > 0:
            lat = (np.concatenate(dists[m]) - st["latent"][0]) / st["latent"][1]
            s = s + float(det.latent_weight) * lat
        if det.activity_weight > 0:
            center, scale, eps = st["activity"]
            act = np.abs((np.log(activity + eps) - center) / scale)
            s = s + float(det.activity_weight) * act.mean(axis=1)
        scores = scores + s
        channel = channel + (rec - st["channel"][0]) / st["channel"][1]
    m = len(det.estimators_)
    return scores / m, channel / m


def _impute(members, values: np.ndarray, observed: np.ndarray, window: int) -> np.ndarray:
    """Filled values (gaps, NaN) replaced by the members' reconstruction of them.

    Each filled step takes the mean over members and covering windows of its reconstructed value,
    for ``_IMPUTE_ROUNDS`` rounds. A straight line across a gap would otherwise make the windows
    over it look unusual.
    """
    if observed.all():
        return values
    values = values.copy()
    w, C = window, values.shape[1]
    n_win = len(values) - w + 1
    # only windows that hold a filled value need reconstructing
    touched = _cover_any(~observed.all(axis=1), w)
    for _ in range(_IMPUTE_ROUNDS):
        sums, counts = np.zeros(values.shape), np.zeros(len(values))
        todo = np.flatnonzero(touched[:n_win])
        for a in range(0, len(todo), _SCORE_BLOCK):
            starts = todo[a : a + _SCORE_BLOCK]
            W = _windows(values, w, starts)
            R = _members_reconstruction(members, W).reshape(len(starts), C, w)
            for k, s in enumerate(starts):
                sums[s : s + w] += R[k].T
                counts[s : s + w] += 1
        fill = ~observed & (counts[:, None] > 0)
        values[fill] = (sums / np.maximum(counts, 1)[:, None])[fill]
    return values
