"""sk_autoencoder.report: one self-contained HTML page per fitted estimator, checked as text
and, where Chromium is installed, rendered in headless Chromium."""

import re
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

pd = pytest.importorskip("pandas")
pytest.importorskip("plotly")

from sk_autoencoder import (  # noqa: E402
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    SeriesOutlierDetector,
    VAEGenerator,
    make_tabular_pipeline,
    report,
)

# Headless Chromium (Debian's `chromium` package); the flags keep it off the network.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# src= / href= attributes pointing off the page (plotly.js's own code holds URL strings, so
# the page is checked on its attributes and on the requests the browser makes).
EXTERNAL_ATTRIBUTE = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def _table(n=300, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "temp": rng.normal(20, 5, n),
            "wind": rng.choice(["N", "S", "E", "W"], n),
            "rain": rng.choice([True, False], n),
            "humidity": rng.integers(0, 100, n),
        }
    )
    df.loc[::10, "temp"] = np.nan
    return df


def _matrix(n=300, d=6, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


def _series(n=800, seed=0):
    rng = np.random.default_rng(seed)
    hours = pd.date_range("2024-01-01", periods=n, freq="h")
    load = np.sin(2 * np.pi * np.arange(n) / 24) + 0.1 * rng.normal(size=n)
    load[500:506] += 3.0
    return pd.DataFrame({"time": hours, "load": load, "noise": rng.normal(size=n)})


def _fit(est, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return est.fit(X)


def _labels(n, seed=0):
    return np.random.default_rng(seed).choice(["yes", "no", None], n)


def _cases():
    """(estimator, X, y, expected section ids) for every kind of estimator a report takes."""
    df, A, series = _table(), _matrix(), _series()
    ae_sections = ["training", "embedding", "columns"]
    det_sections = ["training", "scores", "embedding", "columns"]
    return {
        "AutoencoderTransformer": (
            AutoencoderTransformer(n_components=3, max_epochs=3, random_state=0),
            A,
            None,
            ae_sections,
        ),
        "Pipeline(MinMaxScaler, AutoencoderTransformer)": (
            make_pipeline(MinMaxScaler(), AutoencoderTransformer(n_components=2, max_epochs=3)),
            A,
            np.arange(len(A)) % 3,
            ae_sections,
        ),
        "TabularPipeline(AutoencoderTransformer)": (
            make_tabular_pipeline(AutoencoderTransformer(n_components=3, max_epochs=3)),
            df,
            _labels(len(df)),
            ae_sections,
        ),
        "VAEGenerator": (
            VAEGenerator(n_components=4, max_epochs=3, random_state=0),
            A,
            None,
            [*ae_sections, "samples"],
        ),
        "Pipeline(StandardScaler, VAEGenerator)": (
            make_pipeline(StandardScaler(), VAEGenerator(n_components=2, max_epochs=3)),
            A,
            None,
            [*ae_sections, "samples"],
        ),
        "TabularPipeline(VAEGenerator)": (
            make_tabular_pipeline(VAEGenerator(n_components=3, max_epochs=3, random_state=0)),
            df,
            _labels(len(df)),
            [*ae_sections, "samples"],
        ),
        "AutoencoderOutlierDetector(array)": (
            AutoencoderOutlierDetector(n_steps=20, random_state=0),
            A,
            (np.arange(len(A)) % 10 == 0).astype(int),
            det_sections,
        ),
        "AutoencoderOutlierDetector(DataFrame)": (
            AutoencoderOutlierDetector(n_steps=20, random_state=0),
            df,
            None,
            det_sections,
        ),
        "AutoencoderOutlierDetector(model=vae)": (
            AutoencoderOutlierDetector(model="vae", n_estimators=2, n_steps=20, random_state=0),
            A,
            None,
            det_sections,
        ),
        "Pipeline(StandardScaler, AutoencoderOutlierDetector)": (
            make_pipeline(StandardScaler(), AutoencoderOutlierDetector(n_steps=20)),
            A,
            None,
            det_sections,
        ),
        "SeriesOutlierDetector": (
            SeriesOutlierDetector(max_epochs=3, random_state=0),
            series,
            None,
            ["training", "series", "scores", "columns"],
        ),
    }


CASE_NAMES = list(_cases())


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """name -> (path of its report, its HTML, expected section ids, estimator, X, y)."""
    out = tmp_path_factory.mktemp("reports")
    built = {}
    for i, (name, (est, X, y, sections)) in enumerate(_cases().items()):
        _fit(est, X)
        path = report(est, X, y, out / f"report_{i}.html", max_points=200)
        built[name] = (path, path.read_text(encoding="utf-8"), sections, est, X, y)
    return built


@pytest.mark.parametrize("name", CASE_NAMES)
def test_report_has_the_sections_of_its_estimator(reports, name):
    path, page, sections, *_ = reports[name]
    assert path.is_file() and path.suffix == ".html"
    found = re.findall(r'<section id="([a-z]+)">', page)
    assert found == sections
    # Every section's figures are plotly figures drawn by the inlined bundle.
    assert page.count('class="plot"') >= len(sections)
    assert page.count("Plotly.newPlot") == page.count('class="plot"')


@pytest.mark.parametrize("name", CASE_NAMES)
def test_report_is_self_contained(reports, name):
    page = reports[name][1]
    markup = re.sub(r"(<script[^>]*>).*?</script>", r"\1</script>", page, flags=re.S)
    assert "Plotly.newPlot" not in markup  # the scripts' code is gone, the tags are left
    assert not EXTERNAL_ATTRIBUTE.search(markup)
    assert not re.search(r"<script[^>]*\bsrc=", markup)
    assert not re.search(r"<link\b", markup)
    assert not re.search(r"<(?:img|iframe|object|embed)\b", markup)
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)
    assert max(len(s) for s in scripts) > 1_000_000  # plotly.js itself, inlined once
    assert page.count("plotly.js v") <= 2  # the bundle's banner, not one copy per figure


def test_report_states_its_subsample_and_seed(tmp_path):
    X = _matrix(n=400)
    ae = _fit(AutoencoderTransformer(n_components=3, max_epochs=2, random_state=0), X)
    page = report(ae, X, path=tmp_path / "r.html", max_points=100, random_state=7).read_text()
    assert "a random 100 of 400 rows (seed 7)" in page
    page = report(ae, X, path=tmp_path / "r.html", max_points=None).read_text()
    assert "all 400 rows" in page
    assert "Coloured by each row&#x27;s reconstruction error" in page


def test_report_legend_counts_every_level(reports):
    _, page, _, _, _, y = reports["TabularPipeline(VAEGenerator)"]
    for level in ("yes", "no"):
        assert f"{level} ({int(np.sum(y == level)):,})" in page
    assert f"missing ({int(np.sum(pd.isna(y))):,})" in page


def test_report_detector_lists_threshold_share_and_top_anomalies(reports):
    _, page, _, det, X, _ = reports["AutoencoderOutlierDetector(DataFrame)"]
    flagged = det.predict(X) == -1
    assert f"{int(flagged.sum()):,} of {len(X):,} rows ({flagged.mean():.2%}) are flagged" in page
    assert "Top anomalies and the columns behind them" in page
    worst = int(np.argmin(det.score_samples(X)))
    # the table's first row starts with the worst row's index (not any cell holding that text)
    caption = "<caption>Top anomalies and the columns behind them (explain)</caption>"
    body = page.split(caption, 1)[1].split("<tbody>", 1)[1]
    assert body.startswith(f"<tr><td>{X.index[worst]}</td>")


def test_report_says_which_weights_training_kept(reports):
    # early stopping restored the best epoch of an autoencoder; detector members keep the last
    _, page, *_ = reports["TabularPipeline(AutoencoderTransformer)"]
    assert "whose weights early stopping restored" in page
    _, page, *_ = reports["AutoencoderOutlierDetector(DataFrame)"]
    assert "the weights kept are the last epoch" in page and "no early stopping" in page
    assert "early stopping restored" not in page


def test_report_series_shows_the_flagged_intervals(reports):
    _, page, _, det, X, _ = reports["SeriesOutlierDetector"]
    intervals = det.anomalous_intervals(X)
    assert len(intervals) >= 1
    assert f"{len(intervals)} flagged interval(s)" in page
    assert "Flagged intervals (anomalous_intervals)" in page


def test_report_worst_columns_of_a_table(reports):
    _, page, _, pipe, X, _ = reports["TabularPipeline(AutoencoderTransformer)"]
    assert "The worst-reconstructed columns" in page
    for column in X.columns:
        assert f"<td>{column}</td>" in page
    assert "cross-entropy of the one-hot level" in page


def test_report_names_the_problem_of_bad_input(tmp_path):
    X = _matrix(n=50)
    with pytest.raises(NotFittedError, match=r"AutoencoderTransformer is not fitted.*fit\(X\)"):
        report(AutoencoderTransformer(), X, path=tmp_path / "r.html")
    with pytest.raises(TypeError, match="got a pipeline ending in PCA"):
        from sklearn.decomposition import PCA

        report(make_pipeline(StandardScaler(), PCA(2)).fit(X), X, path=tmp_path / "r.html")
    with pytest.raises(TypeError, match="AutoencoderOutlierDetector.*got StandardScaler"):
        report(StandardScaler().fit(X), X, path=tmp_path / "r.html")
    ae = _fit(AutoencoderTransformer(n_components=2, max_epochs=1), X)
    with pytest.raises(ValueError, match=r"one value per row of X \(50\)"):
        report(ae, X, y=np.zeros(49), path=tmp_path / "r.html")
    with pytest.raises(ValueError, match="max_points must be None or an int >= 10"):
        report(ae, X, path=tmp_path / "r.html", max_points=3)
    assert not (tmp_path / "r.html").exists()


def test_report_without_plotly_says_how_to_install_it(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "plotly" or m.startswith("plotly.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "plotly", None)
    X = _matrix(n=50)
    ae = _fit(AutoencoderTransformer(n_components=2, max_epochs=1), X)
    with pytest.raises(ImportError, match=r"pip install sk_autoencoder\[report\]"):
        report(ae, X, path=tmp_path / "r.html")


# ------------------------------------------------------------------ in a real browser
BROWSER_CASES = [
    "TabularPipeline(VAEGenerator)",
    "AutoencoderOutlierDetector(DataFrame)",
    "SeriesOutlierDetector",
]

# Per plot container: how many drawn SVG marks and WebGL canvases it holds, and its box.
_PLOTS_JS = """() => Array.from(document.querySelectorAll('.plot .js-plotly-plot')).map(d => ({
    id: d.id,
    marks: d.querySelectorAll(
        '.main-svg .point, .main-svg path.js-line, .main-svg .bars path, .main-svg .hm image'
    ).length,
    canvases: Array.from(d.querySelectorAll('canvas')).filter(c => c.width > 0).length,
    traces: (d.data || []).length,
}))"""
_LINKS_JS = """() => Array.from(document.querySelectorAll('[src], [href]'))
    .map(e => e.getAttribute('src') || e.getAttribute('href'))"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def _drawn_share(png: bytes) -> tuple[float, int]:
    """Share of non-white pixels and number of distinct colours of a screenshot."""
    from io import BytesIO

    from PIL import Image

    image = np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=np.int16)
    non_white = (image < 235).any(axis=2).mean()
    colours = len(np.unique(image.reshape(-1, 3) // 16, axis=0))
    return float(non_white), colours


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", BROWSER_CASES)
def test_report_renders_in_headless_chromium(reports, browser, name, tmp_path):
    pytest.importorskip("PIL")
    path, page_html, *_ = reports[name]
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.as_uri(), wait_until="load")
        n_plots = page_html.count('class="plot"')
        page.wait_for_function(
            f"document.querySelectorAll('.plot .js-plotly-plot').length == {n_plots}",
            timeout=60_000,
        )
        page.wait_for_timeout(500)  # WebGL scenes draw on the next frames
        plots = page.evaluate(_PLOTS_JS)
        links = page.evaluate(_LINKS_JS)
        shot = page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        boxes = [page.locator(f"#{p['id']}").screenshot() for p in plots]
    finally:
        page.close()
    assert not errors, f"JavaScript errors: {errors}"
    assert requests and all(u.startswith(("file:", "data:", "blob:")) for u in requests), requests
    assert all(not re.match(r"\s*(https?:)?//", link) for link in links), links
    assert len(plots) == n_plots
    for plot, box in zip(plots, boxes):
        assert plot["traces"] > 0, plot
        assert plot["marks"] > 0 or plot["canvases"] > 0, f"nothing drawn in {plot}"
        drawn, colours = _drawn_share(box)
        assert drawn > 0.01 and colours > 8, f"{plot['id']} looks blank ({drawn:.3f}, {colours})"
    drawn, colours = _drawn_share(shot)
    assert drawn > 0.05 and colours > 20  # the whole page is not blank either
