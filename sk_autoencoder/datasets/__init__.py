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

One module per source: ``weather`` (the bundled table, ``data/weatherAUS.csv.gz``), ``idx``
(IDX files) and ``images`` (image folders, the digits).
"""

from __future__ import annotations

from .idx import load_idx
from .images import IMAGE_EXTENSIONS, load_digits_images, load_image_folder
from .weather import (
    WEATHER_COLUMNS,
    WEATHER_TUTORIAL_DROP,
    load_weather_aus,
    weather_tutorial_matrix,
)

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
