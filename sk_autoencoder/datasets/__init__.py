"""Datasets bundled with sk_autoencoder.

:func:`load_weather_aus` reads the Kaggle "Rain in Australia" table that ships inside the
package (no download), and :func:`weather_tutorial_matrix` builds the standardised numeric
matrix used by the usual autoencoder tutorials on it. Both need pandas
(``pip install sk_autoencoder[tables]``).

Images: :func:`load_idx` reads MNIST-style IDX files (``.gz`` or raw),
:func:`load_image_folder` reads a folder of image files with Pillow
(``pip install sk_autoencoder[images]``), and :func:`load_digits_images` gives
scikit-learn's bundled 8x8 digits as images in [0, 1], the default data of the image
examples and tests.
"""

from __future__ import annotations

import gzip
import os
import zlib
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = [
    "IMAGE_EXTENSIONS",
    "WEATHER_COLUMNS",
    "WEATHER_TUTORIAL_DROP",
    "load_digits_images",
    "load_idx",
    "load_image_folder",
    "load_weather_aus",
    "weather_tutorial_matrix",
]

_DATA_PACKAGE = "sk_autoencoder.datasets"
_WEATHER_FILE = "weatherAUS.csv.gz"
_PANDAS_HINT = "install it with `pip install sk_autoencoder[tables]`"

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


def _import_pandas():
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is installed in the test env
        raise ImportError(f"sk_autoencoder.datasets needs pandas; {_PANDAS_HINT}.") from exc
    return pd


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
    pd = _import_pandas()
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
    pd = _import_pandas()
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


# ---------------------------------------------------------------------------------- images

_IMAGES_HINT = "install it with `pip install sk_autoencoder[images]`"

#: IDX type codes (third byte of the magic number) and the numpy dtype they store, big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: File extensions that :func:`load_image_folder` reads (lower case); other files are ignored.
IMAGE_EXTENSIONS = (
    ".bmp",
    ".gif",
    ".jpeg",
    ".jpg",
    ".pbm",
    ".pgm",
    ".png",
    ".pnm",
    ".ppm",
    ".tif",
    ".tiff",
    ".webp",
)


def _read_idx_bytes(path: Path) -> bytes:
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:2] != b"\x1f\x8b":  # not gzip: a raw IDX file
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(
            f"{path} looks gzip-compressed but cannot be decompressed ({exc}); the file is "
            "truncated or corrupt: download it again."
        ) from exc


def load_idx(path) -> np.ndarray:
    """Read an IDX file, the format of MNIST and Fashion-MNIST (``.gz`` or uncompressed).

    The header is a magic number - two zero bytes, a type code (0x08 uint8, 0x09 int8,
    0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64) and the number of dimensions -
    followed by one big-endian uint32 per dimension, then the values in C order, big-endian.
    Gzip compression is recognised from the file's first bytes, whatever its name.

    Parameters
    ----------
    path : str or path-like
        E.g. ``"mnist/train-images-idx3-ubyte.gz"`` (images, shape (60000, 28, 28)) or
        ``"mnist/train-labels-idx1-ubyte.gz"`` (labels, shape (60000,)).

    Returns
    -------
    ndarray
        The stored values with the stored dtype (in native byte order) and shape; a new,
        writeable array.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not an IDX file (bad magic number or type code), or it is truncated or
        longer than its header says.

    Examples
    --------
    >>> from sk_autoencoder.datasets import load_idx
    >>> X = load_idx("mnist/t10k-images-idx3-ubyte.gz")  # doctest: +SKIP
    >>> X.shape, X.dtype  # doctest: +SKIP
    ((10000, 28, 28), dtype('uint8'))
    """
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"No IDX file at {path}.")
    data = _read_idx_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{path} is not an IDX file: its magic number is {data[:4].hex() or 'missing'}, "
            "expected 00 00 <type code> <number of dimensions> with a type code in "
            f"{[hex(c) for c in _IDX_DTYPES]}. Pass an MNIST-style IDX file (.gz or raw)."
        )
    dtype, ndim = _IDX_DTYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"{path} is truncated: the header announces {ndim} dimensions ({header} header "
            f"bytes) but the file holds {len(data)} bytes."
        )
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    count = int(np.prod(shape, dtype=np.int64))
    expected = header + count * dtype.itemsize
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "longer than its header says"
        raise ValueError(
            f"{path} is {problem}: the header announces shape {shape} of {dtype.newbyteorder('=')}"
            f" ({expected} bytes with the header), the (decompressed) file holds {len(data)} "
            "bytes. The file is damaged or not an IDX file: download it again."
        )
    values = np.frombuffer(data, dtype=dtype, count=count, offset=header)
    return values.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def _import_pillow():
    try:
        from PIL import Image, ImageOps
    except ImportError as exc:
        raise ImportError(f"load_image_folder needs Pillow; {_IMAGES_HINT}.") from exc
    return Image, ImageOps


