"""Tests of sk_autoencoder.timeseries (small synthetic series; no shared data needed)."""

import copy
import pickle

import numpy as np
import pytest

from sk_autoencoder import SeriesOutlierDetector, SlidingWindows
from sk_autoencoder.timeseries import choose_window, dominant_period

pd = pytest.importorskip("pandas")

FAST = dict(max_epochs=8, random_state=0)
PERIOD = 40


def _sine(n=1200, period=PERIOD, noise=0.05, seed=0, channels=1):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    cols = [np.sin(2 * np.pi * t / period + c) for c in range(channels)]
    x = np.stack(cols, axis=1) + noise * rng.normal(size=(n, channels))
    return x[:, 0] if channels == 1 else x


@pytest.fixture(scope="module")
def spiked():
    """A noisy sine with one spike, and a detector fitted on it."""
    x = _sine()
    x[700] += 4.0
    return x, SeriesOutlierDetector(**FAST).fit(x)


# ---------------------------------------------------------------------- windows
@pytest.mark.parametrize("stride", [1, 7, 10])
def test_windows_round_trip_univariate(stride):
    x = _sine(203)
    sw = SlidingWindows(window=20, stride=stride).fit(x)
    W = sw.transform(x)
    starts = sw.window_starts(len(x))
    assert W.shape == (len(starts), 20)
    assert starts[-1] == len(x) - 20  # the last step is always covered
    np.testing.assert_allclose(sw.inverse_transform(W, n_steps=len(x))[:, 0], x, atol=1e-12)
    # windows are the scaled series, robustly centred
    np.testing.assert_allclose(W[1], (x[starts[1] : starts[1] + 20] - sw.center_) / sw.scale_)


def test_windows_multichannel_are_channel_major():
    x = _sine(100, channels=3) * np.array([1.0, 10.0, 100.0]) + np.array([0.0, 5.0, -50.0])
    sw = SlidingWindows(window=8, stride=1).fit(x)
    W = sw.transform(x)
    assert W.shape == (93, 24)
    first = W[0].reshape(3, 8)  # (channels, window)
    np.testing.assert_allclose(first[2] * sw.scale_[2] + sw.center_[2], x[:8, 2])
    # per-channel robust scaling: every channel ends up on a comparable scale
    assert np.all(np.abs(np.median(W.reshape(-1, 3, 8), axis=(0, 2))) < 0.2)
    np.testing.assert_allclose(sw.inverse_transform(W), x, atol=1e-9)


def test_time_grid_gaps_duplicates_and_nan():
    times = pd.date_range("2024-01-01", periods=60, freq="h")
    df = pd.DataFrame({"time": times, "v": np.arange(60.0)})
    df = df.drop(index=range(20, 25))  # a 5-hour gap
    df.loc[40, "v"] = np.nan
    dup = df.iloc[[10]].assign(v=100.0)  # a repeated timestamp with another value
    df = pd.concat([df, dup], ignore_index=True)
    sw = SlidingWindows(window=10, scaling=None).fit(df)
    assert sw.step_ == pd.Timedelta("1h")
    assert sw.n_filled_ == 6  # 5 missing steps + 1 NaN, and nothing dropped
    series = sw.inverse_transform(sw.transform(df))[:, 0]
    assert len(series) == 60
    expected = np.arange(60.0)
    expected[10] = (10 + 100) / 2  # duplicates are averaged on their step
    np.testing.assert_allclose(series, expected)  # gaps and NaN linearly interpolated


def test_datetime_index_and_series_input():
    times = pd.date_range("2024-01-01", periods=50, freq="5min")
    s = pd.Series(_sine(50), index=times, name="load")
    sw = SlidingWindows(window=10).fit(s)
    assert sw.channel_names_ == ["load"] and sw.step_ == pd.Timedelta("5min")
    df = s.to_frame()
    np.testing.assert_allclose(sw.transform(df), sw.transform(s))


