"""The detector's isolation-forest term and trimmed member loss."""

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest

import sk_autoencoder as ska
from sk_autoencoder import AutoencoderOutlierDetector
from sk_autoencoder.outliers.isolation import IsolationScorer

FAST = dict(n_steps=60, min_epochs=1, random_state=0)


def planted(n=400, d=6, share=0.1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    X[:, 1] = X[:, 0] + 0.1 * X[:, 1]  # a structure to learn
    k = int(n * share)
    X[:k, 2] += 6.0  # an extreme value in one column: what isolation finds
    return X, np.r_[np.ones(k), np.zeros(n - k)]


def test_node_arrays_score_exactly_as_sklearn():
    X = np.random.RandomState(0).normal(size=(700, 5)).astype(np.float32)
    scorer = IsolationScorer.fit(X, seed=3)
    new = np.random.RandomState(1).normal(size=(300, 5)).astype(np.float32) * 2
    expected = -IsolationForest(random_state=3).fit(X).score_samples(new)
    np.testing.assert_allclose(scorer.anomaly(new), expected, rtol=0, atol=1e-12)


def test_a_tree_that_loops_is_refused_not_walked_forever():
    X = np.random.RandomState(0).normal(size=(100, 3)).astype(np.float32)
    scorer = IsolationScorer.fit(X, seed=0)
    scorer.left[scorer.roots[0]] = scorer.roots[0]  # root -> itself (an edited file)
    scorer.right[scorer.roots[0]] = scorer.roots[0]
    with pytest.raises(ValueError, match="deeper"):
        scorer.anomaly(X)


def test_forest_term_is_part_of_the_score_and_can_be_turned_off():
    X, _ = planted()
    with_forest = AutoencoderOutlierDetector(isolation_weight=1.0, **FAST).fit(X)
    without = AutoencoderOutlierDetector(**FAST).fit(X)  # the default: no forest
    assert with_forest._isolation is not None and without._isolation is None
    assert not np.allclose(with_forest.score_samples(X), without.score_samples(X))
    # the threshold is calibrated on the combined held-out scores: about 1% of new normal
    # rows flagged either way
    normal = np.random.RandomState(5).normal(size=(2000, 6)).astype(np.float32)
    normal[:, 1] = normal[:, 0] + 0.1 * normal[:, 1]
    for det in (with_forest, without):
        assert np.mean(det.predict(normal) == -1) < 0.05


def test_saved_detector_keeps_the_forest(tmp_path):
    X, _ = planted()
    det = AutoencoderOutlierDetector(isolation_weight=1.0, **FAST).fit(X)
    ska.save(det, tmp_path / "det")
    loaded = ska.load(tmp_path / "det")
    np.testing.assert_array_equal(loaded.score_samples(X), det.score_samples(X))
    np.testing.assert_array_equal(loaded.predict(X), det.predict(X))


def test_trimmed_loss_keeps_the_planted_rows_apart():
    """Without trimming the members learn the contaminating rows too; trimmed, those rows stay
    poorly reconstructed (the members alone, without the forest)."""
    X, y = planted(share=0.15)
    gaps = {}
    for trim in (0.0, 0.2):
        det = AutoencoderOutlierDetector(isolation_weight=0.0, trim_fraction=trim, **FAST).fit(X)
        s = det.reconstruction_error(X)
        gaps[trim] = s[y == 1].mean() - s[y == 0].mean()
    assert gaps[0.2] > gaps[0.0] > 0


@pytest.mark.parametrize("value", [-0.1, 0.5, "a"])
def test_bad_trim_fraction_is_refused_by_name(value):
    with pytest.raises((ValueError, TypeError), match="trim_fraction"):
        AutoencoderOutlierDetector(trim_fraction=value).fit(np.zeros((20, 2)))
