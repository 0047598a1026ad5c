"""Tests of AutoencoderOutlierDetector (small synthetic data; no shared data needed)."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_autoencoder import AutoencoderOutlierDetector
from sk_autoencoder.outliers import evaluate_detector

FAST = dict(n_estimators=2, n_steps=40, min_epochs=1)

# Checks that cannot hold for this estimator, with the reason.
EXPECTED_FAILED_CHECKS = {
    "check_fit2d_1sample": "needs at least 4 rows (a hold-out is calibrated in fit)",
    "check_methods_subset_invariance": (
        "float32 network: results differ by ~1e-6 relative with the batch (check uses 1e-7)"
    ),
}


def _normal(n=400, p=5, seed=0):
    rng = np.random.RandomState(seed)
    latent = rng.normal(size=(n, 2))
    W = rng.normal(size=(2, p))
    return (latent @ W + 0.1 * rng.normal(size=(n, p))).astype(np.float32)


@parametrize_with_checks(
    [AutoencoderOutlierDetector(random_state=0, **FAST)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_clean_training_data_flags_few():
    X = _normal(600)
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(X)
    assert det.threshold_ == "fpr"
    X_new = _normal(600, seed=0)  # same distribution (same W), new noise irrelevant here
    share = np.mean(det.predict(X_new) == -1)
    assert share < 0.08
    det_mad = AutoencoderOutlierDetector(threshold="mad", random_state=0, **FAST).fit(X)
    assert np.mean(det_mad.predict(X) == -1) < 0.08


def test_planted_outliers_score_lower():
    X = _normal(500)
    rng = np.random.RandomState(1)
    out = rng.normal(scale=4, size=(20, X.shape[1])).astype(np.float32)
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(X)
    s_in, s_out = det.score_samples(X[:200]), det.score_samples(out)
    assert np.median(s_out) < np.quantile(s_in, 0.05)
    y = np.r_[np.zeros(200), np.ones(20)]
    res = evaluate_detector(det, np.r_[X[:200], out], y)
    assert res["roc_auc"] > 0.9
    assert set(res) >= {"roc_auc", "average_precision", "precision", "recall"}
    np.testing.assert_allclose(det.decision_function(out), det.score_samples(out) - det.offset_)
    np.testing.assert_allclose(det.reconstruction_error(out), -det.score_samples(out))


@pytest.mark.parametrize("contamination", [0.05, 0.1, 0.2])
def test_contamination_share_on_training_data(contamination):
    X = _normal(400)
    det = AutoencoderOutlierDetector(contamination=contamination, random_state=0, **FAST)
    share = np.mean(det.fit_predict(X) == -1)
    assert det.threshold_ == "contamination"
    assert abs(share - contamination) < 0.01


def test_constant_column():
    X = _normal(300)
    X = np.c_[X, np.full(len(X), 3.0, dtype=np.float32)]
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(X)
    s = det.score_samples(X)
    assert np.all(np.isfinite(s))
    ex = det.explain(X[:5])
    assert np.all(np.isfinite(ex.filter(like="share:").to_numpy()))


def test_dataframe_with_categorical_and_missing():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    n = 400
    a = rng.normal(size=n)
    cat = np.where(a > 0, "hi", "lo").astype(object)
    df = pd.DataFrame({"a": a, "b": 2 * a + 0.1 * rng.normal(size=n), "kind": cat})
    df.loc[::37, "b"] = np.nan
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(df)
    assert det.preprocessor_ is not None
    odd = df.iloc[:20].copy()
    odd["kind"] = np.where(odd["a"] > 0, "lo", "hi")  # category contradicts the numbers
    assert np.mean(det.score_samples(odd)) < np.mean(det.score_samples(df.iloc[:20]))
    ex = det.explain(odd, top_k=2)
    assert list(ex.index) == list(odd.index)
    assert (ex["top1_column"] == "kind").mean() > 0.5
    assert set(ex.loc[ex["top1_column"] == "kind", "top1_observed"]) <= {"hi", "lo"}


def test_explain_shape_and_shares():
    X = _normal(300, p=6)
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(X)
    ex = det.explain(X[:10], top_k=3)
    shares = ex.filter(like="share:").drop(columns=[], errors="ignore")
    shares = shares[[c for c in shares.columns if c.startswith("share:")]]
    assert shares.shape == (10, 6)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-6)
    for i in (1, 2, 3):
        for part in ("column", "share", "observed", "reconstructed"):
            assert f"top{i}_{part}" in ex.columns
    assert np.all(ex["top1_share"] >= ex["top2_share"])
    np.testing.assert_allclose(
        ex["top1_observed"].astype(float),
        X[np.arange(10), [int(c[1:]) for c in ex["top1_column"]]],
        rtol=1e-4,
        atol=1e-4,
    )


def test_vae_scoring():
    X = _normal(300)
    det = AutoencoderOutlierDetector(model="vae", random_state=0, **FAST).fit(X)
    out = np.random.RandomState(2).normal(scale=5, size=(10, X.shape[1]))
    assert np.median(det.score_samples(out)) < np.median(det.score_samples(X))


def test_pickle_keeps_offset():
    X = _normal(200)
    det = AutoencoderOutlierDetector(threshold="fpr", fpr=0.05, random_state=0, **FAST).fit(X)
    det2 = pickle.loads(pickle.dumps(det))
    assert det2.offset_ == det.offset_
    np.testing.assert_allclose(det2.decision_function(X), det.decision_function(X))


def test_bad_params():
    X = _normal(50)
    with pytest.raises(ValueError, match="threshold"):
        AutoencoderOutlierDetector(threshold="nope").fit(X)
    with pytest.raises(ValueError, match="contamination"):
        AutoencoderOutlierDetector(contamination=0.9).fit(X)
    with pytest.raises(ValueError, match="activation"):
        AutoencoderOutlierDetector(activation="nope").fit(X)
    with pytest.raises(ValueError, match="n_steps"):
        AutoencoderOutlierDetector(n_steps=0).fit(X)


def test_members_side_by_side():
    """The members share one network; each keeps its own code size and weights."""
    X = _normal(300, p=9)
    det = AutoencoderOutlierDetector(n_estimators=3, n_steps=40, min_epochs=1, random_state=0)
    det.fit(X)
    assert det.code_sizes_ == [2, 3, 6]  # round(m * sqrt(9)) for m = 0.5, 1, 2, at least 2
    (net,) = det.estimators_
    Z = det._encode(X[:20], reset=False)
    E, C = net.member_outputs(Z)
    assert E.shape == (3, 20, 9) and C.shape == (3, 20, 6)
    for m, k in enumerate(det.code_sizes_):
        assert np.all(C[m, :, k:] == 0) and np.any(C[m, :, :k] != 0)
    # Member 1 by hand: its own slices of the stacked weights give its errors.
    mod = net.module_
    with torch.no_grad():
        x = torch.from_numpy(Z)
        w = [
            (layer.weight[1], layer.bias[1])
            for layer in (mod.enc_hidden, mod.enc_code, mod.dec_hidden, mod.dec_out)
        ]
        h = torch.relu(x @ w[0][0] + w[0][1])
        code = (h @ w[1][0] + w[1][1])[:, :3]
        h = torch.relu(code @ w[2][0][:3] + w[2][1])
        recon = h @ w[3][0] + w[3][1]
    np.testing.assert_allclose(E[1], ((recon - x) ** 2).numpy(), rtol=1e-4, atol=1e-5)
    # Different initial weights: the two members' first layers differ.
    assert not torch.allclose(mod.enc_hidden.weight[0], mod.enc_hidden.weight[1])


def test_plots_return_figures():
    pytest.importorskip("matplotlib")
    from sk_autoencoder.plotting import plot_anomaly_contributions, plot_anomaly_scores

    X = _normal(200)
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(X)
    fig = plot_anomaly_scores(det, X)
    assert hasattr(fig, "savefig")
    far = X.copy()
    far[0] = 1e4  # one extreme row must not squash the histogram
    ax = plot_anomaly_scores(det, far).axes[0]
    assert ax.get_xlim()[1] < -det.score_samples(far[:1])[0] / 10
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("1 rows >") for t in legend)
    fig2 = plot_anomaly_contributions(det, X[:3])
    assert hasattr(fig2, "savefig")


def _mixed_frame(n=300, seed=0):
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(seed)
    a = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "a": a,
            "b": 2 * a + 0.1 * rng.normal(size=n),
            "kind": np.where(a > 0, "hi", "lo").astype(object),
        }
    )
    df.loc[::37, "b"] = np.nan
    df.loc[::53, "kind"] = None
    return df


def test_save_load_dataframe_with_categories_and_missing(tmp_path):
    """The detector owns its TabularPreprocessor; both come back from the safe format with
    identical scores, also as the last step of make_tabular_pipeline."""
    import pandas as pd

    import sk_autoencoder as ska
    from sk_autoencoder import make_tabular_pipeline

    df = _mixed_frame()
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(df)
    ska.save(det, tmp_path / "det")
    assert sorted(p.name for p in (tmp_path / "det").iterdir()) == [
        "config.json",
        "weights.safetensors",
    ]
    same = ska.load(tmp_path / "det")
    assert type(same) is AutoencoderOutlierDetector and same.preprocessor_ is not None
    assert same.offset_ == det.offset_ and same.code_sizes_ == det.code_sizes_
    np.testing.assert_array_equal(same.score_samples(df), det.score_samples(df))
    np.testing.assert_array_equal(same.predict(df), det.predict(df))
    pd.testing.assert_frame_equal(same.explain(df.iloc[:20]), det.explain(df.iloc[:20]))

    pipe = make_tabular_pipeline(AutoencoderOutlierDetector(random_state=0, **FAST)).fit(df)
    ska.save(pipe, tmp_path / "pipe")
    loaded = ska.load(tmp_path / "pipe")
    np.testing.assert_array_equal(loaded.score_samples(df), pipe.score_samples(df))
    np.testing.assert_array_equal(loaded.predict(df), pipe.predict(df))


@pytest.mark.parametrize("model", ["ae", "vae"])
def test_save_load_array_input(model, tmp_path):
    import sk_autoencoder as ska

    X = _normal(200)
    det = AutoencoderOutlierDetector(model=model, random_state=0, **FAST).fit(X)
    ska.save(det, tmp_path / "m")
    same = ska.load(tmp_path / "m")
    np.testing.assert_array_equal(same.score_samples(X), det.score_samples(X))
    np.testing.assert_array_equal(same.predict(X), det.predict(X))
    with pytest.raises(ValueError, match="X has 4 features"):
        same.score_samples(X[:, :4])


# ---------------------------------------------------------------------- reliability
def _levels_frame(n=400, seed=0):
    """Numbers, a category tied to them and one independent of them (levels 50/30/20%)."""
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(seed)
    a = rng.normal(size=n)
    return pd.DataFrame(
        {
            "a": a,
            "b": 2 * a + 0.1 * rng.normal(size=n),
            "kind": rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2]).astype(object),
            "flag": np.where(a > 0, "hi", "lo").astype(object),
        }
    )


@pytest.mark.parametrize(
    "model,n_estimators,n_steps,flagged",
    [
        ("ae", 1, 40, 0),
        ("ae", 2, 40, 0.9),
        ("ae", 5, 40, 0.9),
        ("vae", 2, 40, 0),
        ("vae", 5, 300, 0.9),
    ],
)
def test_unseen_level_counts_as_anomaly(model, n_estimators, n_steps, flagged):
    """A level never seen in fit (or a missing value in a column that had none) is evidence of
    an anomaly, at least as strong as the rarest training level, for every ensemble size (and
    here, where no training level is one-off, enough for the members to flag it with several
    of them; the isolation forest, which sees the cell as the rarest level, dilutes that)."""
    df = _levels_frame()
    rows = df.iloc[:40]
    rare = rows.assign(kind="z")  # the rarest training level
    for weight in (1.0, 0.0):
        det = AutoencoderOutlierDetector(
            model=model,
            n_estimators=n_estimators,
            n_steps=n_steps,
            min_epochs=1,
            isolation_weight=weight,
            random_state=0,
        ).fit(df)
        s_normal, s_rare = det.score_samples(rows), det.score_samples(rare)
        for unseen in (rows.assign(kind="NEW"), rows.assign(kind=None)):
            s = det.score_samples(unseen)
            assert np.all(np.isfinite(s))
            assert np.all(s <= s_rare + 1e-9)  # row by row: at least the rarest level's evidence
            assert s.mean() < s_normal.mean()
            if weight == 0.0:
                assert np.mean(det.predict(unseen) == -1) >= flagged
    ex = det.explain(rows.assign(kind="NEW"), top_k=2)
    assert np.mean(ex["top1_column"] == "kind") >= 0.8
    assert set(ex.loc[ex["top1_column"] == "kind", "top1_observed"]) == {"NEW"}
    # rows without unseen values are scored as before (the same rows, another frame object)
    np.testing.assert_array_equal(det.score_samples(rows.copy()), s_normal)


def test_new_identifier_is_not_an_anomaly():
    """In a column of one-off values (identifiers) a new value is expected (Good-Turing: most
    training levels were seen once), so it does not count as evidence."""
    df = _levels_frame().assign(id=[f"id{i}" for i in range(400)])
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(df)
    fresh = df.iloc[:40].assign(id=[f"new{i}" for i in range(40)])
    assert np.mean(det.predict(fresh) == -1) <= 0.1


def test_missing_value_in_numeric_column_without_missing_in_training():
    df = _levels_frame()
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(df)
    rows = df.iloc[:40]
    holes = rows.assign(b=np.nan)  # imputed with the training mean, as the preprocessor does
    imputed = rows.assign(b=det.preprocessor_.mean_["b"])
    s_holes, s_imputed = det.score_samples(holes), det.score_samples(imputed)
    assert np.all(s_holes <= s_imputed) and s_holes.mean() < s_imputed.mean() - 1
    ex = det.explain(holes)
    assert np.mean(ex["top1_column"] == "b") >= 0.8
    assert ex["top1_observed"][ex["top1_column"] == "b"].isna().all()


def test_unseen_rule_survives_save_load(tmp_path):
    import sk_autoencoder as ska

    df = _levels_frame()
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(df)
    ska.save(det, tmp_path / "m")
    same = ska.load(tmp_path / "m")
    odd = df.iloc[:20].assign(kind="NEW")
    np.testing.assert_array_equal(same.score_samples(odd), det.score_samples(odd))
    # a model without the statistics (as saved by an older version) refuses unseen values
    same._error_floor = None
    np.testing.assert_array_equal(same.score_samples(df), det.score_samples(df))
    with pytest.raises(ValueError, match="never seen in fit.*refit"):
        same.score_samples(odd)


@pytest.mark.parametrize("params", [{}, {"n_steps": 30}, {"model": "vae"}])
def test_constant_training_data_give_finite_scaled_scores(params):
    X = np.full((200, 4), 3.0)
    det = AutoencoderOutlierDetector(random_state=0, **params).fit(X)
    s = det.score_samples(X)
    assert np.all(np.isfinite(s)) and np.max(np.abs(s)) < 1e-2
    assert not np.any(det.predict(X) == -1)  # no training row is flagged
    moved = X[:5].copy()
    moved[:, 0] += 100.0
    s_moved = det.score_samples(moved)
    assert np.all(np.isfinite(s_moved)) and np.all(np.abs(s_moved) < 1e6)
    assert np.all(det.predict(moved) == -1)
    assert np.all(det.predict(X[:5] + np.r_[0.5, 0, 0, 0]) == -1)


def test_constant_columns_among_varying_ones():
    X = _normal(300)
    X = np.c_[X, np.full(len(X), 5.0), np.full(len(X), -2.0)].astype(np.float32)
    det = AutoencoderOutlierDetector(random_state=0, n_steps=30, n_estimators=2).fit(X)
    assert np.all(np.isfinite(det.score_samples(X)))
    assert np.mean(det.predict(X) == -1) < 0.05
    moved = X[:5].copy()
    moved[:, 5] += 1.0
    assert np.all(np.isfinite(det.score_samples(moved)))
    assert np.all(det.predict(moved) == -1)
    assert set(det.explain(moved)["top1_column"]) == {"x5"}


@pytest.mark.parametrize(
    "param,value",
    [
        ("latent_weight", -1.0),
        ("latent_weight", float("nan")),
        ("contamination", float("nan")),
        ("fpr", float("nan")),
        ("mad_k", float("nan")),
        ("n_estimators", 0),
        ("n_estimators", True),
        ("n_estimators", 2.5),
        ("n_steps", True),
        ("min_epochs", 0),
        ("n_components", 0),
        ("hidden_width", 0),
        ("hidden_width", True),
        ("noise", "nope"),
        ("noise_level", -1.0),
        ("device", "nope"),
    ],
)
def test_parameter_errors_name_the_detector_parameter(param, value):
    """Each bad value is refused by the detector's own rule, naming the parameter (never the
    internal member network)."""
    params = {"noise": "gaussian"} if param == "noise_level" else {}
    det = AutoencoderOutlierDetector(**{**FAST, **params, param: value})
    with pytest.raises(ValueError, match=rf"^AutoencoderOutlierDetector: {param} must be"):
        det.fit(_normal(50))


@pytest.mark.parametrize("top_k", [0, -1, 1.5, True, "2"])
def test_explain_refuses_bad_top_k(top_k):
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(_normal(100))
    with pytest.raises(ValueError, match="explain: top_k must be a positive int"):
        det.explain(_normal(5), top_k=top_k)
    assert det.explain(_normal(5), top_k=99).filter(like="_column").shape[1] == 5


def test_overflowing_values_warn_score_minus_inf_and_explain_finite():
    X = _normal(200)
    det = AutoencoderOutlierDetector(random_state=0, **FAST).fit(X)
    Y = X[:4].copy()
    Y[0, 1] = 1e20  # its squared error overflows float32
    with pytest.warns(RuntimeWarning, match="1 of 4 rows gave infinite errors"):
        s = det.score_samples(Y)
    assert s[0] == -np.inf and np.all(np.isfinite(s[1:]))
    assert det.predict(Y)[0] == -1
    with pytest.warns(RuntimeWarning):
        shares = det.explain(Y).filter(like="share:").to_numpy()
    assert np.all(np.isfinite(shares))
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
