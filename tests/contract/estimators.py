"""The registry of the contract suite: every public estimator, at toy size.

Each :class:`Entry` says how to build the unfitted estimator, how to make small data to fit
it on, which output methods it has and which bad inputs it must refuse. The test modules of
this package run the same checks over :data:`ENTRIES`; a new estimator (or a new setting of
one) is covered by adding an entry here.

Output methods and how they are called (``helpers.call``):

- ``inverse_transform`` gets the fitted estimator's own ``transform(X)`` (codes, windows,
  scaled pixels, encoded tables);
- ``sample`` draws 5 rows with ``random_state=0``;
- every other method (:data:`INPUT_METHODS`) gets ``X`` itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from sk_autoencoder import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ImageCodec,
    ImageScaler,
    SeriesOutlierDetector,
    SlidingWindows,
    TabularPreprocessor,
    VAEGenerator,
    make_tabular_pipeline,
)

from .bad_inputs import (
    AE_ARRAY_CASES,
    ARRAY_FIT_CASES,
    DETECTOR_ARRAY_CASES,
    FRAME_CASES,
    IMAGE_CASES,
    IMAGE_FIT_CASES,
    IMAGE_ROWS_SCALER_CASES,
    IMAGE_SCALER_CASES,
    PREPROCESSOR_ARRAY_CASES,
    PREPROCESSOR_FRAME_CASES,
    SERIES_ARRAY_CASES,
    SERIES_FRAME_CASES,
    BadInput,
    Handled,
)
from .known_failures import KNOWN_FAILURES, known_failure  # noqa: F401 (the registry's table)

# Methods whose argument is the input X (``inverse_transform`` takes outputs, ``sample`` a
# count).
INPUT_METHODS = (
    "transform",
    "score_samples",
    "decision_function",
    "predict",
    "reconstruction_error",
    "denoise",
    "explain",
    "anomalous_intervals",
)
N_SAMPLES = 5


@dataclasses.dataclass(frozen=True, eq=False)
class Entry:
    id: str
    make: Callable[[], Any]  # a new unfitted estimator, seeded where it has a seed
    data: Callable[[], Any]  # new fitting data (small)
    methods: tuple[str, ...]  # output methods, see the module docstring
    feature_names: bool = False  # has get_feature_names_out, one name per output column
    set_output: bool = False  # set_output(transform="pandas") gives a DataFrame
    bad_inputs: tuple[BadInput | Handled, ...] = ()  # see bad_inputs.py
    row_wise: bool = True  # outputs have one row per input row (not so for series)

    def __repr__(self) -> str:
        return f"Entry({self.id})"

    @property
    def input_methods(self) -> tuple[str, ...]:
        return tuple(m for m in self.methods if m in INPUT_METHODS)


# ------------------------------------------------------------------------------ data
def table(n=64, d=6, seed=0) -> np.ndarray:
    """Rows near a 2-D plane in R^d, float64."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)) @ rng.normal(size=(2, d)) + 0.1 * rng.normal(size=(n, d))


def table_with_nan(n=64, d=4, seed=0) -> np.ndarray:
    X = table(n, d, seed)
    X[::7, 1] = np.nan
    return X


def frame(n=64, seed=0) -> pd.DataFrame:
    """A mixed table: floats with NaN, a category with NaN, strings, booleans."""
    rng = np.random.default_rng(seed)
    temp = rng.normal(20, 5, n)
    df = pd.DataFrame(
        {
            "temp": temp,
            "wind": 0.5 * temp + rng.gamma(2.0, 3.0, n),
            "dir": pd.Categorical(rng.choice(["N", "S", "E", "W"], n)),
            "kind": pd.Series(rng.choice(["a", "b", "c"], n), dtype=object),
            "rain": rng.choice([True, False], n),
        }
    )
    df.loc[::9, "temp"] = np.nan
    df.loc[3::11, "dir"] = np.nan
    return df


