"""Tests for sk_autoencoder.plotting."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sk_autoencoder import (  # noqa: E402
    AutoencoderTransformer,
    VAEGenerator,
    make_tabular_pipeline,
)
from sk_autoencoder.plotting import (  # noqa: E402
    plot_embedding,
    plot_embeddings_side_by_side,
    plot_image_grid,
    plot_interpolation,
    plot_loss_curves,
    plot_reconstructions,
    plot_traversal,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((300, 6)).astype(np.float32)


@pytest.fixture(scope="module")
def ae(data):
    return AutoencoderTransformer(n_components=2, max_epochs=4, random_state=0).fit(data)


def _legend_texts(ax):
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def _line_labels(ax):
    return [line.get_label() for line in ax.get_lines()]


# --------------------------------------------------------------------------- plot_embedding


def test_embedding_2d_with_binary_labels():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((500, 2))
    fig = plot_embedding(Z, rng.random(500) < 0.3, label_name="flag")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.name != "3d"
    texts = _legend_texts(ax)
    assert len(texts) == 2 and texts[0].startswith("False") and texts[1].startswith("True")
    assert ax.get_legend().get_title().get_text() == "flag"
    assert sum(len(c.get_offsets()) for c in ax.collections) == 500
    assert "shown" not in ax.get_title()


def test_embedding_3d_categorical_labels_with_missing():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((400, 3))
    labels = pd.Series(rng.choice(["No", "Yes", None], size=400))
    fig = plot_embedding(Z, labels, palette={"Yes": "red"})
    ax = fig.axes[0]
    assert ax.name == "3d"
    texts = _legend_texts(ax)
    assert [t.split(" ")[0] for t in texts] == ["No", "Yes", "missing"]  # missing last
    counts = [int(t.split("(")[1].rstrip(")").replace(",", "")) for t in texts]
    assert sum(counts) == 400
    assert ax.get_zlabel() == "code 2"


def test_embedding_subsamples_large_inputs_and_says_so():
    Z = np.random.default_rng(2).standard_normal((5000, 2))
    fig = plot_embedding(Z, max_points=1000, random_state=0)
    ax = fig.axes[0]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 1000
    assert "1,000 of 5,000 points shown" in ax.get_title()
    # The subset is seeded: the same call draws the same points.
    again = plot_embedding(Z, max_points=1000, random_state=0).axes[0]
    np.testing.assert_array_equal(
        ax.collections[0].get_offsets(), again.collections[0].get_offsets()
    )
    full = plot_embedding(Z, max_points=None).axes[0]
    assert sum(len(c.get_offsets()) for c in full.collections) == 5000


def test_embedding_continuous_labels_get_a_colorbar():
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((300, 2))
    fig = plot_embedding(Z, rng.random(300), label_name="score")
    assert len(fig.axes) == 2  # the plot and its colour bar
    assert fig.axes[1].get_ylabel() == "score"


def test_embedding_zoom_limits_axes_to_quantiles():
    Z = np.random.default_rng(4).standard_normal((2000, 3))
    Z[0] = 1000.0
    fig = plot_embedding(Z, zoom_quantile=0.01)
    ax = fig.axes[0]
    assert ax.get_xlim()[1] < 10
    assert "quantiles" in ax.get_title()


def test_embedding_draws_on_a_given_axes():
    fig, ax = plt.subplots()
    out = plot_embedding(np.zeros((10, 2)), ax=ax, title="mine")
    assert out is fig
    assert ax.get_title() == "mine"


def test_embedding_input_errors():
    with pytest.raises(ValueError, match="2-D or 3-D"):
        plot_embedding(np.zeros((10, 4)))
    with pytest.raises(ValueError, match="one value per row"):
        plot_embedding(np.zeros((10, 2)), labels=np.zeros(9))
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="3-D Axes"):
        plot_embedding(np.zeros((10, 3)), ax=ax)
    with pytest.raises(ValueError, match="zoom_quantile"):
        plot_embedding(np.zeros((10, 2)), zoom_quantile=0.7)


# --------------------------------------------------------------------------- plot_loss_curves


def test_loss_curves_autoencoder(ae):
    fig = plot_loss_curves(ae)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = _line_labels(ax)
    # The reconstruction term equals the total without penalties: folded into one line.
    assert "train_loss (= reconstruction)" in labels
    assert "valid_loss" in labels
    best = [lab for lab in labels if lab.startswith("best epoch")]
    assert len(best) == 1
    valid = np.array([row["valid_loss"] for row in ae.history_])
    assert best[0].startswith(f"best epoch {int(np.argmin(valid)) + 1} ")
    assert len(ax.get_lines()[0].get_xdata()) == len(ae.history_)
    assert "AutoencoderTransformer" in ax.get_title()


def test_loss_curves_show_each_named_term(data):
    sparse = AutoencoderTransformer(
        n_components=2, sparsity="l1", sparsity_weight=0.1, max_epochs=3, random_state=0
    ).fit(data)
    labels = _line_labels(plot_loss_curves(sparse).axes[0])
    assert {"train_loss", "train_reconstruction", "train_sparsity"} <= set(labels)


def test_loss_curves_vae(data):
    vae = VAEGenerator(n_components=2, max_epochs=3, random_state=0).fit(data)
    fig = plot_loss_curves(vae, title="VAE")
    ax = fig.axes[0]
    labels = _line_labels(ax)
    assert {"train_loss", "valid_loss", "train_reconstruction", "train_kl"} <= set(labels)
    assert ax.get_title() == "VAE"


def test_loss_curves_without_validation_mark_best_train_epoch(data):
    ae = AutoencoderTransformer(n_components=2, max_epochs=3, train_split=None, random_state=0).fit(
        data
    )
    labels = _line_labels(plot_loss_curves(ae, logy=True).axes[0])
    assert "valid_loss" not in labels
    assert any(lab.startswith("best epoch") and "train_loss" in lab for lab in labels)


def test_loss_curves_pipeline():
    df = pd.DataFrame(
        {
            "x": np.arange(120, dtype=float),
            "y": np.sin(np.arange(120.0)),
            "c": ["a", "b", "c"] * 40,
        }
    )
    pipe = make_tabular_pipeline(AutoencoderTransformer(n_components=2, max_epochs=2))
    pipe.fit(df)
    fig = plot_loss_curves(pipe)
    assert "train_loss" in _line_labels(fig.axes[0])[0]


def test_loss_curves_draws_on_a_given_axes(ae):
    fig, axes = plt.subplots(1, 2)
    assert plot_loss_curves(ae, ax=axes[1]) is fig
    assert axes[1].get_lines() and not axes[0].get_lines()


def test_loss_curves_unfitted():
    with pytest.raises(ValueError, match="fit it first"):
        plot_loss_curves(AutoencoderTransformer())


# --------------------------------------------------------------------------- import hygiene


def test_missing_matplotlib_gives_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"sk_autoencoder\[plot\]"):
        plot_embedding(np.zeros((3, 2)))


def _run(code: str, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=120
    )


def test_plotting_is_a_leaf_lazy_and_uses_agg_without_display():
    # One subprocess (importing torch is the slow part) for three import-time properties.
    code = (
        "import sys, numpy as np\n"
        "import sk_autoencoder, sk_autoencoder.datasets, sk_autoencoder.demo\n"
        "assert 'sk_autoencoder.plotting' not in sys.modules, 'plotting imported by the package'\n"
        "import sk_autoencoder.plotting\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'\n"
        "sk_autoencoder.plotting.plot_embedding(np.zeros((5, 2)))\n"
        "import matplotlib\n"
        "print(matplotlib.get_backend())\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().lower() == "agg"


# --------------------------------------------------------------------------- image plots


def _canvas(fig):
    """The single image drawn by an image plot (values scaled to [0, 1], NaN gaps)."""
    (image,) = fig.axes[0].get_images()
    return np.asarray(image.get_array().filled(np.nan), dtype=float)


def _tile(canvas, row, col, h, w, gap):
    top, left = row * (h + gap), col * (w + gap)
    return canvas[top : top + h, left : left + w]


def test_reconstructions_rows_and_pixels():
    from sk_autoencoder.datasets import load_digits_images

    X, _ = load_digits_images()  # (1797, 8, 8) in [0, 1]
    rows = X[:20].reshape(20, 64)  # a model's 2-D output
    noisy = np.clip(X[:20] + 0.3, 0, 1)[:, None]  # (n, 1, 8, 8)
    fig = plot_reconstructions(X[:20], rows[::-1], noisy, n=5, title="digits")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["original", "noisy", "output"]
    assert ax.get_title() == "digits"
    canvas = _canvas(fig)
    assert canvas.shape == (3 * 8 + 2, 5 * 8 + 4)  # 1-pixel white gaps
    np.testing.assert_allclose(_tile(canvas, 0, 4, 8, 8, 1), X[4])
    np.testing.assert_allclose(_tile(canvas, 1, 0, 8, 8, 1), noisy[0, 0])
    np.testing.assert_allclose(_tile(canvas, 2, 0, 8, 8, 1), X[19])
    assert np.isnan(canvas[8]).all() and np.isnan(canvas[:, 8]).all()


def test_reconstructions_without_noisy_row_and_uint8_scale():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    fig = plot_reconstructions(X, X, row_labels=["clean", "denoised"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["clean", "denoised"]
    canvas = _canvas(fig)
    gap = 2  # about 1/14 of the image side
    assert canvas.shape == (2 * 28 + gap, 3 * 28 + 2 * gap)
    np.testing.assert_allclose(_tile(canvas, 1, 2, 28, 28, gap), X[2] / 255)


def test_rgb_layouts_draw_the_same_picture():
    rng = np.random.default_rng(0)
    last = rng.random((4, 5, 6, 3))  # (n, H, W, C)
    first = last.transpose(0, 3, 1, 2)  # (n, C, H, W)
    canvases = [
        _canvas(plot_image_grid(last, n_cols=2)),
        _canvas(plot_image_grid(first, n_cols=2)),
        _canvas(plot_image_grid(first.reshape(4, -1), n_cols=2, image_shape=(3, 5, 6))),
    ]
    assert canvases[0].shape == (2 * 5 + 1, 2 * 6 + 1, 3)
    np.testing.assert_allclose(_tile(canvases[0], 1, 1, 5, 6, 1), last[3])
    for other in canvases[1:]:
        np.testing.assert_array_equal(other, canvases[0])


def test_image_grid_rows_and_given_axes():
    X = np.random.default_rng(0).random((10, 49))  # square greyscale rows: 7 x 7
    fig, ax = plt.subplots()
    assert plot_image_grid(X, n_cols=4, ax=ax, title="samples") is fig
    assert ax.get_title() == "samples"
    assert _canvas(fig).shape == (3 * 7 + 2, 4 * 7 + 3)


def test_interpolation_strips_with_labels():
    rng = np.random.default_rng(0)
    strips = [rng.random((5, 64)), rng.random((5, 64))]
    fig = plot_interpolation(
        strips, image_shape=(1, 8, 8), row_labels=["3 to 8", "1 to 7"], column_labels=range(5)
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3", "4"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["3 to 8", "1 to 7"]
    assert _canvas(fig).shape == (2 * 8 + 1, 5 * 8 + 4)
    assert _canvas(plot_interpolation(strips[0], image_shape=(8, 8))).shape == (8, 5 * 8 + 4)


def test_image_plot_input_errors():
    X = np.zeros((4, 8, 8))
    with pytest.raises(ValueError, match="same images"):
        plot_reconstructions(X, X[:3])
    with pytest.raises(ValueError, match="same size"):
        plot_reconstructions(X, np.zeros((4, 6, 6)))
    with pytest.raises(ValueError, match="pass image_shape"):
        plot_image_grid(np.zeros((4, 50)))
    with pytest.raises(ValueError, match="do not match image_shape"):
        plot_image_grid(np.zeros((4, 50)), image_shape=(1, 7, 7))
    with pytest.raises(ValueError, match="image_shape must be"):
        plot_image_grid(X, image_shape=(2, 8, 8))
    with pytest.raises(ValueError, match="Cannot tell the image layout"):
        plot_image_grid(np.zeros((4, 5, 8, 8)))
    with pytest.raises(ValueError, match="at least one image"):
        plot_image_grid(np.zeros(64))
    with pytest.raises(ValueError, match="n_cols"):
        plot_image_grid(X, n_cols=0)
    with pytest.raises(ValueError, match="row_labels"):
        plot_interpolation([X, X], row_labels=["one"])


def test_code_scatter_of_images_coloured_by_label():
    # The 2-D code scatter of image models is plot_embedding: one colour per digit.
    from sklearn.decomposition import PCA

    from sk_autoencoder.datasets import load_digits_images

    X, y = load_digits_images()
    Z = PCA(n_components=2).fit_transform(X.reshape(len(X), -1))
    fig = plot_embedding(Z, y, label_name="digit")
    assert [t.split(" ")[0] for t in _legend_texts(fig.axes[0])] == [str(d) for d in range(10)]


def test_traversal_grid_from_a_fitted_vae():
    from sk_autoencoder import VAEGenerator
    from sk_autoencoder.datasets import load_digits_images

    X, _ = load_digits_images()
    vae = VAEGenerator(n_components=3, loss="bce", max_epochs=2, random_state=0).fit(X[:200])
    values = [-2.0, 0.0, 2.0]
    traversal = vae.traverse(X[0], dims=[0, 2], values=values)
    fig = plot_traversal(traversal, values=values, dims=[0, 2])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["z0", "z2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["-2", "0", "2"]
    canvas = _canvas(fig)
    assert canvas.shape == (2 * 8 + 1, 3 * 8 + 2)
    np.testing.assert_allclose(_tile(canvas, 1, 2, 8, 8, 1), traversal[1, 2], rtol=1e-6)
    with pytest.raises(ValueError, match="n_dims, n_values"):
        plot_traversal(traversal[0, 0])
    with pytest.raises(ValueError, match="values needs 3"):
        plot_traversal(traversal, values=[1.0])


def test_embeddings_side_by_side_share_rows_colours_and_notes():
    rng = np.random.default_rng(1)
    Z3, Z2 = rng.standard_normal((500, 3)), rng.standard_normal((500, 2))
    labels = np.where(rng.random(500) > 0.5, "yes", "no")
    fig = plot_embeddings_side_by_side(
        {"PCA": Z3, "code": Z2}, labels, max_points=200, random_state=3, title="Two views"
    )
    pca, code = fig.axes[:2]
    assert (pca.get_title(), code.get_title()) == ("PCA", "code")
    # the same random rows in both panels, so the same legend counts
    legends = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in (pca, code)]
    assert legends[0] == legends[1] and sum(int(t.split("(")[1][:-1]) for t in legends[0]) == 200
    text = fig._suptitle.get_text()
    assert text.startswith("Two views") and "random 200 of 500 points shown, seed 3" in text
    assert "axes zoomed to the 0.01-0.99 quantiles" in text
    with pytest.raises(ValueError, match="same rows"):
        plot_embeddings_side_by_side({"a": Z3, "b": Z2[:10]})
