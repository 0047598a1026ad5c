"""The parameter rules of ``AutoencoderOutlierDetector`` (see ``_core.params.check_params``).

Every parameter the detector hands to its members is checked here first, so that an error names
the detector's parameter (``hidden_width``, ``noise_level``, ...) and not the internal member
network that would otherwise refuse it.
"""

from __future__ import annotations

import numbers

from .._core.params import (
    auto_or_positive_int,
    non_negative_real,
    one_of,
    positive_int,
    positive_real,
)
from .._core.rules import DEVICE_RULES
from .._scoring import threshold_rules
from ..modules.corruption import NOISE_KINDS
from ..modules.networks import ACTIVATIONS

__all__ = ["MEMBER_CLASSES", "MODELS", "NOISES", "PARAM_RULES", "THRESHOLDS"]

THRESHOLDS = ("fpr", "mad", "contamination")
MODELS = ("ae", "vae")
# "block" masks rectangles of images: not a corruption of table rows.
NOISES = (None, *(kind for kind in NOISE_KINDS if kind != "block"))
# The member classes whose own messages a member's error would carry (they are internal).
MEMBER_CLASSES = ("AutoencoderEnsemble",)


def _noise_level(det):
    value, top = det.noise_level, 10 if det.noise == "gaussian" else 1
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) and 0 <= value <= top):
        return (
            f"noise_level must be a noise scale in [0, {top}] for noise={det.noise!r} (a share "
            f"in [0, 1] for 'mask', 'swap' and 'salt_pepper'), got {value!r}."
        )
    return None


PARAM_RULES = [
    ("model", one_of(*MODELS), f"one of {MODELS}"),
    *threshold_rules(THRESHOLDS),
    ("n_estimators", positive_int, ">= 1 (an int: the number of members)"),
    ("n_components", auto_or_positive_int, "'auto' or a positive int (the code size)"),
    ("hidden_width", auto_or_positive_int, "'auto' or a positive int"),
    ("n_steps", positive_int, ">= 1 (an int: optimizer steps)"),
    ("min_epochs", positive_int, ">= 1 (an int: passes over the data)"),
    ("activation", lambda v: v in ACTIVATIONS, f"one of {sorted(ACTIVATIONS)}"),
    ("noise", one_of(*NOISES), f"one of {NOISES}"),
    _noise_level,
    ("mad_k", positive_real, "a finite float > 0"),
    ("latent_weight", non_negative_real, ">= 0 (a finite float; 0 turns the code term off)"),
    ("trim_fraction", lambda v: non_negative_real(v) and v < 0.5, "in [0, 0.5) (a share)"),
    ("isolation_weight", non_negative_real, ">= 0 (a finite float; 0 turns the forest off)"),
    *DEVICE_RULES,
]
