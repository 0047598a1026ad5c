"""Tests for the demo (python -m sk_autoencoder.demo) on a small sample of the bundled table."""

import json
import math

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("pandas")

from sk_autoencoder import __version__  # noqa: E402
from sk_autoencoder.demo import format_table, main  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    summary = main(["--out", str(out), "--sample", "2000", "--seed", "0"])
    return out, summary


@pytest.mark.slow
def test_demo_writes_its_files(demo_run):
    out, summary = demo_run
    for name in ("embedding_3d.png", "loss_curves.png", "report.html", "summary.json"):
        assert (out / name).is_file(), name
    assert summary["files"] == [
        "embedding_3d.png",
        "loss_curves.png",
        "report.html",
        "summary.json",
    ]


@pytest.mark.slow
def test_demo_report(demo_run):
    out, summary = demo_run
    page = (out / "report.html").read_text(encoding="utf-8")
    for section in ("training", "embedding", "columns"):
        assert f'<section id="{section}">' in page
    assert "PCA(3) of the same rows" in page
    assert "Location" in page  # the table's columns, by name
    assert 0 < summary["full_table"]["report_seconds"] < 120


@pytest.mark.slow
@pytest.mark.parametrize("name", ["embedding_3d.png", "loss_curves.png"])
def test_demo_pngs_are_real_images(demo_run, name):
    import matplotlib.image as mpimg

    path = demo_run[0] / name
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert path.stat().st_size > 20_000  # a drawn figure, not an empty canvas
    image = mpimg.imread(path)
    assert image.shape[0] > 300 and image.shape[1] > 400
    # Not a single flat colour.
    assert np.ptp(image[..., :3]) > 0.5


@pytest.mark.slow
def test_demo_summary_json(demo_run):
    out, returned = demo_run
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in (
        "version",
        "date",
        "rows",
        "columns",
        "fit_seconds",
        "epochs",
        "final_losses",
        "reconstruction",
        "tutorial_table",
        "machine",
    ):
        assert key in summary, key
    assert summary["version"] == __version__
    assert summary["rows"] == 2000
    assert summary["columns"] == 21  # every column but Date and RainTomorrow
    assert summary["full_table"]["encoded_columns"] > 100  # one-hot Location, wind directions
    assert summary["full_table"]["missing_values"] > 0
    assert set(summary["full_table"]["label_counts"]) <= {"No", "Yes", "unknown"}
    assert sum(summary["full_table"]["label_counts"].values()) == 2000
    assert 0 < summary["fit_seconds"] < 600
    assert summary["epochs"] >= 1
    losses = summary["final_losses"]
    assert 0 < losses["train_loss"] < 1
    assert 0 < losses["best_valid_loss"] < 1
    assert 1 <= losses["best_epoch"] <= summary["epochs"]
    rec = summary["reconstruction"]
    assert 0 < rec["numeric_mse_standardised"] < 1
    assert 0.5 < rec["missing_indicator_accuracy"] <= 1
    assert set(rec["categorical_accuracy"]) == {
        "Location",
        "WindGustDir",
        "WindDir9am",
        "WindDir3pm",
        "RainToday",
    }
    assert all(0 <= v <= 1 for v in rec["categorical_accuracy"].values())

    table = summary["tutorial_table"]
    assert 0 < table["rows"] < 2000
    assert len(table["columns"]) == 17
    results = {r["method"].split(" ")[0].split("(")[0]: r for r in table["results"]}
    assert set(results) == {"tutorial", "PCA", "AutoencoderTransformer"}
    for r in results.values():
        assert r["mse"] > 0 and r["fit_seconds"] >= 0
        assert 0.5 < r["rain_auc"] <= 1
    # A sigmoid output cannot reach the negative half of standardised data.
    assert results["tutorial"]["mse"] > 1.0
    assert results["PCA"]["mse"] < 0.5
    # The returned summary is what was written.
    assert returned["rows"] == summary["rows"]
    assert summary["tutorial_table_markdown"].count("\n") == 4


@pytest.mark.slow
def test_demo_prints_progress(tmp_path, capsys):
    main(["--out", str(tmp_path), "--sample", "300"])
    text = capsys.readouterr().out
    assert "fitting" in text
    assert "on 300 rows x 21 columns" in text
    assert "| PCA(3)" in text
    assert str(tmp_path.resolve()) in text


def test_demo_argument_errors(capsys):
    with pytest.raises(SystemExit):
        main(["--sample", "10"])
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "--sample" in capsys.readouterr().out


def test_format_table():
    rows = [
        {"method": "PCA(3)", "mse": 0.3283, "fit_seconds": 0.01, "rain_auc": 0.859},
        {"method": "x", "mse": 1.0, "fit_seconds": 2.0, "rain_auc": math.nan},
    ]
    text = format_table(rows)
    lines = text.splitlines()
    assert len(lines) == 4
    assert "0.3283" in lines[2] and "0.859" in lines[2]
    assert len({len(line) for line in lines}) == 1  # aligned