def _image_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
    )


def load_image_folder(path, size=None, mode: str = "L"):
    """Read every image in a folder into one uint8 array, resized to a common size.

    Two layouts are understood:

    - images directly in ``path``: no labels;
    - one subfolder per class, ``path/<label>/...`` (images at any depth below it): the
      first-level subfolder names are the labels. Images lying directly in ``path`` next to
      class folders are an error, since they would have no label.

    Files are read in sorted order (labels sorted, then paths). Files whose extension is not
    in :data:`IMAGE_EXTENSIONS` are skipped. Each image is rotated as its EXIF orientation
    says, converted to ``mode`` (transparency is dropped) and, if ``size`` is given, resized
    with Lanczos resampling (antialiased) to exactly that size, without keeping the aspect
    ratio.

    Parameters
    ----------
    path : str or path-like
        The folder.
    size : tuple (height, width) or None, default=None
        Output size of every image. None keeps the files' own size, which must then be the
        same for all images.
    mode : {"L", "RGB"}, default="L"
        Greyscale or colour.

    Returns
    -------
    X : ndarray of uint8, shape (n_images, height, width) for "L" or
        (n_images, height, width, 3) for "RGB"
        Pixel values 0-255; :class:`sk_autoencoder.ImageScaler` maps them to [0, 1].
    y : ndarray of str, shape (n_images,), or None
        The class folder of each image, or None when the images are not in class folders.

    Raises
    ------
    ImportError
        Pillow is not installed (``pip install sk_autoencoder[images]``).
    ValueError
        Bad ``size`` or ``mode``, no images found, images of different sizes with
        ``size=None``, or a file that Pillow cannot read.
    """
    Image, ImageOps = _import_pillow()
    if mode not in ("L", "RGB"):
        raise ValueError(f"mode must be 'L' (greyscale) or 'RGB' (colour), got {mode!r}.")
    if size is not None:
        shape = tuple(size) if isinstance(size, (tuple, list)) else ()
        if len(shape) != 2 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in shape
        ):
            raise ValueError(
                f"size must be (height, width) with positive ints, or None, got {size!r}."
            )
        height, width = (int(v) for v in shape)
    folder = Path(os.fspath(path))
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder; pass the folder that holds the images.")

    class_dirs = sorted(p for p in folder.iterdir() if p.is_dir() and _image_files(p))
    if class_dirs:
        loose = [
            p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
        ]
        if loose:
            raise ValueError(
                f"{folder} holds class folders ({', '.join(d.name for d in class_dirs[:5])}"
                f"{', ...' if len(class_dirs) > 5 else ''}) and also images directly in it "
                f"({', '.join(sorted(loose)[:3])}{', ...' if len(loose) > 3 else ''}), which "
                "would have no label: move them into a class folder."
            )
        files = [(f, d.name) for d in class_dirs for f in _image_files(d)]
    else:
        files = [(f, None) for f in _image_files(folder)]
    if not files:
        raise ValueError(
            f"No images in {folder}: expected files with an extension in {IMAGE_EXTENSIONS}, "
            "directly in the folder or in one subfolder per class."
        )

    images = []
    for file, _ in files:
        try:
            with Image.open(file) as img:
                img = ImageOps.exif_transpose(img).convert(mode)
                if size is not None and img.size != (width, height):
                    img = img.resize((width, height), Image.Resampling.LANCZOS)
                images.append(np.asarray(img, dtype=np.uint8))
        except (OSError, ValueError) as exc:
            raise ValueError(f"Cannot read the image {file}: {exc}") from exc
    shapes = sorted({a.shape[:2] for a in images})
    if len(shapes) > 1:
        raise ValueError(
            f"The images in {folder} have {len(shapes)} different sizes (height, width), e.g. "
            f"{shapes[:3]}: pass size=(height, width) to resize them all to one size."
        )
    X = np.stack(images)
    y = None if files[0][1] is None else np.array([label for _, label in files], dtype=str)
    return X, y


def load_digits_images():
    """scikit-learn's bundled 8x8 handwritten digits as images in [0, 1].

    The 1,797 images of :func:`sklearn.datasets.load_digits` (values 0-16, divided by 16),
    shaped as images. Small and always available (no download), it is the default data of
    the image examples and tests.

    Returns
    -------
    X : ndarray of float32, shape (1797, 8, 8)
        Pixel values in [0, 1].
    y : ndarray of int, shape (1797,)
        The digit shown, 0-9.

    Examples
    --------
    >>> from sk_autoencoder.datasets import load_digits_images
    >>> X, y = load_digits_images()
    >>> X.shape, X.dtype, float(X.max())
    ((1797, 8, 8), dtype('float32'), 1.0)
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)
    return X, np.asarray(digits.target)
