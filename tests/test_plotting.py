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
from sk_autoencoder.plotting import plot_embedding, plot_loss_curves  # noqa: E402


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
