"""What the package gets wrong today, as strict xfails: ``KNOWN_FAILURES``.

Keys are ``(subjects, check pattern)``, values the reason: what happens today. ``subjects``
is an fnmatch pattern or a tuple of them: registry entry ids (``estimators.ENTRIES``),
``save``, or the loaders ``load_idx`` / ``load_image_folder``. A check is

- a test function name (``test_float64_input``);
- ``bad:<case>:<method>``: one bad input (``bad_inputs.py``) given to one method, ``fit``
  included;
- ``param:<name>=<value!r>``: fit with one bad constructor parameter (``bad_params.py``);
- ``call:<case>``: one bad argument of a fitted method (``bad_params.py``);
- ``load:<case>`` / ``save:<case>``: a damaged model directory or a bad save
  (``bad_files.py``); ``file:<case>`` for the loaders.

Strict: a case that starts passing fails loudly ("XPASS(strict)"), so remove its entry when
the fix lands.
"""

from __future__ import annotations

import fnmatch

import pytest

_EMPTY_IMAGES = (
    "an empty (0, 8, 8) image array fails in numpy's reshape in _core/layout.py flatten "
    "('cannot reshape array of size 0 into shape (0,newaxis)') instead of an error that says "
    "X has no samples"
)
# ---- load of a model directory edited with its checksums recomputed
_LOAD_IGNORES_EXTRA = (
    "load() accepts the file and ignores what it does not know (an extra top-level config key, "
    "or an extra tensor in weights.safetensors) instead of refusing it"
)
_LOAD_EXTRA_STATE_KEY = "an unknown key in the saved state ('bogus_') is ignored by load()"
_LOAD_MISSING_PARAMS = (
    "a config without its 'params' loads with every parameter at its default (or fails later "
    "with a message about the weights / member networks that does not say 'params' is "
    "missing)"
)
_LOAD_MISSING_PARAM = (
    "a config without one of its parameters (the first in sorted order, e.g. 'activation') "
    "loads with that parameter at its default, although the file names this package version "
    "(a file of an older version may lack newer parameters; this one cannot)"
)
_LOAD_MISSING_STATE = (
    "a config without its 'state' loads as an unfitted estimator (NotFittedError at the first "
    "transform) instead of refusing the file"
)
_LOAD_WRONG_TYPE_PARAM = (
    "a number parameter replaced by text (e.g. VAEGenerator beta='bogus', "
    "AutoencoderOutlierDetector fpr='bogus') loads without complaint; the estimator fails or "
    "misbehaves only when it is refitted"
)
_LOAD_NAN_TENSOR = (
    "a weights tensor full of NaN loads without complaint and transform / score_samples then "
    "return NaN"
)
_LOAD_TENSOR_SHAPE = (
    "a member tensor of SeriesOutlierDetector with one row too many loads without complaint"
)
# ---- bad parameters
_IMAGE_SHAPE_TEXT = (
    "image_shape='abc' fails inside the layout code with \"invalid literal for int() with base "
    "10: 'a'\", which does not name image_shape"
)
_BOOL_FLAGS = "early_stopping / warm_start take any truthy value ('yes', 2) without a check"
_LR_INF = (
    "lr=inf passes the parameter check; training diverges and fit raises FloatingPointError "
    "('the training loss became non-finite'), not a parameter error"
)
_TRAIN_SPLIT = (
    "train_split='bogus' fails in skorch with \"TypeError: 'str' object is not callable\""
)
_CALLBACKS = (
    "callbacks='bogus' fails in skorch with 'can only concatenate list (not \"str\") to list'"
)
# ---- bad arguments of fitted methods
_INTERPOLATE_STEPS = "interpolate coerces n_steps with int(): 2.5 gives 2 steps, '3' gives 3"
_INVERSE_NON_FINITE = (
    "TabularPreprocessor.inverse_transform of an encoded table holding NaN or inf returns a "
    "table holding NaN or inf (NaN decoded as a missing value) instead of refusing it"
)

KNOWN_FAILURES: dict[tuple[str | tuple[str, ...], str], str] = {
    ("*-noise-block", "bad:empty:*"): _EMPTY_IMAGES,
    ("*-conv2d", "bad:empty:*"): _EMPTY_IMAGES,
    ("pipeline-*", "test_float64_input"): (
        "TabularPipeline's tags come from the final autoencoder and say it preserves float64, "
        "but TabularPreprocessor always outputs float32, so transform of float64 input is "
        "float32"
    ),
    ("*", "load:extra-top-key"): _LOAD_IGNORES_EXTRA,
    ("*", "load:extra-tensor"): _LOAD_IGNORES_EXTRA,
    (
        ("ae-conv2d", "ae-undercomplete", "vae-undercomplete"),
        "load:extra-state-key",
    ): _LOAD_EXTRA_STATE_KEY,
    (
        (
            "ae-undercomplete",
            "detector-frame",
            "detector-vae",
            "image-scaler",
            "preprocessor-frame",
            "series-detector",
            "vae-undercomplete",
        ),
        "load:missing-params",
    ): _LOAD_MISSING_PARAMS,
    ("*", "load:missing-param"): _LOAD_MISSING_PARAM,
    ("*", "load:missing-state"): _LOAD_MISSING_STATE,
    (
        (
            "detector-frame",
            "detector-vae",
            "image-scaler",
            "pipeline-ae",
            "preprocessor-frame",
            "series-detector",
            "vae-undercomplete",
            "windows-frame",
        ),
        "load:wrong-type-param",
    ): _LOAD_WRONG_TYPE_PARAM,
    ("*", "load:nan-tensor"): _LOAD_NAN_TENSOR,
    ("series-detector", "load:tensor-shape"): _LOAD_TENSOR_SHAPE,
    ("*", "param:image_shape='abc'"): _IMAGE_SHAPE_TEXT,
    ("*", "param:early_stopping=*"): _BOOL_FLAGS,
    ("*", "param:warm_start=*"): _BOOL_FLAGS,
    ("*", "param:lr=inf"): _LR_INF,
    ("*", "param:train_split=*"): _TRAIN_SPLIT,
    ("*", "param:callbacks=*"): _CALLBACKS,
    ("*", "call:interpolate(n_steps=2.5)"): _INTERPOLATE_STEPS,
    ("*", "call:interpolate(n_steps='3')"): _INTERPOLATE_STEPS,
    (
        ("preprocessor-array", "preprocessor-frame"),
        "call:inverse_transform(nan)",
    ): _INVERSE_NON_FINITE,
    (
        ("preprocessor-array", "preprocessor-frame"),
        "call:inverse_transform(inf)",
    ): _INVERSE_NON_FINITE,
}


def known_failure(subject, check: str) -> str | None:
    """The reason ``check`` fails today for ``subject`` (an entry or an id), or None."""
    name = getattr(subject, "id", subject)
    for (subjects, check_pattern), reason in KNOWN_FAILURES.items():
        patterns = (subjects,) if isinstance(subjects, str) else subjects
        if any(fnmatch.fnmatchcase(name, p) for p in patterns) and fnmatch.fnmatchcase(
            check, check_pattern
        ):
            return reason
    return None


def marks(subject, check: str) -> list:
    """The strict-xfail mark of ``(subject, check)`` if it is a known failure."""
    reason = known_failure(subject, check)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
