"""Images from a folder of image files (Pillow), and scikit-learn's digits as images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

_IMAGES_HINT = "install it with `pip install sk_autoencoder[images]`"

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
