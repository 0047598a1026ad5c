"""Synthetic rows from make_tabular_pipeline(VAEGenerator()): shapes, dtypes, missing values,
conditions, the mixture prior, saving, and the privacy check."""

import numpy as np
import pandas as pd
import pytest

import sk_autoencoder as ska
from sk_autoencoder import (
    TabularPreprocessor,
    VAEGenerator,
    make_tabular_pipeline,
    privacy_check,
)
from sk_autoencoder.generation.prior import MixturePrior

FAST = dict(max_epochs=15, random_state=0)


def toy_frame(n=600, seed=0):
    rng = np.random.RandomState(seed)
    rain = np.where(rng.rand(n) < 0.6, 0.0, rng.exponential(5.0, n).round(1))
    temp = rng.normal(20, 5, n)
    temp[rng.rand(n) < 0.2] = np.nan
    city = rng.choice(["A", "B", "C", "rare"], n, p=[0.5, 0.3, 0.17, 0.03]).astype(object)
    wind = rng.choice(["N", "S", None], n, p=[0.5, 0.4, 0.1]).astype(object)
    return pd.DataFrame(
        {
            "rain": rain,
            "temp": temp,
            "cloud": rng.randint(0, 9, n).astype(np.int64),
            "count": pd.array(rng.randint(0, 50, n), dtype="Int64"),
            "city": city,
            "kind": pd.Categorical(rng.choice(["x", "y"], n), categories=["y", "x"]),
            "wind": wind,
        }
    )


@pytest.fixture(scope="module")
def frame():
    return toy_frame()


@pytest.fixture(scope="module")
def fitted(frame):
    return make_tabular_pipeline(VAEGenerator(**FAST)).fit(frame)


def test_sampled_frame_has_the_training_columns_dtypes_and_categories(fitted, frame):
    syn = fitted.sample(400, random_state=0)
    assert list(syn.columns) == list(frame.columns)
    assert syn.dtypes.to_dict() == frame.dtypes.to_dict()
    assert list(syn["kind"].cat.categories) == ["y", "x"]
    assert set(syn["city"].dropna()) <= {"A", "B", "C", "rare"}
    # Integer columns come back as integers, within the training range.
    assert syn["cloud"].between(0, 8).all()
    assert syn["count"].dropna().between(0, 49).all()


def test_numeric_columns_keep_their_range_and_zero_inflation(fitted, frame):
    syn = fitted.sample(2000, random_state=1)
    rain = syn["rain"].to_numpy()
    assert rain.min() >= 0 and rain.max() <= frame["rain"].max()
    # About 60% of the training rain values are exactly zero; the samples keep that share.
    assert abs((rain == 0).mean() - (frame["rain"] == 0).mean()) < 0.1
    # Quantiles of a numeric column are close to the training ones (marginal calibration).
    q = [0.1, 0.5, 0.9]
    np.testing.assert_allclose(
        syn["temp"].quantile(q).to_numpy(), frame["temp"].quantile(q).to_numpy(), atol=1.5
    )


def test_missing_values_reappear_at_about_the_training_rate(fitted, frame):
    syn = fitted.sample(2000, random_state=2)
    for col in ("temp", "wind"):
        assert abs(syn[col].isna().mean() - frame[col].isna().mean()) < 0.07, col
    assert not syn["rain"].isna().any()  # no missing value in training: none generated


def test_category_frequencies_are_kept_rare_levels_included(fitted, frame):
    syn = fitted.sample(3000, random_state=3)
    share = syn["city"].value_counts(normalize=True)
    real = frame["city"].value_counts(normalize=True)
    assert "rare" in share.index  # a 3% level is generated, not folded into another
    for level in real.index:
        assert abs(share.get(level, 0.0) - real[level]) < 0.06, level


