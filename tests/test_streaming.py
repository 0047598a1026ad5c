"""Out-of-core training: TabularPreprocessor.partial_fit, the estimators' partial_fit over a
stream, and sk_autoencoder.streaming (Parquet in, Parquet out)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import sk_autoencoder.preprocessing.running as preprocessing
from sk_autoencoder import AutoencoderTransformer, TabularPreprocessor


def mixed_frame(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "temp": rng.normal(20, 5, n),
            "count": rng.integers(0, 9, n),
            "dir": rng.choice(list("NSEWX"), n, p=[0.4, 0.3, 0.2, 0.095, 0.005]),
            "rain": rng.choice([True, False], n),
        }
    )
    # Missing values and a level that only appear in late chunks: the layout must grow.
    df.loc[df.index[2500:], "temp"] = np.nan
    df.loc[df.index[2900:], "dir"] = "late"
    df.loc[::97, "dir"] = None
    return df


def chunks(df, size):
    return [df.iloc[start : start + size] for start in range(0, len(df), size)]


# ---------------------------------------------------------------------------- preprocessor
@pytest.mark.parametrize("min_frequency", [0.01, 5, 0])
def test_preprocessor_partial_fit_matches_fit(min_frequency):
    df = mixed_frame()
    full = TabularPreprocessor(min_frequency=min_frequency).fit(df)
    inc = TabularPreprocessor(min_frequency=min_frequency)
    for chunk in chunks(df, 700):
        assert inc.partial_fit(chunk) is inc
    assert inc.n_samples_seen_ == len(df)
    assert list(inc.get_feature_names_out()) == list(full.get_feature_names_out())
    assert inc.feature_blocks_ == full.feature_blocks_
    assert inc.categories_ == full.categories_
    assert inc.infrequent_categories_ == full.infrequent_categories_
    assert inc.indicator_columns_ == full.indicator_columns_ == ["temp"]
    for col in ("temp", "count"):
        assert inc.mean_[col] == pytest.approx(full.mean_[col], rel=1e-12)
        assert inc.scale_[col] == pytest.approx(full.scale_[col], rel=1e-12)
    np.testing.assert_allclose(inc.transform(df), full.transform(df), atol=1e-6)
    back = inc.inverse_transform(inc.transform(df))
    assert list(back.dtypes) == list(full.inverse_transform(full.transform(df)).dtypes)


def test_preprocessor_partial_fit_is_usable_after_every_chunk():
    df = mixed_frame()
    pre = TabularPreprocessor()
    pre.partial_fit(df.iloc[:1000])
    assert "temp" not in pre.indicator_columns_  # no NaN seen yet
    assert pre.transform(df.iloc[:5]).shape == (5, pre.n_features_out_)
    width = pre.n_features_out_
    pre.partial_fit(df.iloc[2400:])
    assert pre.indicator_columns_ == ["temp"]  # the layout grew with the new evidence
    assert "late" in pre.categories_["dir"]
    assert pre.n_features_out_ == width + 2


def test_preprocessor_partial_fit_on_arrays():
    X = np.random.default_rng(0).normal(size=(500, 3))
    full = TabularPreprocessor().fit(X)
    inc = TabularPreprocessor()
    for start in range(0, 500, 128):
        inc.partial_fit(X[start : start + 128])
    np.testing.assert_allclose(inc.transform(X), full.transform(X), atol=1e-6)
    with pytest.raises(ValueError, match="X has 2 features, but TabularPreprocessor is expecting"):
        inc.partial_fit(X[:, :2])


def test_preprocessor_partial_fit_merges_dtypes_across_chunks():
    # An integer column that holds a missing value in a later chunk arrives as float64.
    a = pd.DataFrame({"n": np.arange(10)})
    b = pd.DataFrame({"n": [1.0, np.nan, 3.0]})
    pre = TabularPreprocessor().partial_fit(a).partial_fit(b)
    back = pre.inverse_transform(pre.transform(b))
    assert back["n"].dtype == np.float64
    assert np.isnan(back["n"].iloc[1])


def test_preprocessor_partial_fit_after_fit_is_refused_with_the_fix():
    df = mixed_frame(200)
    pre = TabularPreprocessor().fit(df)
    with pytest.raises(ValueError, match="clone"):
        pre.partial_fit(df)
    clone(pre).partial_fit(df)  # the fix named in the message works


def test_preprocessor_partial_fit_checks_columns():
    df = mixed_frame(200)
    pre = TabularPreprocessor().partial_fit(df)
    with pytest.raises(ValueError, match="missing column"):
        pre.partial_fit(df.drop(columns=["dir"]))


def test_preprocessor_category_counts_are_capped(monkeypatch):
    monkeypatch.setattr(preprocessing, "_MAX_TRACKED_LEVELS", 50)
    rng = np.random.default_rng(0)
    pre = TabularPreprocessor(min_frequency=0, max_categories=3)
    for i in range(20):
        ids = [f"id{i}_{j}" for j in range(40)]  # ID-like: a new level for almost every row
        common = rng.choice(["a", "b"], 40)
        pre.partial_fit(pd.DataFrame({"key": np.concatenate([ids, common])}))
        assert len(pre._running.columns[0].counts) <= 50  # memory stays bounded
    # The frequent levels survive the pruning and keep exact counts.
    assert pre.categories_["key"] == ["a", "b"]
    assert pre._running.columns[0].counts["a"] + pre._running.columns[0].counts["b"] == 800


# ---------------------------------------------------------------------------- estimators
def test_partial_fit_with_n_samples_total_runs_one_schedule_over_the_stream():
    X = np.random.default_rng(0).normal(size=(4000, 6)).astype(np.float32)
    ae = AutoencoderTransformer(n_components=2, train_split=None, random_state=0)
    lrs = []
    for part in np.split(X, 4):
        ae.partial_fit(part, n_samples_total=len(X))
        lrs.append(ae.optimizer_.param_groups[0]["lr"])
    assert len(ae.history) == 4  # one pass per call with max_epochs="auto"
    peak = ae._auto_lr()
    # One warm-up and cosine decay across the four calls, ending at the 1% floor.
    assert lrs == sorted(lrs, reverse=True)
    assert lrs[0] < peak and lrs[-1] == pytest.approx(0.01 * peak, rel=0.05)


def test_partial_fit_epochs_argument_and_validation():
    X = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    ae = AutoencoderTransformer(n_components=2, max_epochs=5, random_state=0)
    ae.partial_fit(X, epochs=2)
    assert len(ae.history) == 2
    ae.partial_fit(X)  # an int max_epochs is the default (skorch's rule)
    assert len(ae.history) == 7
    with pytest.raises(ValueError, match="epochs must be None or a positive int"):
        ae.partial_fit(X, epochs=0)


# ---------------------------------------------------------------------------- Parquet streams
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
streaming = pytest.importorskip("sk_autoencoder.streaming")


def low_rank(n=3000, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) @ rng.normal(size=(2, d)) + 0.05 * rng.normal(size=(n, d))
    return X.astype(np.float32)


def write_parquet(df, path, row_group_size=500):
    pq.write_table(
        pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=row_group_size
    )
    return path


@pytest.fixture
def numeric_folder(tmp_path):
    X = low_rank()
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    df.insert(0, "id", np.arange(len(df)))
    folder = tmp_path / "data"
    folder.mkdir()
    write_parquet(df.iloc[:1800], folder / "part-0.parquet")  # two files, 6 row groups
    write_parquet(df.iloc[1800:], folder / "part-1.parquet")
    return folder, df


def test_iter_parquet_shuffles_across_row_groups_and_sees_every_row_once(numeric_folder):
    folder, df = numeric_folder
    seen = []
    for chunk in streaming.iter_parquet(
        folder, chunk_rows=256, shuffle=True, buffer_rows=1024, random_state=0, as_frame=False
    ):
        assert len(chunk) <= 256  # memory per step is bounded by the chunk
        ids = chunk[:, 0].astype(int)
        seen.append(ids)
    row_groups = [np.unique(ids // 500).size for ids in seen[:-1]]
    assert min(row_groups) >= 2  # each chunk mixes rows of several row groups
    ids = np.concatenate(seen)
    assert sorted(ids.tolist()) == list(range(len(df)))
    assert not np.array_equal(ids, np.arange(len(df)))
    ordered = np.concatenate([c["id"].to_numpy() for c in streaming.iter_parquet(folder)])
    np.testing.assert_array_equal(ordered, np.arange(len(df)))


def test_fit_parquet_trains_a_bare_autoencoder(numeric_folder):
    folder, df = numeric_folder
    columns = [c for c in df.columns if c != "id"]
    X = df[columns].to_numpy(np.float32)
    ae = AutoencoderTransformer(n_components=2, random_state=0)
    assert streaming.fit_parquet(ae, folder, columns=columns, epochs=3, chunk_rows=512) is ae
    assert len(ae.history) == 3 * 6  # one history row per chunk and epoch
    mse = ae.reconstruction_error(X).mean()
    assert mse < 0.1 * X.var(axis=0).mean()  # rank-2 data, 2 components: learned, not noise
    again = streaming.fit_parquet(
        AutoencoderTransformer(n_components=2, random_state=0),
        folder,
        columns=columns,
        epochs=3,
        chunk_rows=512,
    )
    np.testing.assert_array_equal(again.transform(X), ae.transform(X))  # seeded: repeatable


def test_fit_parquet_restarts_like_fit(numeric_folder):
    folder, df = numeric_folder
    columns = [c for c in df.columns if c != "id"]
    ae = AutoencoderTransformer(n_components=2, random_state=0)
    streaming.fit_parquet(ae, folder, columns=columns, chunk_rows=1024)
    first = ae.transform(df[columns].to_numpy(np.float32))
    streaming.fit_parquet(ae, folder, columns=columns, chunk_rows=1024)
    assert len(ae.history) == 3
    np.testing.assert_array_equal(ae.transform(df[columns].to_numpy(np.float32)), first)


def test_fit_parquet_pipeline_with_mixed_columns(tmp_path):
    from sk_autoencoder import VAEGenerator, make_tabular_pipeline

    df = mixed_frame(2000)
    path = write_parquet(df, tmp_path / "mixed.parquet", row_group_size=300)
    # Streaming needs the standardising preprocessor (the generators' default one keeps
    # quantiles, which need all rows at once, and says so: see the test below).
    pipe = make_tabular_pipeline(
        VAEGenerator(n_components=2, random_state=0), TabularPreprocessor()
    )
    streaming.fit_parquet(pipe, path, chunk_rows=400, epochs=2)
    pre, vae = pipe.steps[0][1], pipe.steps[-1][1]
    # The preprocessing pass saw every row before training started: the layout is final and
    # the same as fit on the whole table.
    reference = TabularPreprocessor().fit(pq.read_table(path).to_pandas())
    assert pre.feature_blocks_ == reference.feature_blocks_
    assert vae.feature_blocks_ == reference.feature_blocks_
    assert vae.n_features_in_ == reference.n_features_out_
    assert np.isfinite(pipe.score_samples(df.iloc[:50])).all()
    assert list(pipe.sample(3, random_state=0).columns) == list(df.columns)


def test_fit_parquet_refuses_the_quantile_preprocessor_by_name(tmp_path):
    from sk_autoencoder import VAEGenerator, make_tabular_pipeline

    path = write_parquet(mixed_frame(500), tmp_path / "mixed.parquet", row_group_size=300)
    pipe = make_tabular_pipeline(VAEGenerator(n_components=2, random_state=0))
    with pytest.raises(ValueError, match="numeric_transform='standard' for chunked data"):
        streaming.fit_parquet(pipe, path, chunk_rows=400, epochs=1)


def test_transform_parquet_writes_codes_and_scores_in_chunks(numeric_folder, tmp_path):
    folder, df = numeric_folder
    columns = [c for c in df.columns if c != "id"]
    X = df[columns].to_numpy(np.float32)
    ae = AutoencoderTransformer(n_components=2, max_epochs=2, random_state=0).fit(X)
    out = streaming.transform_parquet(
        ae, folder, tmp_path / "codes.parquet", keep_columns=["id"], chunk_rows=700
    )
    assert pq.ParquetFile(out).metadata.num_row_groups == 5  # written incrementally
    codes = pq.read_table(out).to_pandas()
    assert list(codes.columns) == ["id", "autoencodertransformer0", "autoencodertransformer1"]
    np.testing.assert_array_equal(codes["id"], df["id"])
    np.testing.assert_allclose(codes.iloc[:, 1:].to_numpy(), ae.transform(X), rtol=1e-5, atol=1e-6)
    scores = streaming.transform_parquet(
        ae, folder, tmp_path / "scores.parquet", method="score_samples", keep_columns=["id"]
    )
    np.testing.assert_allclose(
        pq.read_table(scores)["score_samples"].to_numpy(), ae.score_samples(X), rtol=1e-5
    )
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]  # no partial files left


def test_streaming_errors_name_the_fix(numeric_folder, tmp_path):
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline

    folder, _ = numeric_folder
    with pytest.raises(TypeError, match="PCA has no partial_fit"):
        streaming.fit_parquet(make_pipeline(PCA(2), AutoencoderTransformer()), folder)
    with pytest.raises(ValueError, match=r"columns \['nope'\] are not in the Parquet data"):
        streaming.fit_parquet(AutoencoderTransformer(), folder, columns=["nope"])
    with pytest.raises(FileNotFoundError, match="No Parquet file"):
        streaming.fit_parquet(AutoencoderTransformer(), tmp_path / "missing.parquet")
    text = pd.DataFrame({"x": [1.0, 2.0], "s": ["a", "b"]})
    path = write_parquet(text, tmp_path / "text.parquet")
    with pytest.raises(TypeError, match="make_tabular_pipeline"):
        streaming.fit_parquet(AutoencoderTransformer(), path)


def test_streaming_without_pyarrow_names_the_install(monkeypatch):
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.delitem(sys.modules, "sk_autoencoder.streaming")
    with pytest.raises(ImportError, match=r"pip install sk_autoencoder\[parquet\]"):
        importlib.import_module("sk_autoencoder.streaming")
