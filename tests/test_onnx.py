"""ONNX export: every convertible model round-trips through onnxruntime within tolerance."""

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")
pd = pytest.importorskip("pandas")

from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sk_autoencoder import (  # noqa: E402
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    TabularPreprocessor,
    VAEGenerator,
    make_tabular_pipeline,
    onnx_inputs,
    to_onnx,
)
from sk_autoencoder.export import register_converters  # noqa: E402

BATCHES = (1, 7, 64)


def _session(model):
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _run(model, X):
    session = _session(model)
    return session.run(None, onnx_inputs(session, X))


def _close(got, want, rel=1e-5):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    scale = max(1.0, float(np.abs(want).max()))
    assert float(np.abs(got - want).max()) <= rel * scale


@pytest.fixture(scope="module")
def X():
    rng = np.random.RandomState(0)
    base = rng.randn(160, 3)
    return np.hstack([base, base @ rng.randn(3, 5) + 0.1 * rng.randn(160, 5)]).astype(np.float32)


@pytest.fixture(scope="module")
def frame():
    rng = np.random.RandomState(1)
    n = 240
    df = pd.DataFrame(
        {
            "rain": rng.gamma(1.0, 2.0, n),
            "count": rng.randint(0, 10, n),
            "wind": pd.Series(rng.choice(["N", "S", "E", "W"], n), dtype=object),
            "temp": rng.randn(n),
            "kind": pd.Categorical(rng.choice(["p", "q"], n)),
        }
    )
    df.loc[::7, "rain"] = np.nan
    df.loc[::11, "wind"] = None
    return df


@pytest.fixture(scope="module")
def odd_rows(frame):
    """Rows with an unseen level, a NaN where training had none, and the usual missing."""
    rows = frame.iloc[:12].copy()
    rows.loc[rows.index[0], "wind"] = "NNE"  # never seen
    rows.loc[rows.index[1], "temp"] = np.nan  # the column had no missing value
    rows.loc[rows.index[2], "kind"] = np.nan  # nor this one
    rows.loc[rows.index[3], "rain"] = np.nan  # this one had
    return rows


@pytest.fixture(scope="module")
def scaled_ae(X):
    ae = AutoencoderTransformer(n_components=3, max_epochs=4, random_state=0)
    return make_pipeline(StandardScaler(), ae).fit(X)


def test_pipeline_converts_with_skl2onnx_itself(scaled_ae, X):
    register_converters()
    model = skl2onnx.to_onnx(scaled_ae, X[:1])
    for n in BATCHES:
        (codes,) = _run(model, X[:n])
        _close(codes, scaled_ae.transform(X[:n]))


def test_autoencoder_outputs_reconstruction_and_scores(scaled_ae, X):
    ae = scaled_ae[-1]
    Xs = scaled_ae[0].transform(X).astype(np.float32)
    options = {AutoencoderTransformer: {"reconstruction": True, "score_samples": True}}
    model = to_onnx(ae, Xs[:1], options=options)
    names = [o.name for o in model.graph.output]
    assert names == ["variable", "reconstruction", "score_samples"]
    codes, recon, scores = _run(model, Xs[:64])
    _close(codes, ae.transform(Xs[:64]))
    _close(recon, ae.inverse_transform(ae.transform(Xs[:64])))
    _close(scores[:, 0], ae.score_samples(Xs[:64]))


def test_inverse_transform_graph_decodes_codes(scaled_ae, X):
    ae = scaled_ae[-1]
    Z = ae.transform(scaled_ae[0].transform(X[:9]).astype(np.float32))
    (decoded,) = _session(to_onnx(ae, None, method="inverse_transform")).run(None, {"codes": Z})
    _close(decoded, ae.inverse_transform(Z))


def test_vae_transform_and_elbo(X):
    vae = VAEGenerator(n_components=2, max_epochs=4, random_state=0).fit(X)
    model = to_onnx(vae, X[:1], options={VAEGenerator: {"score_samples": True}})
    for n in BATCHES:
        codes, scores = _run(model, X[:n])
        _close(codes, vae.transform(X[:n]))
        _close(scores[:, 0], vae.score_samples(X[:n]))


