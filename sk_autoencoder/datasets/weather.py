"""The "Rain in Australia" weather table bundled with the package, and its tutorial matrix.

Both functions need pandas (``pip install sk_autoencoder[tables]``). The CSV is read through
:mod:`importlib.resources` from the package ``sk_autoencoder.datasets`` (its ``data/``
folder), so it works from an installed wheel or zip as well as from a checkout.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from .._core.frames import import_pandas

_DATA_PACKAGE = "sk_autoencoder.datasets"
_WEATHER_FILE = "weatherAUS.csv.gz"

#: The 23 columns of the weather table, in file order.
WEATHER_COLUMNS = (
    "Date",
    "Location",
    "MinTemp",
    "MaxTemp",
    "Rainfall",
    "Evaporation",
    "Sunshine",
    "WindGustDir",
    "WindGustSpeed",
    "WindDir9am",
    "WindDir3pm",
    "WindSpeed9am",
    "WindSpeed3pm",
    "Humidity9am",
    "Humidity3pm",
    "Pressure9am",
    "Pressure3pm",
    "Cloud9am",
    "Cloud3pm",
    "Temp9am",
    "Temp3pm",
    "RainToday",
    "RainTomorrow",
)

#: Columns the usual tutorial drops before ``dropna``: the date and the four text columns
#: with many levels (station and wind directions).
WEATHER_TUTORIAL_DROP = ("Date", "Location", "WindGustDir", "WindDir9am", "WindDir3pm")


def load_weather_aus(as_frame: bool = True):
    """Load the "Rain in Australia" weather table bundled with the package.

    Daily observations from 49 Australian weather stations, 2007-11-01 to 2017-06-25:
    145,460 rows x 23 columns, with many missing values (written ``NA`` in the file). Source:
    the Kaggle dataset "Rain in Australia" (the 23-column version without ``RISK_MM``),
    gathered from the Australian Bureau of Meteorology's automated weather stations; the CSV
    is stored unchanged, gzip-compressed, in ``sk_autoencoder/datasets/data/``. No download
    takes place.

    Columns
    -------
    ============================  ===========================================================
    Date                          observation day (parsed as ``datetime64``)
    Location                      station name (49 levels, text)
    MinTemp, MaxTemp              minimum / maximum temperature of the day (deg C)
    Rainfall                      rain over the 24 h to 9 am (mm)
    Evaporation                   "Class A" pan evaporation over the 24 h to 9 am (mm)
    Sunshine                      bright sunshine in the day (hours)
    WindGustDir, WindGustSpeed    direction (16 compass points, text) and speed (km/h) of
                                  the strongest gust of the day
    WindDir9am, WindDir3pm        wind direction at 9 am / 3 pm (16 compass points, text)
    WindSpeed9am, WindSpeed3pm    wind speed at 9 am / 3 pm (km/h)
    Humidity9am, Humidity3pm      relative humidity at 9 am / 3 pm (percent)
    Pressure9am, Pressure3pm      mean-sea-level pressure at 9 am / 3 pm (hPa)
    Cloud9am, Cloud3pm            cloud cover at 9 am / 3 pm (eighths of sky, 0-8)
    Temp9am, Temp3pm              temperature at 9 am / 3 pm (deg C)
    RainToday                     "Yes" if Rainfall > 1 mm, else "No" (text)
    RainTomorrow                  the next day's RainToday: the usual prediction target
    ============================  ===========================================================

    Missing values are NaN. ``RainTomorrow`` is No for 110,316 rows, Yes for 31,877 and
    missing for 3,267.

    Parameters
    ----------
    as_frame : bool, default=True
        True: a pandas DataFrame (text columns as strings, numbers as float64, Date as
        datetime64). False: the same values as a 2-D numpy object array with the columns in
        the order of :data:`WEATHER_COLUMNS`.

    Returns
    -------
    DataFrame or ndarray of shape (145460, 23)

    Examples
    --------
    >>> from sk_autoencoder.datasets import load_weather_aus
    >>> df = load_weather_aus()
    >>> df.shape
    (145460, 23)
    """
    pd = import_pandas("sk_autoencoder.datasets")
    source = resources.files(_DATA_PACKAGE).joinpath("data", _WEATHER_FILE)
    with resources.as_file(source) as path:
        df = pd.read_csv(
            path,
            compression="gzip",
            keep_default_na=False,
            na_values=["NA", ""],
        )
    df["Date"] = pd.to_datetime(df["Date"], format="%Y-%m-%d")
    if as_frame:
        return df
    return df.to_numpy(dtype=object)


def weather_tutorial_matrix(df=None):
    """The usual tutorial matrix of the weather table: 17 standardised numeric columns.

    Drops :data:`WEATHER_TUTORIAL_DROP` (Date, Location and the three wind directions), then
    every row with a missing value (58,090 rows remain), maps RainToday No/Yes to 0/1 and
    standardises the 16 numeric columns plus RainToday with a ``StandardScaler`` fitted on
    those rows. RainTomorrow becomes the label.

    Parameters
    ----------
    df : DataFrame, default=None
        The table from :func:`load_weather_aus` (or a subset of its rows); loaded if None.

    Returns
    -------
    X : ndarray of shape (n_rows, 17), float32
        Standardised features (58,090 rows for the full table).
    y : ndarray of shape (n_rows,), bool
        ``RainTomorrow == "Yes"``.
    columns : list of str
        Names of the 17 columns of ``X``.
    """
    pd = import_pandas("sk_autoencoder.datasets")
    from sklearn.preprocessing import StandardScaler

    if df is None:
        df = load_weather_aus()
    elif not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"weather_tutorial_matrix expects the DataFrame of load_weather_aus(), got "
            f"{type(df).__name__}."
        )
    missing = [c for c in WEATHER_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"df lacks the weather column(s) {missing}; pass load_weather_aus().")
    data = df.drop(columns=list(WEATHER_TUTORIAL_DROP)).dropna(how="any")
    if len(data) == 0:
        raise ValueError("No complete rows left after dropna; pass more rows of the table.")
    y = (data.pop("RainTomorrow") == "Yes").to_numpy(dtype=bool)
    data["RainToday"] = data["RainToday"].map({"No": 0.0, "Yes": 1.0})
    columns = [str(c) for c in data.columns]
    X = StandardScaler().fit_transform(data.to_numpy(dtype=np.float64)).astype(np.float32)
    return X, y, columns