def test_sample_is_reproducible_and_seeded(fitted):
    a = fitted.sample(50, random_state=7)
    pd.testing.assert_frame_equal(a, fitted.sample(50, random_state=7))
    assert not a.equals(fitted.sample(50, random_state=8))


def test_save_load_keeps_sample_identical(fitted, tmp_path):
    ska.save(fitted, tmp_path / "gen")
    loaded = ska.load(tmp_path / "gen")
    assert loaded.marginals_ is not None and loaded[-1].prior_ is not None
    pd.testing.assert_frame_equal(
        loaded.sample(200, random_state=5), fitted.sample(200, random_state=5)
    )
    pd.testing.assert_frame_equal(
        loaded.sample(20, random_state=5, conditions={"city": "C"}),
        fitted.sample(20, random_state=5, conditions={"city": "C"}),
    )


@pytest.mark.parametrize(
    "conditions",
    [{"city": "rare"}, {"wind": None}, {"city": "A", "kind": "y"}, {"cloud": 3}, {"temp": 21.5}],
)
def test_conditions_are_honoured_exactly(fitted, conditions):
    syn = fitted.sample(30, random_state=0, conditions=conditions)
    assert len(syn) == 30
    for col, value in conditions.items():
        if value is None:
            assert syn[col].isna().all()
        else:
            assert (syn[col] == value).all(), col


def test_condition_on_a_grouped_numeric_level_is_written_in():
    # levels 3 and 4 are rare (grouped as infrequent): asking for 3 must give 3, not 4
    df = pd.DataFrame(
        {
            "c": pd.Series([1] * 60 + [2] * 60 + [3] * 2 + [4] * 3, dtype=object),
            "x": np.arange(125.0),
        }
    )
    pre = TabularPreprocessor(min_frequency=5)
    pipe = make_tabular_pipeline(VAEGenerator(max_epochs=2, random_state=0), pre).fit(df)
    assert pipe[0].infrequent_categories_["c"] == [4, 3]
    syn = pipe.sample(20, random_state=0, conditions={"c": 3})
    assert (syn["c"] == 3).all()


def test_conditions_shift_the_other_columns_consistently():
    # y is x's sign: rows asked for y="pos" must have x mostly positive.
    rng = np.random.RandomState(0)
    x = rng.normal(size=1500)
    df = pd.DataFrame({"x": x, "y": np.where(x > 0, "pos", "neg").astype(object)})
    pipe = make_tabular_pipeline(VAEGenerator(max_epochs=40, random_state=0)).fit(df)
    pos = pipe.sample(300, random_state=0, conditions={"y": "pos"})
    neg = pipe.sample(300, random_state=0, conditions={"y": "neg"})
    assert (pos["x"] > 0).mean() > 0.8 and (neg["x"] < 0).mean() > 0.8


@pytest.mark.parametrize(
    "conditions, message",
    [
        ({"town": "A"}, "not fitted on"),
        ({"city": "Z"}, "not a level"),
        ({"rain": None}, "no missing values"),
        ({"temp": 1e6}, "outside the training range"),
        ({"temp": "warm"}, "finite number"),
        ([("city", "A")], "non-empty dict"),
    ],
)
def test_bad_conditions_are_refused_by_name(fitted, conditions, message):
    with pytest.raises((ValueError, TypeError), match=message):
        fitted.sample(5, conditions=conditions)


def test_conditions_the_model_cannot_meet_raise_instead_of_looping(fitted, monkeypatch):
    from sk_autoencoder.generation import conditions as cond

    monkeypatch.setattr(cond, "MAX_DRAWS", 2000)
    monkeypatch.setattr(cond.Conditions, "budget", lambda self, n: 2000)
    with pytest.raises(ValueError, match="matched the conditions"):
        fitted.sample(5000, conditions={"city": "rare"})