def test_bad_input_errors_name_the_fix():
    x = _sine(50)
    with pytest.raises(ValueError, match="fewer than window=60"):
        SlidingWindows(window=60).fit(x)
    with pytest.raises(ValueError, match="parse_dates"):
        SlidingWindows(window=5).fit(pd.DataFrame({"t": ["2024-01-01"] * 50, "v": x}))
    with pytest.raises(ValueError, match="2 channels"):
        SlidingWindows(window=5).fit(x).transform(np.c_[x, x])
    with pytest.raises(ValueError, match="no observed value"):
        SlidingWindows(window=5).fit(np.full(20, np.nan))
    with pytest.raises(ValueError, match="window must be a positive int"):
        SlidingWindows(window=0).fit(x)
    with pytest.raises(ValueError, match="fewer than window=100"):
        SeriesOutlierDetector(window=100, **FAST).fit(x)


def test_window_rule():
    assert dominant_period(_sine(2000)) == PERIOD  # not a multiple of it
    assert dominant_period(np.random.RandomState(0).normal(size=2000)) is None
    assert choose_window(_sine(2000)) == (PERIOD, PERIOD)
    assert choose_window(_sine(2000, period=12)) == (36, 12)  # whole cycles, >= 32 steps
    # no cycle: the series' memory (a random walk keeps its level a long time), capped
    walk = np.cumsum(np.random.RandomState(0).normal(size=4000))
    window, period = choose_window(walk)
    assert period is None and 32 <= window <= 200


# ---------------------------------------------------------------------- detector
def test_planted_spike_gets_the_top_score_at_its_timestamp(spiked):
    x, det = spiked
    assert abs(det.period_ - PERIOD) <= 2 and det.window_ == det.period_  # found from the data
    scores = det.score_samples(x)
    assert scores.shape == x.shape
    assert int(np.argmin(scores)) == 700
    assert det.predict(x)[700] == -1
    assert np.mean(det.predict(x) == -1) < 0.15
    np.testing.assert_allclose(det.decision_function(x), scores - det.offset_)
    iv = det.anomalous_intervals(x)
    assert len(iv) == 1
    assert iv["start"][0] <= 700 <= iv["end"][0] and iv["peak"][0] == 700


def test_members_scores_are_averaged(spiked):
    """The default fits three members side by side in one network (different initial
    weights); a window's score is the mean of the scores each member gives it on its own."""
    x, det = spiked
    assert len(det.estimators_) == 3
    assert len({id(m.ensemble) for m in det.estimators_}) == 1  # one network for all three
    grid = det.windows_._grid(x, fit=False)
    values, observed = det.windows_._scaled(grid).astype(np.float32), grid.observed
    together, _ = det._window_scores(values, observed)
    alone = []
    for member, stats in zip(det.estimators_, det._stats):
        single = copy.copy(det)
        single.estimators_, single._stats = [member], [stats]
        alone.append(single._window_scores(values, observed)[0])
    np.testing.assert_allclose(together, np.mean(alone, axis=0), rtol=1e-6, atol=1e-9)
    assert not np.allclose(alone[0], alone[1])  # different initial weights: different members


def test_clean_series_flags_little():
    x = _sine(1200, seed=1)
    det = SeriesOutlierDetector(**FAST).fit(x)
    assert np.mean(det.predict(_sine(1200, seed=2)) == -1) < 0.02


def test_scores_follow_input_rows_with_times():
    x = _sine(600)
    x[300] += 4.0
    times = pd.date_range("2024-01-01", periods=600, freq="30min")
    df = pd.DataFrame({"timestamp": times, "value": x})
    shuffled = df.sample(frac=1.0, random_state=0)  # rows out of time order
    det = SeriesOutlierDetector(**FAST).fit(df)
    s, s_shuf = det.score_samples(df), det.score_samples(shuffled)
    np.testing.assert_allclose(s_shuf, s[shuffled.index.to_numpy()])
    assert int(np.argmin(s)) == 300
    iv = det.anomalous_intervals(df)
    assert (iv["start"] <= times[300]).any() and (iv["peak"] == times[300]).any()
    ex = det.explain(shuffled)
    assert list(ex.index) == list(shuffled.index)


