"""Tests for sk_autoencoder.datasets (the bundled weather table)."""

import sys
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from sk_autoencoder.datasets import (
    WEATHER_COLUMNS,
    WEATHER_TUTORIAL_DROP,
    load_weather_aus,
    weather_tutorial_matrix,
)


@pytest.fixture(scope="module")
def weather():
    return load_weather_aus()


def test_data_file_is_inside_the_package():
    path = resources.files("sk_autoencoder.datasets").joinpath("data", "weatherAUS.csv.gz")
    assert path.is_file()


def test_load_weather_aus_shape_columns_and_dtypes(weather):
    assert weather.shape == (145_460, 23)
    assert tuple(weather.columns) == WEATHER_COLUMNS
    assert pd.api.types.is_datetime64_any_dtype(weather["Date"])
    assert weather["Date"].min() == pd.Timestamp("2007-11-01")
    assert weather["Date"].max() == pd.Timestamp("2017-06-25")
    assert weather["Location"].nunique() == 49
    for col in ("MinTemp", "Rainfall", "Pressure3pm", "Cloud9am"):
        assert pd.api.types.is_float_dtype(weather[col])


def test_load_weather_aus_missing_values_and_label(weather):
    assert weather["Date"].notna().all()
    assert weather["Location"].notna().all()
    assert weather["Sunshine"].isna().sum() == 69_835
    assert weather["WindGustDir"].isna().sum() == 10_326
    counts = weather["RainTomorrow"].value_counts(dropna=False)
    assert counts["No"] == 110_316
    assert counts["Yes"] == 31_877
    assert weather["RainTomorrow"].isna().sum() == 3_267
    assert set(weather["RainToday"].dropna()) == {"No", "Yes"}


def test_load_weather_aus_returns_a_fresh_frame(weather):
    first = load_weather_aus()
    first.loc[0, "MinTemp"] = 999.0
    assert load_weather_aus().loc[0, "MinTemp"] == weather.loc[0, "MinTemp"] == 13.4


def test_load_weather_aus_as_array(weather):
    arr = load_weather_aus(as_frame=False)
    assert isinstance(arr, np.ndarray)
    assert arr.shape == (145_460, 23)
    assert arr.dtype == object
    assert arr[0, WEATHER_COLUMNS.index("Location")] == "Albury"


def test_tutorial_matrix_full_table(weather):
    X, y, columns = weather_tutorial_matrix(weather)
    assert X.shape == (58_090, 17)
    assert X.dtype == np.float32
    assert y.shape == (58_090,) and y.dtype == bool
    assert 0.2 < y.mean() < 0.25
    assert len(columns) == 17 and columns[-1] == "RainToday"
    assert not set(columns) & set(WEATHER_TUTORIAL_DROP)
    assert "RainTomorrow" not in columns
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(X.std(axis=0), 1, atol=1e-3)
    # RainToday is binary: exactly two standardised values.
    assert len(np.unique(X[:, columns.index("RainToday")])) == 2


def test_tutorial_matrix_loads_the_table_itself():
    X, y, columns = weather_tutorial_matrix()
    assert X.shape == (58_090, 17)


def test_tutorial_matrix_on_a_subset(weather):
    X, y, columns = weather_tutorial_matrix(weather.sample(5000, random_state=0))
    assert X.shape[1] == 17 and 0 < X.shape[0] < 5000
    assert len(y) == len(X)


def test_tutorial_matrix_rejects_bad_input(weather):
    with pytest.raises(TypeError, match="DataFrame"):
        weather_tutorial_matrix(weather.to_numpy())
    with pytest.raises(ValueError, match="Sunshine"):
        weather_tutorial_matrix(weather.drop(columns=["Sunshine"]))
    with pytest.raises(ValueError, match="complete rows"):
        weather_tutorial_matrix(weather.iloc[:3].assign(Sunshine=np.nan))


def test_missing_pandas_gives_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(ImportError, match=r"sk_autoencoder\[tables\]"):
        load_weather_aus()
