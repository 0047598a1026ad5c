"""Contract: feature names, ``set_output``, float32 / float64 input and seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.utils import get_tags

from .helpers import assert_same, assert_same_outputs, cast, codes_of, outputs

# Outputs that hold no NaN or infinity for data without them (inverse_transform may decode
# a missing-indicator to NaN).
FINITE = ("transform", "score_samples", "decision_function", "reconstruction_error", "sample")


def _width(out) -> int:
    return int(np.prod(np.shape(out)[1:]))


@pytest.mark.applies(lambda e: e.feature_names)
def test_feature_names_out_match_output_width(entry, fitted):
    names = fitted.est.get_feature_names_out()
    assert len(names) == _width(fitted.est.transform(fitted.X))
    assert all(isinstance(n, str) for n in names)
    assert len(set(names)) == len(names), "feature names are not unique"


@pytest.mark.applies(lambda e: e.set_output)
def test_set_output_pandas(entry, fitted):
    est = entry.make().set_output(transform="pandas")
    Xt = est.fit_transform(fitted.X)
    again = est.transform(fitted.X)
    names = list(est.get_feature_names_out())
    index = fitted.X.index if isinstance(fitted.X, pd.DataFrame) else pd.RangeIndex(len(Xt))
    for out in (Xt, again):
        assert isinstance(out, pd.DataFrame)
        assert list(out.columns) == names
        pd.testing.assert_index_equal(out.index, index)
    # the same numbers as the default output of an estimator fitted the same way
    np.testing.assert_array_equal(again.to_numpy(), fitted.est.transform(fitted.X))
    pd.testing.assert_frame_equal(Xt, again)


def _check_dtype(entry, fitted, dtype):
    """The fitted estimator predicts from ``dtype`` input, and a new one fits on it: finite
    outputs, ``transform`` in ``dtype`` where the estimator's tags say it preserves it."""
    X = cast(fitted.X, dtype)
    preserved = get_tags(fitted.est).transformer_tags
    preserved = preserved.preserves_dtype if preserved is not None else []
    for est in (fitted.est, entry.make().fit(X)):  # predicting in dtype, then fitting too
        out = outputs(est, entry, X, codes_of(est, entry, X))
        for method, value in out.items():
            if method in FINITE and isinstance(value, np.ndarray):
                assert np.isfinite(value).all(), method
        if "transform" in out and np.dtype(dtype).name in preserved:
            assert out["transform"].dtype == dtype, "transform does not preserve the dtype"
        if "score_samples" in out:
            assert np.shape(out["score_samples"]) == (len(X),)


def test_float32_input(entry, fitted):
    _check_dtype(entry, fitted, np.float32)


def test_float64_input(entry, fitted):
    _check_dtype(entry, fitted, np.float64)


@pytest.fixture(scope="module")
def refit(entry, fitted):
    """A second fit with the same seed, and the global random states before and after it."""
    before = (torch.get_rng_state(), np.random.get_state())
    twin = entry.make().fit(fitted.X)
    after = (torch.get_rng_state(), np.random.get_state())
    return twin, before, after


def test_same_random_state_gives_identical_outputs(entry, fitted, expected, refit):
    twin, _, _ = refit
    codes = codes_of(twin, entry, fitted.X)
    if codes is not None:
        assert_same(codes, fitted.codes, "transform")
    assert_same_outputs(outputs(twin, entry, fitted.X, fitted.codes), expected)


def test_fit_leaves_the_global_random_state_alone(entry, refit):
    _, (torch_before, np_before), (torch_after, np_after) = refit
    assert torch.equal(torch_before, torch_after), "fit advanced torch's global RNG"
    assert np_before[0] == np_after[0]
    np.testing.assert_array_equal(np_before[1], np_after[1], "fit advanced numpy's global RNG")
    assert np_before[2:] == np_after[2:]
