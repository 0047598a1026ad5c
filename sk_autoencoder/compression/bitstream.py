"""Blobs of :class:`~sk_autoencoder.ImageCodec`: entropy tables, range coding and the header.

One blob is one image::

    byte 0        format version (high 4 bits) and pixel type (low 4 bits)
    varint, x2    image height and width (LEB128: one byte each below 128)
    payload       the range-coded integer code (constriction's RangeEncoder, 32-bit words
                  in big-endian order, the last word's trailing zero bytes left out)
    4 bytes       check: CRC-32 of the model's fingerprint, the header and the payload

The check makes a blob from another model, a truncated one or a damaged one fail loudly
(a damaged blob, or one from another model, passes it with a chance of 1 in 2**32) instead of
decoding to other pixels: the range decoder itself accepts any bytes.

Each code dimension ``c`` has its own table: the integers ``first[c] .. first[c] + length[c]
- 1`` that hold all but a negligible share of its learned probability, then one shared
*escape* symbol (probability ``escape_mass``) after which a value outside the table is coded
with 16 uniform bits, so any integer code in ``[-32768, 32767]`` round-trips exactly (codes
outside it are refused).
"""

from __future__ import annotations

import hashlib
import zlib

import numpy as np

FORMAT_VERSION = 1
CHECK_BYTES = 4
_ESCAPE_BITS = 16
_ESCAPE_OFFSET = 1 << (_ESCAPE_BITS - 1)
PIXEL_TYPES = ("float32", "uint8", "uint16", "float64")


class BitstreamError(ValueError):
    """A blob that this model cannot decode (damaged, truncated, another model or format)."""