def test_multivariate_explain_names_the_channel():
    x = _sine(1000, channels=3)
    x[600:604, 2] += 4.0
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    det = SeriesOutlierDetector(**FAST).fit(df)
    assert det.n_channels_ == 3
    s = det.score_samples(df)
    assert s.shape == (1000,) and 595 <= int(np.argmin(s)) <= 608
    ex = det.explain(df)
    assert ex.loc[602, "top_channel"] == "c"
    assert ex.loc[602, "share:c"] > 0.6
    np.testing.assert_allclose(ex.filter(like="share:").sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="fitted on"):
        det.score_samples(df[["c", "b", "a"]])


def test_flat_line_is_found_by_the_activity_term():
    x = _sine(1200)
    x[600:640] = x[600]  # a stuck sensor for one period
    s = SeriesOutlierDetector(**FAST).fit(x).score_samples(x)
    assert 570 <= int(np.argmin(s)) <= 670
    with pytest.raises(ValueError, match="error_context must be None or a number"):
        SeriesOutlierDetector(error_context=0).fit(x)
    with pytest.raises(ValueError, match="activity_weight must be >= 0"):
        SeriesOutlierDetector(activity_weight=-1).fit(x)


def test_thresholds():
    x = _sine(1200)
    det = SeriesOutlierDetector(contamination=0.05, **FAST).fit(x)
    assert det.threshold_ == "contamination"
    assert abs(np.mean(det.predict(x) == -1) - 0.05) < 0.01
    det = SeriesOutlierDetector(threshold="fpr", **FAST).fit(x)
    assert det.threshold_ == "fpr"
    assert np.mean(det.predict(x[-240:]) == -1) <= 0.02
    with pytest.raises(ValueError, match="needs contamination"):
        SeriesOutlierDetector(threshold="contamination").fit(x)


def test_missing_values_are_scored_not_dropped():
    x = _sine(800)
    x[100:110] = np.nan
    det = SeriesOutlierDetector(**FAST).fit(x)
    assert det.n_filled_ == 10
    s = det.score_samples(x)
    assert s.shape == (800,) and np.all(np.isfinite(s))


def test_pickle_round_trip(spiked):
    x, det = spiked
    same = pickle.loads(pickle.dumps(det))
    np.testing.assert_array_equal(same.score_samples(x), det.score_samples(x))
    assert same.offset_ == det.offset_


def test_conv_architecture_on_windows():
    x = _sine(600, channels=2)
    x[300, 1] += 4.0
    det = SeriesOutlierDetector(architecture="conv", window=32, **FAST).fit(x)
    assert det.estimators_[0].image_shape_ == (2, 32)
    s = det.score_samples(x)
    assert s.shape == (600,) and int(np.argmin(s)) == 300


def test_plot_series_anomalies(spiked):
    pytest.importorskip("matplotlib")
    from sk_autoencoder.plotting import plot_series_anomalies

    x, det = spiked
    fig = plot_series_anomalies(det, x)
    top, bottom = fig.axes
    assert len(top.lines) == 1 and len(top.patches) == 1  # the series, one shaded interval
    threshold = [ln for ln in bottom.lines if ln.get_linestyle() == "--"]
    assert threshold and threshold[0].get_ydata()[0] == pytest.approx(-det.offset_)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_save_load_safe_format(spiked, tmp_path):
    import json

    import sk_autoencoder as ska
    from sk_autoencoder.persistence.envelope import config_sha256

    x, det = spiked
    path = tmp_path / "series_model"
    ska.save(det, path)
    # one directory: the members are child nodes of the config, their weights in one file
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "weights.safetensors"]
    same = ska.load(path)
    assert type(same) is SeriesOutlierDetector and same.window_ == det.window_
    np.testing.assert_array_equal(same.score_samples(x), det.score_samples(x))
    np.testing.assert_array_equal(same.predict(x), det.predict(x))
    with pytest.raises(FileExistsError):
        ska.save(det, path)
    # a tampered weights file is refused
    weights = path / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-8])
    with pytest.raises(ska.ModelFormatError, match="checksum"):
        ska.load(path)
    # an edited config is refused
    ska.save(det, path, overwrite=True)
    config = json.loads((path / "config.json").read_text())
    config["state"]["window_"] = 10**9
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ska.ModelFormatError):
        ska.load(path)
    # ... and so is an implausible state, even with the checksum recomputed
    config["checksum"] = config_sha256(config)
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ska.ModelFormatError, match="window"):
        ska.load(path)


