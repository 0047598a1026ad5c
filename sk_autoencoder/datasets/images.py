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


#: Pillow modes of 16-bit greyscale images.
_MODES_16 = ("I;16", "I;16L", "I;16B", "I;16N")
_MAX_16 = 65535


def _depth(img, arr: np.ndarray | None) -> str:
    """Say how the pixels of an opened image are stored: "8", "16" or "float".

    ``arr`` is the image as an array for modes "I" and "F" (whose range is checked here), else
    None. 32-bit integer images ("I") count as 16-bit if their values fit, else raise.
    """
    if img.mode in _MODES_16:
        return "16"
    if img.mode == "I":
        low, high = int(arr.min()), int(arr.max())
        if low < 0 or high > _MAX_16:
            raise ValueError(
                f"it has 32-bit integer pixels in [{low}, {high}], beyond the "
                f"16-bit range [0, {_MAX_16}] that load_image_folder reads: save it as 8- or "
                "16-bit, or as float in [0, 1]."
            )
        return "16"
    if img.mode == "F":
        if not np.isfinite(arr).all() or arr.min() < 0 or arr.max() > 1:
            raise ValueError(
                f"it has float pixels in [{arr.min()}, {arr.max()}]; "
                "load_image_folder reads float images as they are, so their values must be "
                "finite and in [0, 1]: rescale the file (or save it as 8- or 16-bit)."
            )
        return "float"
    return "8"


def _pixels(Image, img, mode: str, shape) -> np.ndarray:
    """One opened image as uint8 (8-bit files), uint16 (16-bit) or float32 in [0, 1] (float).

    ``Image`` is ``PIL.Image``; ``shape`` is (height, width) to resize to, or None.
    """
    arr = np.asarray(img) if img.mode in ("I", "F") else None
    depth = _depth(img, arr)
    if depth == "8":
        img = img.convert(mode)
        if shape is not None and img.size != shape[::-1]:
            img = img.resize(shape[::-1], Image.Resampling.LANCZOS)
        return np.asarray(img, dtype=np.uint8)
    # High-depth greyscale: resample as 32-bit float (exact for 16-bit values), clip the
    # filter's overshoot, and repeat the channel for colour.
    img = img.convert("F")
    if shape is not None and img.size != shape[::-1]:
        img = img.resize(shape[::-1], Image.Resampling.LANCZOS)
    values = np.asarray(img, dtype=np.float32)
    if depth == "16":
        values = np.clip(np.rint(values), 0, _MAX_16).astype(np.uint16)
    else:
        values = np.clip(values, 0.0, 1.0)
    return np.repeat(values[..., None], 3, axis=-1) if mode == "RGB" else values


def _common_dtype(images: list) -> list:
    """The images in one dtype.

    uint8 if all are 8-bit, else uint16 (8-bit values times 257) if none is float, else
    float32 in [0, 1] (8-bit / 255, 16-bit / 65535).
    """
    dtypes = {a.dtype for a in images}
    if dtypes == {np.dtype(np.uint8)}:
        return images
    if np.dtype(np.float32) in dtypes:
        scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): float(_MAX_16)}
        return [
            a if a.dtype == np.float32 else (a / np.float32(scale[a.dtype])).astype(np.float32)
            for a in images
        ]
    return [a.astype(np.uint16) * np.uint16(257) if a.dtype == np.uint8 else a for a in images]


def load_image_folder(path, size=None, mode: str = "L"):
    """Read every image in a folder into one array, resized to a common size.

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

    Bit depth: 8-bit files (and any mode Pillow converts to ``mode``, e.g. palette, RGBA,
    CMYK) give uint8 values 0-255. 16-bit greyscale files (Pillow modes "I;16*", e.g. 16-bit
    PNGs, and 32-bit integer "I" images whose values fit in 16 bits) give uint16 values
    0-65535, never clipped to 8 bits. Float greyscale files (mode "F", e.g. float TIFFs) give
    float32 values as they are, which must be finite and in [0, 1] (else ``ValueError``).
    High-depth images are greyscale; with ``mode="RGB"`` the channel is repeated. A folder
    that mixes depths gives the widest: uint16 (8-bit values times 257) if there are 16-bit
    files, float32 in [0, 1] (8-bit / 255, 16-bit / 65535) if there are float files.
    :class:`sk_autoencoder.ImageScaler` maps any of these to [0, 1] (by 255, 65535 or 1).

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
    X : ndarray of uint8, uint16 or float32 (see "Bit depth" above), shape
        (n_images, height, width) for "L" or (n_images, height, width, 3) for "RGB"
        Pixel values 0-255 for 8-bit files; :class:`sk_autoencoder.ImageScaler` maps them
        to [0, 1].
    y : ndarray of str, shape (n_images,), or None
        The class folder of each image, or None when the images are not in class folders.

    Raises
    ------
    ImportError
        Pillow is not installed (``pip install sk_autoencoder[images]``).
    ValueError
        Bad ``size`` or ``mode``, no images found, images of different sizes with
        ``size=None``, a file that Pillow cannot read, or float pixels outside [0, 1] or
        integer pixels beyond 16 bits.
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
        shape = tuple(int(v) for v in shape)
    else:
        shape = None
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
                images.append(_pixels(Image, ImageOps.exif_transpose(img), mode, shape))
        except (OSError, ValueError) as exc:
            raise ValueError(f"Cannot read the image {file}: {exc}") from exc
    images = _common_dtype(images)
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
