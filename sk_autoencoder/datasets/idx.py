"""Reading IDX files, the format of MNIST and Fashion-MNIST (``.gz`` or raw)."""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

#: IDX type codes (third byte of the magic number) and the numpy dtype they store, big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


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
    count = math.prod(shape)  # a Python int: exact, whatever the header claims
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