def test_save_load_keeps_the_time_grid(tmp_path):
    import sk_autoencoder as ska

    times = pd.date_range("2024-01-01", periods=500, freq="15min")
    df = pd.DataFrame({"t": times, "a": _sine(500), "b": _sine(500, seed=3)})
    det = SeriesOutlierDetector(window=40, **FAST).fit(df)
    ska.save(det, tmp_path / "m")
    same = ska.load(tmp_path / "m")
    assert same.windows_.step_ == pd.Timedelta("15min")
    assert same.channel_names_ == ["a", "b"]
    np.testing.assert_allclose(
        same.explain(df).filter(like="share:"), det.explain(df).filter(like="share:"), rtol=1e-6
    )


# ---------------------------------------------------------------------- reliability
def test_stride_longer_than_window_is_refused():
    x = np.arange(300.0)
    with pytest.raises(ValueError, match=r"stride must be <= window.*stride=30.*window=20"):
        SlidingWindows(window=20, stride=30).fit(x)


@pytest.mark.parametrize("window,stride", [(5, 1), (5, 3), (5, 5), (8, 3)])
def test_inverse_transform_round_trips_every_length(window, stride):
    for n in range(window, window + 3 * stride + 2):
        x = np.arange(float(n))
        sw = SlidingWindows(window=window, stride=stride, scaling=None).fit(x)
        W = sw.transform(x)
        np.testing.assert_allclose(sw.inverse_transform(W, n_steps=n)[:, 0], x)
        low = n if len(W) == 1 else window + (len(W) - 2) * stride + 1
        assert len(sw.inverse_transform(W)) >= low  # the default length fits the windows


def test_inverse_transform_wrong_n_steps_names_the_range():
    x = np.arange(300.0)
    sw = SlidingWindows(window=20, stride=5).fit(x)
    W = sw.transform(x)  # 57 windows: series of 296 to 300 steps
    for bad in (10, -5, 0, 295, 301, 1000, 300.5, True):
        with pytest.raises(ValueError, match=r"n_steps must be .*\[296, 300\].*57 windows"):
            sw.inverse_transform(W, n_steps=bad)
    assert sw.inverse_transform(W, n_steps=296).shape == (296, 1)
    with pytest.raises(ValueError, match="n_steps must be an int >= window=20"):
        sw.window_starts(5)


def test_series_at_another_sampling_rate():
    times = pd.date_range("2024-01-01", periods=400, freq="5min")
    df = pd.DataFrame({"v": _sine(400)}, index=times)
    sw = SlidingWindows(window=20).fit(df)
    hourly = pd.DataFrame(
        {"v": _sine(100)}, index=pd.date_range("2024-01-01", periods=100, freq="h")
    )
    with pytest.raises(ValueError, match="sampled every 1h.*sampled every 5min"):
        sw.transform(hourly)
    det = SeriesOutlierDetector(window=20, n_estimators=1, max_epochs=1, random_state=0).fit(df)
    with pytest.raises(ValueError, match="sampled every 1h.*sampled every 5min"):
        det.score_samples(hourly)
    minutely = pd.DataFrame(
        {"v": _sine(400)}, index=pd.date_range("2024-01-01", periods=400, freq="min")
    )
    with pytest.warns(UserWarning, match="sampled every 1min, finer than the 5min"):
        sw.transform(minutely)
    with_gaps = df.drop(index=df.index[100:140])  # a gap is not another rate
    assert sw.transform(with_gaps).shape == sw.transform(df).shape


