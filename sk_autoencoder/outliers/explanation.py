"""The table of :meth:`AutoencoderOutlierDetector.explain`: shares and top columns per row."""

from __future__ import annotations

import numpy as np

from .._core.frames import is_dataframe
from .._core.params import positive_int

__all__ = ["check_top_k", "explanation_table"]


def check_top_k(det, top_k) -> None:
    """Refuse a ``top_k`` that is not an int >= 1 (the package's parameter message)."""
    if not positive_int(top_k):
        raise ValueError(
            f"{type(det).__name__}.explain: top_k must be a positive int (the number of top "
            f"columns listed per row), got {top_k!r}."
        )


def explanation_table(*, anomaly, shares, top_k, names, observed, recon, index):
    """The explanation table: a DataFrame (a dict of arrays without pandas).

    Columns ``anomaly_score``, ``share:<column>`` and, for ``i = 1..top_k``, ``top<i>_column``,
    ``top<i>_share``, ``top<i>_observed`` and ``top<i>_reconstructed``.

    ``observed`` / ``recon``: the rows and their reconstruction in the input's units (a
    DataFrame, or an array with columns ``names``); ``index``: the index of the result.
    """
    p = shares.shape[1]
    top_k = int(min(max(1, top_k), p))
    order = np.argsort(-shares, axis=1, kind="stable")[:, :top_k]
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    rows = np.arange(len(shares))
    if pd is None:  # pragma: no cover
        return {"anomaly_score": anomaly, "shares": shares, "top_columns": order}
    if not is_dataframe(observed):
        observed = pd.DataFrame(np.asarray(observed), columns=names)
        recon = pd.DataFrame(np.asarray(recon), columns=names)
    obs_v = observed.to_numpy(dtype=object)
    rec_v = recon.to_numpy(dtype=object)
    col_pos = {c: i for i, c in enumerate(map(str, observed.columns))}
    out = {"anomaly_score": anomaly}
    for j, name in enumerate(names):
        out[f"share:{name}"] = shares[:, j]
    for i in range(top_k):
        cols = order[:, i]
        pos = np.array([col_pos[names[c]] for c in cols])
        out[f"top{i + 1}_column"] = np.array([names[c] for c in cols], dtype=object)
        out[f"top{i + 1}_share"] = shares[rows, cols]
        out[f"top{i + 1}_observed"] = obs_v[rows, pos]
        out[f"top{i + 1}_reconstructed"] = rec_v[rows, pos]
    return pd.DataFrame(out, index=index)