@pytest.mark.parametrize("shape", [(1, 8, 8), (2, 12)])
def test_conv_architectures(shape):
    rng = np.random.RandomState(2)
    X = rng.rand(48, int(np.prod(shape))).astype(np.float32)
    ae = AutoencoderTransformer(
        architecture="conv", image_shape=shape, n_components=4, max_epochs=2, random_state=0
    ).fit(X)
    options = {AutoencoderTransformer: {"reconstruction": True}}
    model = to_onnx(ae, X[:1], options=options)
    for n in (1, 5):
        codes, recon = _run(model, X[:n])
        _close(codes, ae.transform(X[:n]))
        _close(recon, ae.denoise(X[:n]).reshape(n, -1))


def test_preprocessor_handles_nan_and_unseen_levels(frame, odd_rows):
    pre = TabularPreprocessor().fit(frame)
    model = to_onnx(pre, frame[:1])
    assert [i.name for i in model.graph.input] == list(frame.columns)
    (table,) = _run(model, odd_rows)
    np.testing.assert_array_equal(table, pre.transform(odd_rows))


def test_tabular_pipeline_converts(frame, odd_rows):
    ae = AutoencoderTransformer(n_components=2, max_epochs=3, random_state=0)
    pipe = make_tabular_pipeline(ae).fit(frame)
    model = to_onnx(pipe, frame[:1])
    for rows in (odd_rows, frame.iloc[:1], frame):
        (codes,) = _run(model, rows)
        _close(codes, pipe.transform(rows))
    # skl2onnx's own entry point, the column types guessed from the first row
    register_converters()
    (codes,) = _run(skl2onnx.to_onnx(pipe, frame[:1]), odd_rows)
    _close(codes, pipe.transform(odd_rows))
    # a categorical column typed as numbers is refused with the way out
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType

    types = [(c, DoubleTensorType([None, 1])) for c in frame.columns]
    with pytest.raises(TypeError, match="'wind' arrives as DoubleTensorType"):
        skl2onnx.to_onnx(pipe, initial_types=types)
    types = [(c, t if c != "wind" else StringTensorType([None, 1])) for c, t in types]
    with pytest.raises(TypeError, match="'kind' arrives as DoubleTensorType"):
        skl2onnx.to_onnx(pipe, initial_types=types)


def _check_detector(det, model, rows):
    label, decision, scores = _run(model, rows)
    _close(scores[:, 0], det.score_samples(rows))
    _close(decision[:, 0], det.decision_function(rows))
    np.testing.assert_array_equal(label[:, 0], det.predict(rows))


def test_detector_carries_its_threshold(X):
    det = AutoencoderOutlierDetector(n_estimators=3, n_steps=60, random_state=0).fit(X)
    model = to_onnx(det, X[:1])
    assert [o.name for o in model.graph.output] == ["label", "scores", "score_samples"]
    rows = np.vstack([X[:40], X[:5] * 6.0])  # some flagged
    assert (det.predict(rows) == -1).any()
    for n in BATCHES:
        _check_detector(det, model, rows[-n:])


def test_detector_on_a_table_with_unseen_values(frame, odd_rows):
    det = AutoencoderOutlierDetector(n_estimators=2, n_steps=60, random_state=0).fit(frame)
    model = to_onnx(det, frame[:1])
    _check_detector(det, model, odd_rows)
    # the unseen level scores as an anomaly in both
    assert det.score_samples(odd_rows)[0] < np.median(det.score_samples(frame))


def test_detector_with_the_isolation_forest(frame, odd_rows, X):
    det = AutoencoderOutlierDetector(n_estimators=2, n_steps=40, isolation_weight=1.0)
    det.set_params(random_state=0).fit(frame)
    _check_detector(det, to_onnx(det, frame[:1]), odd_rows)
    det = AutoencoderOutlierDetector(n_estimators=1, n_steps=40, isolation_weight=0.5)
    det.set_params(random_state=0).fit(X)
    _check_detector(det, to_onnx(det, X[:1]), np.vstack([X[:30], X[:5] * 6.0]))


def test_vae_detector_on_a_table(frame, odd_rows):
    det = AutoencoderOutlierDetector(n_estimators=2, n_steps=40, model="vae", random_state=0)
    det.fit(frame)
    _check_detector(det, to_onnx(det, frame[:1]), odd_rows)