@pytest.mark.parametrize(
    "cls,param,value",
    [
        (SeriesOutlierDetector, "latent_weight", -1.0),
        (SeriesOutlierDetector, "latent_weight", float("nan")),
        (SeriesOutlierDetector, "activity_weight", float("nan")),
        (SeriesOutlierDetector, "contamination", float("nan")),
        (SeriesOutlierDetector, "fpr", float("nan")),
        (SeriesOutlierDetector, "mad_k", -1.0),
        (SeriesOutlierDetector, "n_estimators", 0),
        (SeriesOutlierDetector, "n_estimators", True),
        (SeriesOutlierDetector, "window", 1),
        (SeriesOutlierDetector, "window", True),
        (SeriesOutlierDetector, "max_window", 0),
        (SeriesOutlierDetector, "n_components", 0),
        (SeriesOutlierDetector, "hidden_layer_sizes", (0,)),
        (SeriesOutlierDetector, "max_epochs", 0),
        (SeriesOutlierDetector, "device", "nope"),
        (SeriesOutlierDetector, "error_context", float("inf")),
        (SlidingWindows, "window", 1),
        (SlidingWindows, "window", True),
        (SlidingWindows, "stride", 0),
        (SlidingWindows, "stride", True),
    ],
)
def test_parameter_errors_name_the_parameter(cls, param, value):
    params = {"window": 10} if cls is SlidingWindows else {"window": 10, **FAST}
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: {param} must be"):
        cls(**{**params, param: value}).fit(_sine(200))


def test_series_too_short_for_its_windows():
    x = _sine(300)
    with pytest.raises(
        ValueError, match="SeriesOutlierDetector: the series has 10 time steps, fewer"
    ):
        SeriesOutlierDetector(window=20, **FAST).fit(x[:10])
    with pytest.raises(ValueError, match="3 windows of window=20; fitting needs at least 20"):
        SeriesOutlierDetector(window=20, **FAST).fit(x[:22])
    det = SeriesOutlierDetector(n_estimators=1, **FAST).fit(x[:30])  # the automatic window fits
    assert det.window_ <= 15 and np.all(np.isfinite(det.score_samples(x[:30])))
    with pytest.raises(ValueError, match="fewer than window"):
        det.score_samples(x[: det.window_ - 1])


def test_constant_series_gives_finite_scores():
    x = np.full(600, 2.0)
    det = SeriesOutlierDetector(window=20, n_estimators=1, **FAST).fit(x)
    s = det.score_samples(x)
    assert np.all(np.isfinite(s)) and np.max(np.abs(s)) < 1e-6
    assert not np.any(det.predict(x) == -1)
    spike = x.copy()
    spike[300] += 1.0
    s = det.score_samples(spike)
    assert np.all(np.isfinite(s)) and np.min(s) > -1e6
    assert det.predict(spike)[300] == -1


def test_odd_series_inputs_are_refused_or_read():
    x = _sine(200)
    with pytest.raises(ValueError, match="Complex data not supported"):
        SlidingWindows(window=10).fit(x + 1j)
    with pytest.raises(ValueError, match="Complex data not supported"):
        SlidingWindows(window=10).fit(pd.Series(x + 1j))
    with pytest.raises(ValueError, match="no channel"):
        SlidingWindows(window=10).fit(np.empty((50, 0)))
    # a PeriodIndex is a time index: its gaps are steps of the grid
    periods = pd.period_range("2024-01-01", periods=200, freq="h")
    s = pd.Series(x, index=periods).drop(index=periods[50:60])
    sw = SlidingWindows(window=10, scaling=None).fit(s)
    assert sw.step_ == pd.Timedelta("1h") and sw.n_filled_ == 10
    assert len(sw.inverse_transform(sw.transform(s))) == 200