def test_mixture_prior_is_fitted_and_sampled(frame):
    pre = TabularPreprocessor().fit(frame)
    X = pre.transform(frame)
    vae = VAEGenerator(**FAST).fit(X, feature_blocks=pre.feature_blocks_)
    assert isinstance(vae.prior_, MixturePrior)
    assert vae.prior_.means.shape[1] == vae.n_components_
    a = vae.sample(100, random_state=0)
    vae.set_params(prior="normal")
    b = vae.sample(100, random_state=0)
    assert a.shape == b.shape and not np.allclose(a, b)
    # prior="normal" at fit: no mixture, and asking for one later says so.
    plain = VAEGenerator(prior="normal", **FAST).fit(X, feature_blocks=pre.feature_blocks_)
    assert plain.prior_ is None
    with pytest.raises(ValueError, match="no mixture prior"):
        plain.set_params(prior="mixture").sample(3)


def test_likelihood_draws_are_one_hot_and_binary(frame):
    pre = TabularPreprocessor().fit(frame)
    vae = VAEGenerator(**FAST).fit(pre.transform(frame), feature_blocks=pre.feature_blocks_)
    out = vae.sample(200, random_state=0, draw="likelihood")
    for kind, a, b in pre.feature_blocks_:
        block = out[:, a:b]
        if kind == "categorical":
            np.testing.assert_array_equal(block.sum(axis=1), 1.0)
            assert set(np.unique(block)) <= {0.0, 1.0}
        elif kind == "binary":
            assert set(np.unique(block)) <= {0.0, 1.0}
    means = vae.sample(200, random_state=0)
    assert not set(np.unique(means[:, pre.feature_blocks_[-1][1]])) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="draw must be"):
        vae.sample(2, draw="mode")


def test_auto_code_size_of_the_mlp_vae():
    X = np.random.RandomState(0).rand(200, 64).astype(np.float32)
    assert VAEGenerator(max_epochs=1, random_state=0).fit(X).n_components_ == 16
    assert VAEGenerator(max_epochs=1, random_state=0).fit(X[:, :5]).n_components_ == 2


def test_verbose_fit_shows_progress(frame, capsys):
    make_tabular_pipeline(VAEGenerator(max_epochs=3, verbose=1, random_state=0)).fit(frame)
    out = capsys.readouterr().out
    assert "epoch" in out and "train_loss" in out


def test_quantile_transform_round_trips_and_refuses_partial_fit(frame, tmp_path):
    pre = TabularPreprocessor(numeric_transform="quantile").fit(frame)
    Xt = pre.transform(frame)
    assert np.abs(Xt).max() < 5.3
    back = pre.inverse_transform(Xt)
    np.testing.assert_allclose(back["temp"], frame["temp"], atol=0.05)
    np.testing.assert_array_equal(back["cloud"], frame["cloud"])
    ska.save(pre, tmp_path / "pre")
    np.testing.assert_array_equal(ska.load(tmp_path / "pre").transform(frame), Xt)
    with pytest.raises(ValueError, match="partial_fit"):
        TabularPreprocessor(numeric_transform="quantile").partial_fit(frame)
    with pytest.raises(ValueError, match="numeric_transform"):
        TabularPreprocessor(numeric_transform="rank").fit(frame)


def test_privacy_check_flags_a_model_that_copies_rows(frame):
    train, holdout = frame.iloc[:400], frame.iloc[400:]
    copied = privacy_check(train, train.sample(200, random_state=0), holdout)
    assert copied["memorised"] and copied["exact_copies"] == 1.0
    assert copied["dcr_median"] == 0.0 < copied["holdout_dcr_median"]
    pipe = make_tabular_pipeline(VAEGenerator(**FAST)).fit(train)
    honest = privacy_check(train, pipe.sample(400, random_state=0), holdout)
    assert not honest["memorised"]
    assert honest["exact_copies"] <= honest["holdout_exact_copies"] + 0.01
    with pytest.raises(ValueError, match="missing"):
        privacy_check(train, holdout.drop(columns=["rain"]), holdout)