def test_written_model_has_a_dynamic_batch(scaled_ae, X, tmp_path):
    path = tmp_path / "ae.onnx"
    to_onnx(scaled_ae, X[:1], path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape[0] in (None, "N") or isinstance(
        session.get_inputs()[0].shape[0], str
    )
    (codes,) = session.run(None, {"X": X[:33]})
    _close(codes, scaled_ae.transform(X[:33]))


def test_quantile_preprocessor_and_generator_pipeline(frame, odd_rows):
    """The generators' preprocessing (normal scores through training quantiles) converts."""
    zeros = frame.assign(rain=frame["rain"].where(frame.index % 3 > 0, 0.0))  # a zero run
    quantile = TabularPreprocessor(numeric_transform="quantile", min_frequency=0).fit(zeros)
    extreme = pd.DataFrame(
        {"rain": [-5.0, 0.0, 1e6], "count": [0, 99, 3], "wind": ["N", "S", None],
         "temp": [-40.0, 0.0, 40.0], "kind": pd.Categorical(["p", "q", "p"])}
    )  # fmt: skip
    rows = pd.concat([odd_rows, extreme, zeros.iloc[:30]], ignore_index=True)
    (table,) = _run(to_onnx(quantile, zeros[:1]), rows)
    _close(table, quantile.transform(rows), rel=1e-6)
    pipe = make_tabular_pipeline(VAEGenerator(max_epochs=3, random_state=0)).fit(zeros)
    model = to_onnx(pipe, zeros[:1], options={VAEGenerator: {"score_samples": True}})
    codes, scores = _run(model, rows)
    _close(codes, pipe.transform(rows))
    _close(scores[:, 0], pipe[-1].score_samples(pipe[0].transform(rows)))


def test_unconvertible_settings_raise_clear_errors(frame, X):
    quantile = TabularPreprocessor().fit(frame)
    from sk_autoencoder import SeriesOutlierDetector

    series = SeriesOutlierDetector(window=8, n_estimators=1, random_state=0)
    series.fit(np.sin(np.arange(200) / 5.0))
    with pytest.raises(ValueError, match="SeriesOutlierDetector has no ONNX converter"):
        to_onnx(series, X[:1, :1])
    with pytest.raises(ValueError, match="method must be one of"):
        to_onnx(quantile, frame[:1], method="sample")
    with pytest.raises(ValueError, match="AutoencoderTransformer or VAEGenerator"):
        to_onnx(quantile, frame[:1], method="inverse_transform")
    pre = TabularPreprocessor().fit(frame)
    with pytest.raises(ValueError, match="do not include the columns"):
        to_onnx(pre, frame.drop(columns="temp")[:1])
    with pytest.raises(ValueError, match="no column 'temp'"):
        onnx_inputs(to_onnx(pre, frame[:1]), frame.drop(columns="temp"))


def test_unfitted_models_are_refused(X):
    from sklearn.exceptions import NotFittedError

    for model in (
        AutoencoderTransformer(),
        AutoencoderOutlierDetector(),
        make_pipeline(StandardScaler(), AutoencoderTransformer()),
    ):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            to_onnx(model, X[:1])


@pytest.mark.parametrize("opset", [15, 22])
def test_opsets_around_the_default(scaled_ae, X, opset):
    model = to_onnx(scaled_ae, X[:1], target_opset={"": opset, "ai.onnx.ml": 3})
    (codes,) = _run(model, X[:9])
    _close(codes, scaled_ae.transform(X[:9]))


def test_too_old_opset_is_refused(scaled_ae, X):
    with pytest.raises(ValueError, match="target_opset >= 15"):
        to_onnx(scaled_ae, X[:1], target_opset={"": 13, "ai.onnx.ml": 3})


def test_missing_dependency_names_the_extra(monkeypatch):
    import importlib

    from sk_autoencoder.export import dependencies

    real = importlib.import_module

    def fake(name, *args):
        if name == "skl2onnx":
            raise ImportError("no skl2onnx")
        return real(name, *args)

    monkeypatch.setattr(dependencies.importlib, "import_module", fake)
    with pytest.raises(ImportError, match=r"pip install sk_autoencoder\[onnx\]"):
        dependencies.require("skl2onnx")