def test_infinite_values_and_bad_method_arguments(spiked):
    x, det = spiked
    bad = x.copy()
    bad[3] = -np.inf
    with pytest.raises(ValueError, match="infinite values.*row 3"):
        SlidingWindows(window=10).fit(bad)
    with pytest.raises(ValueError, match="infinite values"):
        SlidingWindows(window=10).fit(x).transform(bad)
    with pytest.raises(ValueError, match="infinite values"):
        det.score_samples(bad)
    for gap in (-1, 2.5, "x", float("nan"), True):
        with pytest.raises(ValueError, match="merge_gap must be None"):
            det.anomalous_intervals(x, merge_gap=gap)
    assert len(det.anomalous_intervals(x, merge_gap=0)) >= 1
    sw = SlidingWindows(window=10).fit(x)
    W = sw.transform(x)
    for value in (np.nan, np.inf):
        W2 = W.copy()
        W2[0, 0] = value
        with pytest.raises(ValueError, match=r"non-finite values \(NaN or inf\)"):
            sw.inverse_transform(W2)
    with pytest.raises(ValueError, match="0 windows"):
        sw.inverse_transform(W[:0])


def test_a_later_stretch_is_scored_with_its_timestamps_and_the_needed_history():
    import pandas as pd

    rng = np.random.RandomState(0)
    n = 1400
    x = np.sin(np.arange(n) * 2 * np.pi / 24) + 0.1 * rng.normal(size=n)
    x[1250:1260] += 3.0
    times = pd.date_range("2024-01-01", periods=n, freq="5min")
    df = pd.DataFrame({"timestamp": times, "value": x})
    history, new = df.iloc[:900], df.iloc[900:]
    det = SeriesOutlierDetector(window=12, error_context=5, max_epochs=3, random_state=0)
    det.fit(history)
    assert det.context_ == 12 - 1 + 5 * 12
    full = det.score_samples(df)
    alone = det.score_samples(new)
    assert alone.shape == (len(new),) and np.isfinite(alone).all()
    # with context_ steps of history in front, the stretch scores as inside the whole series
    c = det.context_
    with_history = det.score_samples(df.iloc[900 - c :])[c:]
    # (equal up to float32 rounding: the network's batches differ between the two calls)
    np.testing.assert_allclose(with_history, full[900:], rtol=1e-5, atol=1e-6)
    # the planted burst is flagged at its own timestamps, with the threshold fitted on history
    flagged = det.predict(df.iloc[900 - c :])[c:] == -1
    assert flagged[350:360].any() and flagged[:300].mean() < 0.05
    # shuffled rows are put back in time order: the scores follow the rows
    shuffled = new.sample(frac=1.0, random_state=0)
    np.testing.assert_allclose(
        det.score_samples(shuffled), pd.Series(alone, index=new.index)[shuffled.index]
    )


def test_members_side_by_side_score_like_separate_members():
    """The MLP members trained side by side in one network give the same kind of scores as
    members trained one after the other (conv): the same spike on top, and closely ranked."""
    from scipy.stats import spearmanr

    x = _sine()
    x[700] += 4.0
    side = SeriesOutlierDetector(**FAST).fit(x)
    assert len({id(m.ensemble) for m in side.estimators_}) == 1
    one = SeriesOutlierDetector(n_estimators=1, **FAST).fit(x)
    s_side, s_one = -side.score_samples(x), -one.score_samples(x)
    assert abs(int(np.argmax(s_side)) - 700) < side.window_
    assert abs(int(np.argmax(s_one)) - 700) < one.window_
    assert spearmanr(s_side, s_one).statistic > 0.6
    # each member alone is a working detector: its spike is on top too
    for member, stats in zip(side.estimators_, side._stats):
        single = copy.copy(side)
        single.estimators_, single._stats = [member], [stats]
        assert abs(int(np.argmax(-single.score_samples(x))) - 700) < side.window_
