"""Bad parameters: constructor parameters ``fit`` must refuse, and bad arguments of the fitted
methods.

Constructor parameters (:data:`PARAM_CASES`): for each estimator (a registry entry whose
estimator and data are used), ``{parameter: bad values}``; each value is one test,
``entry.make().set_params(name=value).fit(entry.data())``, which must raise a ValueError or
TypeError whose message names the parameter (the house style is ``"<Class>: <param> must be
<expected>, got <value!r>."``). :data:`CROSS_PARAM_CASES` are combinations that are only
wrong together (``SlidingWindows(window=4, stride=8)`` skips steps).

Method arguments (:data:`CALL_CASES`): ``call(est, fitted)`` on the fitted estimator of each
listed entry must raise ``error`` with a message matching ``match``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from .estimators import ENTRIES

NAN, INF = float("nan"), float("inf")
PARAM_ERRORS = (ValueError, TypeError)

# Bad values by kind of parameter.
COUNT = (0, -1, 2.5, NAN, INF, True, "3")  # a positive int
WEIGHT = (-1, NAN, INF, "x")  # a finite float >= 0
SHARE = (0, 1, -0.5, NAN)  # a share in (0, 1)
UNKNOWN = ("bogus",)  # one of a few strings
SEED = ("abc", 2.5)  # int, RandomState or None


@dataclasses.dataclass(frozen=True, eq=False)
class BadParam:
    entry: str  # registry entry id: its estimator, set_params(**params), fitted on its data
    params: dict
    match: str  # a regular expression the message must match (searched case-insensitively)

    @property
    def id(self) -> str:
        return ",".join(f"{k}={v!r}" for k, v in self.params.items())


AUTOENCODER_PARAMS = {
    "n_components": COUNT,
    "hidden_layer_sizes": ((0,), (-1,), (2.5,), (NAN,), "abc", 0),
    "activation": UNKNOWN,
    "loss": UNKNOWN,
    "sparsity": UNKNOWN,
    "sparsity_weight": WEIGHT,
    "contractive_weight": WEIGHT,
    "noise": UNKNOWN,
    "noise_level": (-0.1, NAN, INF, 11, "x"),
    "architecture": UNKNOWN,
    "image_shape": ((0, 6), (6,), "abc", (2, -3)),
    "early_stopping": ("yes", 2),
    "validation_fraction": SHARE,
    "n_iter_no_change": COUNT,
    "tol": (-1, NAN, INF, "x"),
    "max_epochs": COUNT,
    "lr": (0, -1, NAN, INF, True, "3"),
    "lr_schedule": UNKNOWN,
    "batch_size": COUNT,
    "optimizer": ("adam", 3),
    "device": ("bogus", 3),
    "mixed_precision": ("yes", 2),
    "random_state": SEED,
    "train_split": ("bogus",),
    "warm_start": ("yes",),
    "callbacks": ("bogus",),
}
VAE_PARAMS = {
    **AUTOENCODER_PARAMS,
    "beta": (-1, NAN, INF, "1"),
    "n_importance_samples": (0, -1, 2.5, NAN, True),
}
_CODEC_FIXED = {"architecture", "loss", "sparsity", "sparsity_target", "sparsity_weight"}
_CODEC_FIXED |= {"contractive_weight", "noise", "noise_level"}
CODEC_PARAMS = {
    **{k: v for k, v in AUTOENCODER_PARAMS.items() if k not in _CODEC_FIXED},
    "lmbda": (0, -1, NAN, INF, "0.01", True),
}
DETECTOR_PARAMS = {
    "n_estimators": COUNT,
    "model": UNKNOWN,
    "n_components": COUNT,
    "hidden_width": COUNT,
    "n_steps": COUNT,
    "min_epochs": (-1, 2.5, NAN, INF, True, "3"),
    "activation": UNKNOWN,
    "noise": UNKNOWN,
    "noise_level": (-1, NAN, INF),
    "holdout_fraction": SHARE,
    "threshold": UNKNOWN,
    "fpr": SHARE,
    "mad_k": (-1, NAN, INF, "x"),
    "contamination": (0, 0.6, NAN, "x"),
    "latent_weight": WEIGHT,
    "device": ("bogus",),
    "random_state": SEED,
}
SERIES_DETECTOR_PARAMS = {
    "window": (0, 1, 2.5, NAN, INF, "16", True),
    "max_window": (0, -1, 2.5, NAN),
    "architecture": UNKNOWN,
    "n_components": COUNT,
    "hidden_layer_sizes": ((0,), "abc"),
    "n_estimators": COUNT,
    "max_epochs": COUNT,
    "latent_weight": WEIGHT,
    "activity_weight": WEIGHT,
    "error_context": (0, -1, NAN, INF, "x"),
    "threshold": UNKNOWN,
    "mad_k": (-1, NAN, INF, "x"),
    "fpr": SHARE,
    "holdout_fraction": SHARE,
    "contamination": (0, 0.6, NAN),
    "device": ("bogus",),
    "random_state": SEED,
}
WINDOWS_PARAMS = {
    "window": (0, 1, 2.5, NAN, INF, "4", None, True),
    "stride": (0, -1, 2.5, NAN, INF, True),
    "scaling": UNKNOWN,
}
PREPROCESSOR_PARAMS = {
    "categorical_columns": (3, ["nope"]),
    "numeric_columns": (3, ["nope"]),
    "min_frequency": (-1, 1.5, NAN, INF, "x"),
    "max_categories": (0, -1, 2.5, NAN, INF, "x"),
    "missing_indicator": ("yes", 1, None),
    "scale": ("yes", 1, None),
}
IMAGE_SCALER_PARAMS = {"max_value": (0, -1, NAN, INF, "x", True)}

# entry id -> {parameter: bad values}
PARAMS_BY_ENTRY = {
    "ae-undercomplete": AUTOENCODER_PARAMS,
    "vae-undercomplete": VAE_PARAMS,
    "detector-array": DETECTOR_PARAMS,
    "series-detector": SERIES_DETECTOR_PARAMS,
    "windows-array": WINDOWS_PARAMS,
    "preprocessor-frame": PREPROCESSOR_PARAMS,
    "image-scaler": IMAGE_SCALER_PARAMS,
    "image-codec": CODEC_PARAMS,
}
CROSS_PARAM_CASES = [
    BadParam("ae-undercomplete", dict(sparsity="kl", sparsity_target=0), "sparsity_target"),
    BadParam("ae-undercomplete", dict(sparsity="kl", sparsity_target=NAN), "sparsity_target"),
    BadParam("ae-undercomplete", dict(noise="mask", noise_level=1.5), "noise_level"),
    BadParam("ae-undercomplete", dict(image_shape=(1, 4, 4)), "image_shape"),  # 16 != 6 columns
    BadParam("ae-undercomplete", dict(architecture="conv"), "image_shape"),  # table, no layout
    BadParam("ae-undercomplete", dict(noise="block"), "noise"),  # block needs images
    BadParam("ae-undercomplete", dict(loss="bce"), "bce"),  # data outside [0, 1]
    BadParam("detector-array", dict(threshold="contamination"), "contamination"),
    BadParam("series-detector", dict(window=300), "window"),  # longer than the series
    BadParam("windows-array", dict(window=4, stride=8), "stride"),  # steps in no window
    BadParam(
        "preprocessor-frame", dict(categorical_columns=["temp"], numeric_columns=["temp"]), "temp"
    ),
    BadParam("preprocessor-frame", dict(numeric_columns=["dir"]), "dir"),
]
# What a message must match, where naming the problem is enough (scikit-learn's own check of
# random_state says the value "cannot be used to seed a numpy.random.RandomState instance").
MATCH = {"random_state": r"\brandom_state\b|cannot be used to seed"}
PARAM_CASES = [
    BadParam(entry, {name: value}, MATCH.get(name, rf"\b{name}\b"))
    for entry, params in PARAMS_BY_ENTRY.items()
    for name, values in params.items()
    for value in values
] + CROSS_PARAM_CASES


# ------------------------------------------------------------------------------ method args
@dataclasses.dataclass(frozen=True, eq=False)
class BadCall:
    id: str
    call: Callable[[Any, Any], Any]  # (fitted estimator, contract Fitted) -> output
    match: str
    entries: tuple[str, ...]
    error: type[Exception] | tuple[type[Exception], ...] = PARAM_ERRORS


def _codes_with(value):
    def call(est, fitted):
        codes = np.array(fitted.codes, dtype=np.float64)
        codes.flat[1] = value
        return est.inverse_transform(codes)

    return call


def _first_with(value):
    """interpolate from the first sample with one value replaced to the second."""

    def call(est, fitted):
        x_a = np.array(fitted.X[0], dtype=np.float64)
        x_a.flat[0] = value
        return est.interpolate(x_a, fitted.X[1])

    return call


def _windows_inverse(n_steps):
    return lambda est, fitted: est.inverse_transform(fitted.codes, n_steps=n_steps)


SAMPLERS = ("vae-undercomplete", "pipeline-vae")
EXPLAINERS = ("detector-array", "detector-frame", "detector-vae")
INTERPOLATORS = ("ae-undercomplete", "vae-undercomplete", "ae-conv2d", "vae-conv2d")
SERIES_DETECTORS = ("series-detector", "series-detector-frame")
WINDOWS = ("windows-array", "windows-frame")
INVERTERS = tuple(e.id for e in ENTRIES if "inverse_transform" in e.methods)
CODE_CHECKERS = tuple(e for e in INVERTERS if not e.startswith("preprocessor"))

CALL_CASES = [
    *(
        BadCall(f"sample({n!r})", lambda est, f, n=n: est.sample(n), "n_samples", SAMPLERS)
        for n in (2.5, "3", -1, True, NAN, None)
    ),
    BadCall(
        "sample(random_state='x')",
        lambda est, f: est.sample(3, random_state="x"),
        "random_state|seed",
        SAMPLERS,
    ),
    *(
        BadCall(
            f"explain(top_k={k!r})",
            lambda est, f, k=k: est.explain(f.X, top_k=k),
            "top_k",
            EXPLAINERS,
        )
        for k in (0, -1, 2.5, "2", None, True, NAN)
    ),
    *(
        BadCall(
            f"interpolate(n_steps={n!r})",
            lambda est, f, n=n: est.interpolate(f.X[0], f.X[1], n_steps=n),
            "n_steps",
            INTERPOLATORS,
        )
        for n in (0, 1, -1, 2.5, "3", True)
    ),
    BadCall("interpolate(nan)", _first_with(NAN), "NaN", INTERPOLATORS),
    BadCall("interpolate(inf)", _first_with(INF), "inf", INTERPOLATORS),
    BadCall(
        "interpolate(shapes differ)",
        lambda est, f: est.interpolate(f.X[0], f.X[1][:-1]),
        "same shape",
        INTERPOLATORS,
    ),
    BadCall(
        "interpolate(wrong width)",
        lambda est, f: est.interpolate(f.X[0][:-1], f.X[1][:-1]),
        r"features|image_shape",
        INTERPOLATORS,
    ),
    *(
        BadCall(
            f"anomalous_intervals(merge_gap={g!r})",
            lambda est, f, g=g: est.anomalous_intervals(f.X, merge_gap=g),
            "merge_gap",
            SERIES_DETECTORS,
        )
        for g in (-1, 2.5, "x", NAN)
    ),
    *(
        BadCall(f"inverse_transform(n_steps={n!r})", _windows_inverse(n), "n_steps", WINDOWS)
        for n in (0, -1, 2.5, 5, "x")
    ),
    BadCall(
        "inverse_transform(no windows)",
        lambda est, f: est.inverse_transform(f.codes[:0]),
        r"0 windows|no windows|empty",
        WINDOWS,
    ),
    # TabularPreprocessor decodes non-finite codes to missing values, its documented handling
    # (tests/test_preprocessing.py); every other inverse_transform refuses them.
    BadCall("inverse_transform(nan)", _codes_with(NAN), "NaN", CODE_CHECKERS),
    BadCall("inverse_transform(inf)", _codes_with(INF), "inf", CODE_CHECKERS),
    BadCall(
        "inverse_transform(wrong width)",
        lambda est, f: est.inverse_transform(np.asarray(f.codes)[..., :-1]),
        r"columns|features|values per sample|shape",
        INVERTERS,
    ),
    BadCall(
        "inverse_transform(1-d)",
        lambda est, f: est.inverse_transform(np.asarray(f.codes)[0]),
        r"2D|2-D|shape|values per sample",
        INVERTERS,
    ),
    BadCall(
        "inverse_transform(strings)",
        lambda est, f: est.inverse_transform(np.full(np.shape(f.codes), "a")),
        r"string|numeric",
        INVERTERS,
    ),
]
