"""An isolation forest over the detector's input, kept as plain arrays.

The autoencoder members flag rows they reconstruct badly or whose codes lie far out; an
isolation forest (Liu et al., 2008) flags rows that a few random axis-aligned cuts separate
from the rest - extreme values in a few columns, small isolated clusters - which a smooth
reconstruction can miss. Their biases differ, so the detector averages the two evidences,
each robust-z normalised on the held-out rows (see :mod:`sk_autoencoder.outliers`).

The forest is fitted by scikit-learn's ``IsolationForest`` (defaults: 100 trees of 256 rows)
and stored as node arrays, so it is saved with the safe format (no pickle) and scored here by
walking the arrays, with the same formula as ``IsolationForest.score_samples``.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import IsolationForest

from .._scoring import robust_center_scale

# Rows walked through the trees at once (bounds memory: rows x trees node indices).
_CHUNK = 4096
# IsolationForest grows trees at most ceil(log2(256)) = 8 deep; a loaded tree deeper than this
# (a cycle in edited arrays) is refused rather than walked forever.
_MAX_DEPTH = 64


def average_path_length(n) -> np.ndarray:
    """Average path length of an unsuccessful search in a BST of ``n`` keys (IsolationForest)."""
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


class IsolationScorer:
    """Node arrays of an isolation forest: ``anomaly(Z)`` = ``-IsolationForest.score_samples``."""

    def __init__(self, feature, threshold, left, right, leaf_depth, roots, max_samples):
        self.feature = np.asarray(feature, dtype=np.int64)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.left = np.asarray(left, dtype=np.int64)
        self.right = np.asarray(right, dtype=np.int64)
        self.leaf_depth = np.asarray(leaf_depth, dtype=np.float64)
        self.roots = np.asarray(roots, dtype=np.int64)
        self.max_samples = int(max_samples)

    @classmethod
    def fit(cls, Z: np.ndarray, seed: int) -> IsolationScorer:
        """``IsolationForest(random_state=seed)`` fitted on ``Z``, as node arrays."""
        forest = IsolationForest(random_state=seed).fit(Z)
        n_features = Z.shape[1]
        parts, roots, offset = [], [], 0
        for tree, features in zip(forest.estimators_, forest.estimators_features_):
            t = tree.tree_
            depth = t.compute_node_depths().astype(np.float64)  # the root has depth 1
            leaf = t.children_left < 0
            feature = np.where(leaf, -1, t.feature)
            if forest._max_features != n_features:  # pragma: no cover - max_features=1.0
                feature = np.where(leaf, -1, np.asarray(features)[t.feature])
            parts.append(
                (
                    feature,
                    t.threshold,
                    np.where(leaf, -1, t.children_left + offset),
                    np.where(leaf, -1, t.children_right + offset),
                    depth + average_path_length(t.n_node_samples) - 1.0,
                )
            )
            roots.append(offset)
            offset += t.node_count
        arrays = [np.concatenate([p[i] for p in parts]) for i in range(5)]
        return cls(*arrays, roots=np.asarray(roots), max_samples=forest._max_samples)

    def path_normaliser(self) -> float:
        """``n_trees x c(max_samples)``: the summed path lengths are divided by it."""
        return len(self.roots) * float(average_path_length([self.max_samples])[0])

    def anomaly(self, Z: np.ndarray) -> np.ndarray:
        """``2 ** (-mean path length / c(max_samples))``: near 1 isolated, near 0.5 or below not."""
        Z = np.asarray(Z, dtype=np.float32)  # the trees compare float32 inputs, as sklearn does
        total = np.empty(len(Z))
        for start in range(0, len(Z), _CHUNK):
            X = Z[start : start + _CHUNK]
            rows = np.arange(len(X))[:, None]
            idx = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
            for _ in range(_MAX_DEPTH + 1):
                feat = self.feature[idx]
                inner = feat >= 0
                if not inner.any():
                    break
                go_left = X[rows, np.where(inner, feat, 0)] <= self.threshold[idx]
                step = np.where(go_left, self.left[idx], self.right[idx])
                idx = np.where(inner, step, idx)
            else:
                raise ValueError("the isolation forest's trees are deeper than any it grows")
            total[start : start + len(X)] = self.leaf_depth[idx].sum(axis=1)
        denominator = self.path_normaliser()
        if denominator == 0:
            return np.ones(len(Z))
        return 2.0 ** (-total / denominator)

    def state(self, writer) -> dict:
        """The node arrays as tensors of the model file."""
        return {
            "feature": writer.array(self.feature),
            "threshold": writer.array(self.threshold),
            "left": writer.array(self.left),
            "right": writer.array(self.right),
            "leaf_depth": writer.array(self.leaf_depth),
            "roots": writer.array(self.roots),
            "max_samples": self.max_samples,
        }

    @classmethod
    def from_state(cls, node, reader, n_features: int) -> IsolationScorer:
        """Checked node arrays from a model file (inputs of width ``n_features``)."""
        keys = {"feature", "threshold", "left", "right", "leaf_depth", "roots", "max_samples"}
        if not (isinstance(node, dict) and set(node) == keys):
            raise ValueError("the saved isolation forest must have its node arrays")
        arrays = {k: reader.tensor(node[k]).numpy() for k in keys - {"max_samples"}}
        m = int(node["max_samples"]) if type(node["max_samples"]) is int else -1
        n = len(arrays["feature"])
        ok = (
            m >= 1
            and all(a.ndim == 1 for a in arrays.values())
            and all(len(arrays[k]) == n for k in ("threshold", "left", "right", "leaf_depth"))
            and len(arrays["roots"]) >= 1
            and ((arrays["roots"] >= 0) & (arrays["roots"] < n)).all()
            and (arrays["feature"] < n_features).all()
        )
        inner = arrays["feature"] >= 0 if ok else None
        if ok:
            children = np.concatenate([arrays["left"][inner], arrays["right"][inner]])
            ok = (
                bool(((children > 0) & (children < n)).all())
                and np.isfinite(arrays["leaf_depth"]).all()
            )
        if not ok:
            raise ValueError("the saved isolation forest's node arrays are malformed")
        return cls(**arrays, max_samples=m)


class IsolationMixin:
    """The detector's isolation term: fitted on the members' rows, normalised on the held-out."""

    def _use_isolation(self) -> bool:
        return float(self.isolation_weight) > 0

    def _fit_isolation(self, train: np.ndarray, hold: np.ndarray, seed: int) -> None:
        self._isolation = None
        if not self._use_isolation():
            return
        self._isolation = IsolationScorer.fit(train, seed)
        self._isolation_stats = robust_center_scale(self._isolation.anomaly(hold))

    def _combine(self, members: np.ndarray, Z: np.ndarray) -> np.ndarray:
        """``(members + w * isolation) / (1 + w)``, both robust-z on the held-out rows."""
        forest = getattr(self, "_isolation", None)
        if forest is None:
            return members
        w = float(self.isolation_weight)
        center, scale = self._isolation_stats
        return (members + w * (forest.anomaly(Z) - center) / scale) / (1.0 + w)
