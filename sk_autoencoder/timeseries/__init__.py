"""Time series: sliding windows and a per-timestamp anomaly detector.

:class:`SlidingWindows` turns a series into the rows an autoencoder learns from;
:class:`SeriesOutlierDetector` fits autoencoders on those windows and gives one score per
timestamp of the series.

The series
----------
A series is an array shaped ``(T,)`` or ``(T, C)`` (rows are timestamps, columns are
channels), a pandas ``Series``, or a ``DataFrame`` whose time is either its
``DatetimeIndex`` (or ``TimedeltaIndex``; a ``PeriodIndex`` counts by the start of each
period) or its one datetime column (the other columns are the channels). Values must be real
and finite (NaN is a missing value; inf and complex values are refused). Rows are never
dropped:

- **Time grid.** With times, the series is placed on a regular grid whose step is the median
  spacing of the training series (``step_``). Rows are taken in time order; rows falling on the
  same grid step (duplicated timestamps) are averaged there and each of them gets that step's
  score. Grid steps without a row (gaps) are filled by linear interpolation between the
  neighbouring observed values. Without times the rows are taken as consecutive, equally
  spaced samples. A series scored later must be sampled at the training rate: a median
  spacing over 1.5 times ``step_`` is refused (most steps would be interpolations), under
  ``step_ / 1.5`` warned about (rows are averaged onto the coarser grid).
- **Missing values** (NaN) are filled in the same way, per channel (a value before the first
  or after the last observed one takes the nearest observed value). A channel with no observed
  value is an error.
- Filled values feed the windows (a window needs every step) but never count as evidence: the
  detector replaces them by its autoencoders' reconstruction (three rounds of the mean over
  members and covering windows, starting from the interpolation), so a straight line across
  a gap does not look unusual, and its reconstruction errors are averaged over observed
  values only.

How a timestamp is scored
-------------------------
1. Windows of ``window`` steps, one starting at every step, scaled per channel with the
   median and inter-quartile range of the training series (robust to the anomalies it may
   contain).
2. An :class:`AutoencoderTransformer` (MLP, or 1-D convolutional with ``architecture="conv"``)
   is trained on the windows. A window's anomaly score is the sum of three robust z-scores
   (medians and MADs from the training windows):

   - **reconstruction error** (off the learned structure: spikes, pattern breaks, changes of
     frequency), divided by its local typical size: the running median of the errors of the
     windows within ``error_context`` windows' lengths around it (in the scored series
     itself), or the training windows' median error where that is larger. A series whose
     ordinary swings grow and shrink (summer and winter, busy and quiet weeks) has errors
     that grow and shrink with them; the local scale keeps the busy stretches from
     outscoring genuine departures, and never amplifies quiet ones. ``error_context=None``
     uses the raw error;
   - ``latent_weight`` x the **Mahalanobis distance of the window's code** from the training
     codes (on the structure but far out, e.g. an unusual level, which an autoencoder
     reconstructs well);
   - ``activity_weight`` x the **activity** term: the absolute robust z-score of the
     logarithm of the window's mean absolute step-to-step change (per channel, averaged over
     channels). It catches what an autoencoder smooths over: a flat-lining sensor (activity
     far below usual) and a burst of noise (far above).

   The scores of ``n_estimators`` members (default 3) are averaged: one network's scores
   depend visibly on its initial weights, and the mean of three is steadier (on the
   planted-anomaly check of ``benchmarks/timeseries.py``, mean AP 0.377 against 0.341 for one
   member). The MLP members are trained side by side in one network, each a quarter of a
   single model's width, so the three fit in less time than one full-width member did.
3. A timestamp's anomaly score is the **mean of the scores of all windows that cover it**
   (``window`` windows inside the series, fewer in the first and last ``window - 1`` steps).
   ``score_samples`` is its negative (higher = more normal).
4. ``offset_`` is calibrated on the training series without labels (``threshold``).

Scoring new data
----------------
A detector fitted on a history scores any later stretch of the same series with
``score_samples(new)`` / ``predict(new)`` and its fitted threshold; the result has one value
per row of ``new``, in its order. A step is scored as it would be inside the whole series
when the scored stretch starts ``context_`` steps earlier (``window_ - 1 + error_context *
window_``: the windows covering the step, and the windows its local error scale looks at):
``det.score_samples(series[-(len(new) + det.context_):])[det.context_:]``. Scored alone, the
first ``window_ - 1`` steps of ``new`` are covered by fewer windows, and the local error scale
comes from ``new`` only.

A training series needs at least ``window`` windows (``2 * window - 1`` steps); the automatic
window of a short series is at most half its length. On a constant training series (or any
statistic without spread) the robust scales fall back to 1 in the statistic's units and the
local error scale to float resolution (``_scoring.RESOLUTION``): its own timestamps score 0
and any departure scores far lower (finite) and is flagged.

Modules: ``grid`` (reading a series, the time grid), ``period`` (the window rule),
``windows`` (:class:`SlidingWindows`), ``scores`` (window and step arithmetic), ``members``
(what the autoencoders compute on windows, imputation), ``intervals``, ``state`` (the
safe-save state of the detector) and ``detector`` (:class:`SeriesOutlierDetector`). The
rules shared with the tabular detector (robust scaling, code-space distance, thresholds,
shares) are in ``sk_autoencoder._scoring``.
"""

from .detector import SeriesOutlierDetector
from .period import choose_window, dominant_period, series_memory
from .windows import SlidingWindows

__all__ = [
    "SeriesOutlierDetector",
    "SlidingWindows",
    "choose_window",
    "dominant_period",
    "series_memory",
]