def _constriction():
    try:
        import constriction
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError(
            "ImageCodec needs the 'constriction' package for entropy coding: "
            "pip install constriction"
        ) from exc
    return constriction


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(blob: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(blob) or shift > 28:
            raise BitstreamError("the blob is truncated or damaged (its header ends early).")
        byte = blob[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos


def header(pixel_type: str, height: int, width: int) -> bytes:
    """The header bytes of a blob."""
    return bytes([(FORMAT_VERSION << 4) | PIXEL_TYPES.index(pixel_type)]) + (
        _varint(height) + _varint(width)
    )


def read_header(blob: bytes) -> tuple[str, int, int, int]:
    """``(pixel_type, height, width, payload_start)`` of a blob; checks the format."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"a blob must be bytes (from ImageCodec.compress), got {type(blob).__name__}"
        )
    blob = bytes(blob)
    if len(blob) < 1 + 2 + CHECK_BYTES:
        raise BitstreamError(f"the blob is truncated: {len(blob)} bytes is less than a header.")
    version, kind = blob[0] >> 4, blob[0] & 0x0F
    if version != FORMAT_VERSION:
        raise BitstreamError(
            f"the blob has format version {version}; this version of sk_autoencoder reads "
            f"version {FORMAT_VERSION} (or the blob is damaged)."
        )
    if kind >= len(PIXEL_TYPES):
        raise BitstreamError(f"the blob names an unknown pixel type {kind} (it is damaged).")
    height, pos = _read_varint(blob, 1)
    width, pos = _read_varint(blob, pos)
    return PIXEL_TYPES[kind], height, width, pos


class EntropyTables:
    """The discrete model of the code that encoder and decoder share.

    Parameters
    ----------
    pmf : ndarray (channels, width), float64
        ``pmf[c, i]`` is the probability of the integer ``first[c] + i`` for ``i < length[c]``
        (0 beyond).
    first, length : ndarray (channels,), int64
    escape_mass : float
        Probability of the escape symbol of every channel.
    """

    def __init__(self, pmf, first, length, escape_mass: float = 1e-6):
        self.first = np.asarray(first, dtype=np.int64)
        self.length = np.asarray(length, dtype=np.int64)
        self.pmf = pmf = np.asarray(pmf, dtype=np.float64)
        table = np.concatenate([pmf, np.full((len(pmf), 1), float(escape_mass))], axis=1)
        self.probabilities = table / table.sum(axis=1, keepdims=True)
        self.escape = table.shape[1] - 1
        self._models = None

    def __getstate__(self):
        state = dict(vars(self))
        state["_models"] = None  # constriction's models do not pickle; rebuilt when needed
        return state

    def _coder_models(self):
        """The coder's models: categorical (batched tables) and uniform (escaped values)."""
        if self._models is None:
            model = _constriction().stream.model
            self._models = (model.Categorical(perfect=False), model.Uniform(1 << _ESCAPE_BITS))
        return self._models

    @property
    def channels(self) -> int:
        """Number of code dimensions."""
        return len(self.first)

    def symbols(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Table indices of integer codes ``(n, channels)`` and which of them escape."""
        index = codes - self.first[None, :]
        escaped = (index < 0) | (index >= self.length[None, :])
        return np.where(escaped, self.escape, index), escaped

    def bits(self, codes: np.ndarray) -> np.ndarray:
        """Ideal code length of each row of integer codes, in bits ``(n,)``."""
        index, escaped = self.symbols(codes)
        rows = np.arange(self.channels)[None, :]
        p = self.probabilities[rows, index]
        return -np.log2(p).sum(axis=1) + _ESCAPE_BITS * escaped.sum(axis=1)

    def encode(self, code: np.ndarray) -> bytes:
        """Range-code one integer code ``(channels,)``."""
        categorical, uniform = self._coder_models()
        index, escaped = self.symbols(code[None, :])
        encoder = _constriction().stream.queue.RangeEncoder()
        encoder.encode(index[0].astype(np.int32), categorical, self.probabilities)
        if escaped.any():
            values = code[escaped[0]]
            if values.min() < -_ESCAPE_OFFSET or values.max() >= _ESCAPE_OFFSET:
                raise ValueError(
                    f"code values must lie in [-{_ESCAPE_OFFSET}, {_ESCAPE_OFFSET - 1}], got "
                    f"{int(values.min())}..{int(values.max())}"
                )
            encoder.encode((values + _ESCAPE_OFFSET).astype(np.int32), uniform)
        words = encoder.get_compressed().astype(">u4").tobytes()
        # Trailing zero bytes of the last word carry nothing (decoding pads them back).
        keep = len(words.rstrip(b"\0"))
        return words[: max(keep, len(words) - 3)] if words else words

    def decode(self, payload: bytes) -> np.ndarray:
        """The integer code ``(channels,)`` of one payload."""
        categorical, uniform = self._coder_models()
        padded = payload + b"\0" * (-len(payload) % 4)
        words = np.frombuffer(padded, dtype=">u4").astype(np.uint32)
        try:
            decoder = _constriction().stream.queue.RangeDecoder(words)
            index = np.asarray(decoder.decode(categorical, self.probabilities), np.int64)
            code = self.first + index
            escaped = index == self.escape
            if escaped.any():
                raw = decoder.decode(uniform, int(escaped.sum()))
                code[escaped] = np.asarray(raw, np.int64) - _ESCAPE_OFFSET
        except (AssertionError, ValueError, RuntimeError) as exc:
            raise BitstreamError(f"the blob's payload cannot be decoded ({exc}).") from exc
        return code

    def fingerprint(self, weights: dict) -> bytes:
        """A digest of these tables and the model's weights (``name -> ndarray``)."""
        digest = hashlib.sha256()
        for array in (self.pmf, self.first, self.length):
            digest.update(np.ascontiguousarray(array).tobytes())
        for name in sorted(weights):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(weights[name]).tobytes())
        return digest.digest()


def check(fingerprint: bytes, body: bytes) -> bytes:
    """The check bytes of a blob body (header + payload) for a model's fingerprint."""
    return zlib.crc32(body, zlib.crc32(fingerprint)).to_bytes(CHECK_BYTES, "big")


def verify(fingerprint: bytes, blob: bytes) -> bytes:
    """The body of ``blob`` (without its check), or a :class:`BitstreamError`."""
    body, found = blob[:-CHECK_BYTES], blob[-CHECK_BYTES:]
    if check(fingerprint, body) != found:
        raise BitstreamError(
            "the blob fails its check: it is damaged or truncated, or it was made by a "
            "different model (decode blobs with the model that compressed them, e.g. the one "
            "saved with sk_autoencoder.save)."
        )
    return body
