"""``AutoencoderOutlierDetector``: anomaly detection on tables with small autoencoders.

The detector follows scikit-learn's outlier convention (like
:class:`~sklearn.ensemble.IsolationForest`): ``score_samples`` is higher for more normal rows,
``decision_function = score_samples - offset_`` is negative for outliers and ``predict`` gives
+1 (inlier) / -1 (outlier).

How a row is scored
-------------------
1. A share of the training rows (``holdout_fraction``) is held out. The members, small
   one-hidden-layer autoencoders with different code sizes and initial weights, are trained
   on the rest side by side in one network (one optimizer step updates every member on the
   same batch), which makes an ensemble about as cheap as a single model. Each member leaves
   the ``trim_fraction`` of each batch it reconstructs worst out of its loss (the training
   rows are contaminated; the likely anomalies are not learned).
2. Each member gives per-column reconstruction errors (squared error for numeric columns,
   cross-entropy for categorical ones; the one-hot columns of a categorical input column are
   summed back into that column). Every column's error is turned into a robust z-score with
   the median and MAD of that column's errors on the held-out rows, so one noisy or badly
   scaled column cannot dominate the row score.
3. A member's row score is the mean of the column z-scores plus (``latent_weight``) the
   Mahalanobis distance of the row's code from the training codes, each robust-z normalised
   on the held-out rows: the first catches rows off the learned structure, the second rows on
   it but far out (which an autoencoder reconstructs well). The detector's anomaly score
   (:meth:`reconstruction_error`) is the mean over members of these, normalised once more on
   the held-out rows, so members of every code size count alike.
4. Optionally (``isolation_weight > 0``; off by default) an isolation forest
   (:mod:`.isolation`, fitted on the members' training rows) gives a second, differently
   biased score - rows a few axis-aligned cuts isolate - robust-z normalised on the held-out
   rows; the anomaly score is then ``(members + w * forest) / (1 + w)``.
5. The threshold ``offset_`` is calibrated on the held-out rows (which no member saw), so it
   needs no guess of the contamination.

Values a DataFrame column never had in fit (a new level, a missing value where there were
none) count as evidence of an anomaly at least as strong as the column's rarest training level
(``unseen``); on constant training data scores stay finite and training-like rows unflagged
(see the class notes).

Modules: ``ensemble`` (the members as one skorch net, and their fitting), ``isolation`` (the
forest as node arrays), ``detector`` (the estimator), ``params`` (its parameter rules),
``inputs`` and ``unseen`` (the tables it reads,
values never seen in fit), ``explanation`` (the table of
:meth:`~AutoencoderOutlierDetector.explain`), ``state`` (its safe-save state), ``evaluation``
(:func:`evaluate_detector`). The rules shared with the
series detector (robust scaling, code-space distance, thresholds, shares) are in
``sk_autoencoder._scoring``.

**Values never seen in fit** (DataFrame input): a level a categorical column did not have
in training, or a missing value in a column that had none, counts as evidence of an
anomaly at least as strong as the rarest training level of its column. The cell is fed to
the members as that rarest level, and its column error is floored at the column's largest
training error and, for a categorical column, at ``log((n + 1) / (n1 + 1))`` nats, the
surprise of a new level among ``n`` training rows with ``n1`` levels seen once (a column
of identifiers expects new values, one of a few repeated levels does not). Its column is
then (nearly always) the top column of :meth:`explain`. See
:mod:`sk_autoencoder.outliers.unseen`.

**Constant training data**: a statistic with no spread at all (every held-out row alike)
is scaled by 1 in its own units instead of by its zero MAD, and the code-space term is
off when the codes do not vary; rows like the training rows then score about 0, a row
whose constant column moves by ``d`` (in that column's units) about ``d**2 / n_columns``
more, and the ``"fpr"`` / ``"contamination"`` threshold lies just above the training
scores (see :func:`sk_autoencoder._scoring.calibrate_offset`). A constant column among
varying ones keeps the usual scaling.
"""

from .detector import AutoencoderOutlierDetector
from .evaluation import evaluate_detector

__all__ = ["AutoencoderOutlierDetector", "evaluate_detector"]