def images(n=48, size=8, seed=0) -> np.ndarray:
    """(n, size, size) float64 images in [0, 1]: one Gaussian blob each."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    cy, cx = rng.uniform(1, size - 2, (2, n, 1, 1))
    width = rng.uniform(1.0, 2.5, (n, 1, 1))
    return np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * width**2))


def pixel_images(n=48) -> np.ndarray:
    return np.rint(255 * images(n)).astype(np.uint8)


def pixel_rows(n=48) -> np.ndarray:
    return pixel_images(n).reshape(n, -1)


def windows(n=48, channels=2, length=16, seed=0) -> np.ndarray:
    """(n, channels * length) windows of noisy sines, channel-major (a row reshaped to
    (channels, length) is one window)."""
    rng = np.random.default_rng(seed)
    t = np.arange(length) + rng.uniform(0, 20, (n, 1, 1))
    phase = np.arange(channels)[None, :, None]
    W = np.sin(2 * np.pi * t / 8 + phase) + 0.05 * rng.normal(size=(n, channels, length))
    return W.reshape(n, -1)


def series(T=240, channels=1, seed=0) -> np.ndarray:
    """A noisy sine of period 12 with one spike; (T,) for one channel, else (T, channels)."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)[:, None]
    x = np.sin(2 * np.pi * t / 12 + np.arange(channels)) + 0.05 * rng.normal(size=(T, channels))
    x[T // 2] += 3.0
    return x[:, 0] if channels == 1 else x


def series_frame(T=240, seed=0) -> pd.DataFrame:
    """Two channels with a datetime column, a gap of 3 hours and a missing value."""
    x = series(T, channels=2, seed=seed)
    df = pd.DataFrame(
        {"time": pd.date_range("2024-01-01", periods=T, freq="h"), "load": x[:, 0], "temp": x[:, 1]}
    )
    df.loc[40, "temp"] = np.nan
    return df.drop(index=range(100, 103)).reset_index(drop=True)


# ------------------------------------------------------------------------------ entries
AE_METHODS = ("transform", "inverse_transform", "score_samples", "reconstruction_error", "denoise")
VAE_METHODS = (*AE_METHODS, "sample")
DETECTOR_METHODS = ("score_samples", "decision_function", "predict", "reconstruction_error")
TOY = dict(n_components=2, max_epochs=2, random_state=0)

# family id -> (parameters, data, bad inputs): every family setting of both estimators.
FAMILIES = {
    "undercomplete": ({}, table, (*AE_ARRAY_CASES, *ARRAY_FIT_CASES)),
    "sparse-l1": (dict(sparsity="l1"), table, AE_ARRAY_CASES),
    "sparse-kl": (dict(sparsity="kl", sparsity_target=0.1), table, AE_ARRAY_CASES),
    "contractive": (dict(contractive_weight=1e-2), table, AE_ARRAY_CASES),
    "noise-gaussian": (dict(noise="gaussian", noise_level=0.2), table, AE_ARRAY_CASES),
    "noise-mask": (dict(noise="mask", noise_level=0.2), table, AE_ARRAY_CASES),
    "noise-swap": (dict(noise="swap", noise_level=0.2), table, AE_ARRAY_CASES),
    "noise-salt_pepper": (dict(noise="salt_pepper", noise_level=0.2), table, AE_ARRAY_CASES),
    # "block" masks a rectangle of each image: an MLP on (n, 8, 8) images
    "noise-block": (
        dict(noise="block", noise_level=0.25),
        images,
        (*IMAGE_CASES, *IMAGE_FIT_CASES),
    ),
    "conv2d": (dict(architecture="conv"), images, (*IMAGE_CASES, *IMAGE_FIT_CASES)),
    "conv1d": (
        dict(architecture="conv", image_shape=(2, 16)),
        windows,
        (*AE_ARRAY_CASES, *ARRAY_FIT_CASES),
    ),
}
VAE_ONLY = {"beta": (dict(beta=4.0), table, AE_ARRAY_CASES)}


def _factory(cls, **params):
    return lambda: cls(**params)


def _family_entries() -> list[Entry]:
    entries = []
    for cls, prefix, methods, families in (
        (AutoencoderTransformer, "ae", AE_METHODS, FAMILIES),
        (VAEGenerator, "vae", VAE_METHODS, {**FAMILIES, **VAE_ONLY}),
    ):
        for family, (params, data, cases) in families.items():
            entries.append(
                Entry(
                    id=f"{prefix}-{family}",
                    make=_factory(cls, **TOY, **params),
                    data=data,
                    methods=methods,
                    feature_names=True,
                    set_output=True,
                    bad_inputs=cases,
                )
            )
    return entries


DETECTOR = dict(n_estimators=2, n_steps=20, min_epochs=1, random_state=0)
SERIES_DETECTOR = dict(window=16, n_estimators=1, max_epochs=2, random_state=0)
SERIES_METHODS = (*DETECTOR_METHODS, "explain", "anomalous_intervals")

ENTRIES: list[Entry] = [
    *_family_entries(),
    Entry(
        "detector-array",
        _factory(AutoencoderOutlierDetector, **DETECTOR),
        table,
        (*DETECTOR_METHODS, "explain"),
        bad_inputs=DETECTOR_ARRAY_CASES,
    ),
    # The detector takes DataFrames itself (a TabularPreprocessor inside), so it is not put
    # behind make_tabular_pipeline.
    Entry(
        "detector-frame",
        _factory(AutoencoderOutlierDetector, **DETECTOR),
        frame,
        (*DETECTOR_METHODS, "explain"),
        bad_inputs=FRAME_CASES,
    ),
    Entry(
        "detector-vae",
        _factory(AutoencoderOutlierDetector, model="vae", **DETECTOR),
        table,
        (*DETECTOR_METHODS, "explain"),
        bad_inputs=DETECTOR_ARRAY_CASES,
    ),
    Entry(
        "series-detector",
        _factory(SeriesOutlierDetector, **SERIES_DETECTOR),
        series,
        SERIES_METHODS,
        bad_inputs=SERIES_ARRAY_CASES,
        row_wise=False,
    ),
    Entry(
        "series-detector-frame",
        _factory(SeriesOutlierDetector, **{**SERIES_DETECTOR, "n_estimators": 2}),
        series_frame,
        SERIES_METHODS,
        bad_inputs=SERIES_FRAME_CASES,
        row_wise=False,
    ),
    Entry(
        "series-detector-conv",
        _factory(SeriesOutlierDetector, architecture="conv", **SERIES_DETECTOR),
        lambda: series(channels=2),
        SERIES_METHODS,
        bad_inputs=SERIES_ARRAY_CASES,
        row_wise=False,
    ),
    Entry(
        "windows-array",
        _factory(SlidingWindows, window=16),
        lambda: series(channels=2),
        ("transform", "inverse_transform"),
        bad_inputs=SERIES_ARRAY_CASES,
        row_wise=False,
    ),
    Entry(
        "windows-frame",
        _factory(SlidingWindows, window=16, stride=4, scaling="standard"),
        series_frame,
        ("transform", "inverse_transform"),
        bad_inputs=SERIES_FRAME_CASES,
        row_wise=False,
    ),
    Entry(
        "preprocessor-frame",
        TabularPreprocessor,
        frame,
        ("transform", "inverse_transform"),
        feature_names=True,
        set_output=True,
        bad_inputs=PREPROCESSOR_FRAME_CASES,
    ),
    Entry(
        "preprocessor-array",
        TabularPreprocessor,
        table_with_nan,
        ("transform", "inverse_transform"),
        feature_names=True,
        set_output=True,
        bad_inputs=PREPROCESSOR_ARRAY_CASES,
    ),
    # Float images in [0, 1] (uint8 pixels are covered by tests/test_codec.py: their float32
    # copies, 0..255, are refused by design, so the dtype checks here do not apply to them).
    Entry(
        "image-codec",
        _factory(ImageCodec, max_epochs=2, random_state=0),
        images,
        ("transform", "inverse_transform", "score_samples", "reconstruction_error", "denoise"),
        feature_names=True,
        set_output=True,
        bad_inputs=(*IMAGE_CASES, *IMAGE_FIT_CASES),
    ),
    # (n, 8, 8) uint8 images: set_output needs 2-D output, so only the rows entry checks it
    Entry(
        "image-scaler",
        ImageScaler,
        pixel_images,
        ("transform", "inverse_transform"),
        feature_names=True,
        bad_inputs=IMAGE_SCALER_CASES,
    ),
    Entry(
        "image-scaler-rows",
        ImageScaler,
        pixel_rows,
        ("transform", "inverse_transform"),
        feature_names=True,
        set_output=True,
        bad_inputs=IMAGE_ROWS_SCALER_CASES,
    ),
    Entry(
        "pipeline-ae",
        lambda: make_tabular_pipeline(AutoencoderTransformer(**TOY)),
        frame,
        ("transform", "inverse_transform", "score_samples"),
        feature_names=True,
        set_output=True,
        bad_inputs=FRAME_CASES,
    ),
    Entry(
        "pipeline-vae",
        lambda: make_tabular_pipeline(VAEGenerator(**TOY)),
        frame,
        ("transform", "inverse_transform", "score_samples", "sample"),
        feature_names=True,
        set_output=True,
        bad_inputs=FRAME_CASES,
    ),
]

assert len({e.id for e in ENTRIES}) == len(ENTRIES), "entry ids must be unique"
