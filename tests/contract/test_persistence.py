"""Contract: pickle and the safe format (``sk_autoencoder.save`` / ``load``) give back an
estimator with identical outputs."""

from __future__ import annotations

import pickle

import sk_autoencoder as ska

from .helpers import assert_same_outputs, outputs, param_differences


def test_pickle_round_trip_gives_identical_outputs(entry, fitted, expected):
    copy_ = pickle.loads(pickle.dumps(fitted.est))
    assert type(copy_) is type(fitted.est)
    assert_same_outputs(outputs(copy_, entry, fitted.X, fitted.codes), expected)


def test_save_load_round_trip_gives_identical_outputs(entry, fitted, expected, tmp_path):
    ska.save(fitted.est, tmp_path / "model")
    loaded = ska.load(tmp_path / "model")
    assert type(loaded) is type(fitted.est)
    assert_same_outputs(outputs(loaded, entry, fitted.X, fitted.codes), expected)


def test_save_load_keeps_params(entry, fitted, tmp_path):
    ska.save(fitted.est, tmp_path / "model")
    loaded = ska.load(tmp_path / "model")
    assert type(loaded) is type(fitted.est)
    assert not param_differences(loaded.get_params(deep=False), fitted.est.get_params(deep=False))
