"""``report``: one self-contained HTML file describing a fitted autoencoder or detector."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._core.frames import import_pandas, is_dataframe
from .._core.params import is_int
from .._display import shown_points
from ..preprocessing import TabularPipeline
from ..timeseries.grid import scored_series
from .anomalies import TOP_ROWS, score_section, series_section, top_anomalies_table
from .columns import error_section, share_section
from .embedding import colouring, embedding_section
from .figures import plotly
from .page import Section, render
from .samples import samples_section
from .target import check_rows, history_rows, model_columns, resolve, take
from .training import training_section


def report(
    estimator,
    X,
    y=None,
    path="report.html",
    *,
    title: str | None = None,
    max_points: int | None = 5000,
    random_state: int = 0,
) -> Path:
    """Write one self-contained HTML report of a fitted estimator on the data ``X``.

    The page holds interactive plotly figures, with plotly's JavaScript inlined: it opens
    offline, loads nothing from the network and can be sent as one file. Its sections:

    - the training curves from skorch's history: every named loss term, the best epoch marked;
    - the embedding: a 3-D (or 2-D) scatter of the codes, coloured by ``y`` when given (a
      legend with counts) or else by the reconstruction error (the anomaly score for a
      detector), beside PCA's embedding of the same rows;
    - the reconstruction error per column with the worst columns (for a detector: each
      column's share of the anomaly score, from ``explain``);
    - for a detector: the histogram of the anomaly scores with the fitted threshold and the
      share flagged, and the top anomalies with their per-column explanations; for a series
      detector the series, its score and the flagged intervals;
    - for a :class:`VAEGenerator`: real and sampled distributions of each column.

    Parameters
    ----------
    estimator : fitted estimator
        An :class:`AutoencoderTransformer`, :class:`VAEGenerator`,
        :class:`AutoencoderOutlierDetector` or :class:`SeriesOutlierDetector`, or a
        ``Pipeline`` (e.g. from :func:`make_tabular_pipeline`) whose last step is one.
    X : array-like or DataFrame
        Rows as the estimator takes them (the series itself for a series detector).
    y : array-like of shape (n_samples,), default=None
        Labels to colour the embedding (and split the score histogram) by.
    path : str or path-like, default="report.html"
        Where the HTML file is written.
    title : str, default=None
        Page title; by default the estimator's name.
    max_points : int or None, default=5000
        Rows drawn in the embedding and used for the per-column errors and explanations: a
        uniform random subset (seeded by ``random_state``, stated in the report) of larger
        data; ``None`` uses every row. Scores, the threshold and the top anomalies use all.
    random_state : int, default=0
        Seed of that subset and of the sampled rows of a generator.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Notes
    -----
    Needs plotly (``pip install sk_autoencoder[report]``), imported when a report is built.
    """
    plotly()  # fail early, with the install hint, when plotly is missing
    target = resolve(estimator)
    n, y = check_rows(X, y, target.kind)
    if max_points is not None and not (is_int(max_points) and max_points >= 10):
        raise ValueError(f"max_points must be None or an int >= 10, got {max_points!r}.")
    sample = shown_points(n, max_points, random_state)
    note = (
        f"Drawn: all {n:,} rows."
        if len(sample) == n
        else f"Drawn: a random {len(sample):,} of {n:,} rows (seed {random_state})."
    )
    sections = [training_section(*history_rows(target))]
    if target.kind in ("autoencoder", "vae"):
        sections += _autoencoder_sections(target, X, y, sample, random_state, note)
    elif target.kind == "detector":
        sections += _detector_sections(target, X, y, sample, random_state, note)
    else:
        sections += _series_sections(target, X)
    coloured = y is not None and target.kind != "series"  # a series report draws no labels
    facts = [f"{target.name} on {n:,} rows" + (", coloured by y" if coloured else "")]
    page = render(title or f"{target.name} report", facts, sections)
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


def _autoencoder_sections(target, X, y, sample, seed, note) -> list:
    final = target.final
    Xs = take(X, sample)
    Xm = target.final_input(Xs)
    codes = final.transform(Xm)
    E = final.reconstruction_error(Xm, per_feature=True)  # (n, d)
    labels = None if y is None else y[sample]
    colour = colouring(labels, E.mean(axis=1), "reconstruction error", all_labels=y)
    colouring_note = (
        "Coloured by y (legend counts: all rows)."
        if y is not None
        else "Coloured by each row's reconstruction error (mean loss over its columns)."
    )
    sections = [
        embedding_section(
            codes,
            np.asarray(Xm, dtype=float),
            sample,
            colour,
            seed=seed,
            notes=[
                note,
                colouring_note,
                "PCA is fitted on the rows drawn, as the model sees them.",
            ],
        ),
        error_section(
            E,
            model_columns(target, E.shape[1]),
            image_shape=final.image_shape_,
            notes=[f"{note} Losses as the model is trained on them (its input space)."],
        ),
    ]
    if target.kind == "vae":
        sections.append(_samples(target, Xs, Xm, len(sample), seed))
    return sections


def _samples(target, Xs, Xm, n: int, seed) -> Section:
    if isinstance(target.estimator, TabularPipeline):
        sampled = target.estimator.sample(n, random_state=seed)
        return samples_section(Xs, sampled, seed=seed, note="decoded to the table's columns.")
    sampled = target.final.sample(n, random_state=seed)
    if target.steps and all(hasattr(s, "inverse_transform") for s in target.steps):
        for step in reversed(target.steps):
            sampled = step.inverse_transform(sampled)
        return samples_section(Xs, sampled, seed=seed, note="decoded through the pipeline.")
    real = Xm if target.steps else Xs
    return samples_section(real, sampled, seed=seed, note="in the model's input space.")


def _detector_codes(det, Xs):
    """Codes of the member whose code size is nearest 3, its model input, and a note."""
    Z = det._encode_scored(Xs)[0]  # model space, unseen cells as the detector scores them
    sizes = list(det.code_sizes_)
    m = min(range(len(sizes)), key=lambda i: (abs(sizes[i] - 3), sizes[i]))
    if det.model == "vae":
        codes = det.estimators_[m].transform(Z)
    else:
        codes = det.estimators_[0].member_outputs(Z)[1][m][:, : sizes[m]]
    return codes, Z, f"Codes of member {m + 1} of {len(sizes)} (code size {sizes[m]})."


def _detector_sections(target, X, y, sample, seed, note) -> list:
    import_pandas("sk_autoencoder.report for a detector")
    det = target.final
    Xf = target.final_input(X)
    anomaly = -np.asarray(det.score_samples(Xf), dtype=float)
    threshold = -float(det.offset_)
    scores = score_section(anomaly, threshold, det.threshold_, y)
    top = np.argsort(-anomaly, kind="stable")[:TOP_ROWS]
    top_k = min(3, int(det.n_features_in_))
    explained = det.explain(take(Xf, top), top_k=top_k)
    if not is_dataframe(Xf):
        explained.index = top  # row positions (a DataFrame keeps its own index)
    scores.tables.append(top_anomalies_table(explained, top_k))
    Xs = take(Xf, sample)
    codes, Z, code_note = _detector_codes(det, Xs)
    labels = None if y is None else y[sample]
    colour = colouring(labels, anomaly[sample], "anomaly score", all_labels=y)
    embedding = embedding_section(
        codes,
        Z,
        sample,
        colour,
        seed=seed,
        notes=[
            note,
            code_note,
            "Coloured by y." if y is not None else "Coloured by anomaly score.",
        ],
    )
    shares = share_section(
        det.explain(Xs, top_k=1),
        anomaly[sample] > threshold,
        notes=[f"{note} A column's share: its part of a row's anomaly score (explain)."],
    )
    return [scores, embedding, shares]


def _series_sections(target, X) -> list:
    det = target.final
    view = scored_series(det, X)  # one scoring pass for every section
    anomaly, threshold = view["anomaly"], -float(det.offset_)
    sections = [series_section(det, view), score_section(anomaly, threshold, det.threshold_)]
    if det.n_channels_ > 1:
        sections.append(
            share_section(
                view["explained"],
                anomaly > threshold,
                notes=["A channel's share: its part of a timestamp's anomaly score (explain)."],
            )
        )
    return sections
