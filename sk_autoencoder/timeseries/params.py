"""The parameter rules of ``SeriesOutlierDetector`` (see ``_core.params.check_params``).

The parameters the detector hands to its member autoencoders are checked here first, so that an
error names the detector's parameter.
"""

from __future__ import annotations

from .._core.params import (
    auto_or_positive_int,
    is_int,
    non_negative_real,
    positive_int,
    positive_real,
)
from .._core.rules import DEVICE_RULES
from .._scoring import threshold_rules

__all__ = ["PARAM_RULES", "THRESHOLDS", "check_series_length"]

THRESHOLDS = ("mad", "fpr", "contamination")
_ARCHITECTURES = ("mlp", "conv")


def _hidden_layer_sizes(value) -> bool:
    if value is None:
        return True
    try:
        sizes = tuple(value)
    except TypeError:
        return False
    return len(sizes) > 0 and all(positive_int(h) for h in sizes)


# Every parameter check of the detector, in order.
PARAM_RULES = [
    ("window", lambda v: v is None or (is_int(v) and v >= 2), "None (automatic) or an int >= 2"),
    ("max_window", lambda v: is_int(v) and v >= 2, "an int >= 2"),
    ("architecture", lambda v: v in _ARCHITECTURES, f"one of {_ARCHITECTURES}"),
    *threshold_rules(THRESHOLDS),
    ("n_estimators", positive_int, ">= 1 (an int: the number of members)"),
    ("n_components", positive_int, "a positive int (the code size)"),
    ("hidden_layer_sizes", _hidden_layer_sizes, "None (automatic) or a tuple of positive ints"),
    ("max_epochs", auto_or_positive_int, "'auto' or a positive int"),
    ("latent_weight", non_negative_real, ">= 0 (a finite float; 0 turns the term off)"),
    ("activity_weight", non_negative_real, ">= 0 (a finite float; 0 turns the term off)"),
    ("mad_k", positive_real, "a finite float > 0"),
    (
        "error_context",
        lambda v: v is None or (positive_real(v) and v >= 1),
        "None or a number >= 1 (a finite count of windows' lengths)",
    ),
    *DEVICE_RULES,
]


def check_series_length(det, n_steps: int, window: int) -> None:
    """Refuse a training series with fewer than ``window`` windows (``2 * window - 1`` steps).

    The robust statistics that normalise window scores need that many windows to be more than
    a handful of near-equal values.
    """
    name = type(det).__name__
    if n_steps < window:
        raise ValueError(
            f"{name}: the series has {n_steps} time steps, fewer than window={window}; pass a "
            "longer series or a smaller window."
        )
    if n_steps - window + 1 < window:
        raise ValueError(
            f"{name}: the series has {n_steps} time steps, {n_steps - window + 1} windows of "
            f"window={window}; fitting needs at least {window} windows ({2 * window - 1} "
            "steps): pass a longer series or a smaller window."
        )
