"""The saved state of an :class:`~sk_autoencoder.ImageCodec`: the autoencoder's and its tables.

The entropy tables are stored as tensors (covered by the model file's checksums), so a
receiver with the saved model codes with exactly the encoder's probabilities.
"""

from __future__ import annotations

import numpy as np

from .bitstream import PIXEL_TYPES

_STATE_KEYS = ("pmf", "first", "length", "pixel_type")


class CodecStateMixin:
    """``_save_state`` / ``_load_state`` of :class:`~sk_autoencoder.ImageCodec`."""

    def _save_state(self, writer) -> dict:
        tables = self.entropy_tables_
        if tables is None:
            raise ValueError("this ImageCodec has no entropy tables (its last fit did not finish)")
        state = super()._save_state(writer)
        state.update(
            pmf=writer.array(tables.pmf),
            first=writer.array(tables.first),
            length=writer.array(tables.length),
            pixel_type=self._pixel_type_fit,
        )
        return state

    def _load_state(self, state: dict, reader) -> None:
        state = dict(state)
        saved = {k: state.pop(k, None) for k in _STATE_KEYS}
        if any(v is None for v in saved.values()):
            raise ValueError("the saved ImageCodec lacks its entropy tables")
        if saved["pixel_type"] not in PIXEL_TYPES:
            raise ValueError(f"unknown pixel_type {saved['pixel_type']!r}")
        super()._load_state(state, reader)
        pmf = reader.tensor(saved["pmf"]).numpy().astype(np.float64)
        first = reader.tensor(saved["first"]).numpy().astype(np.int64)
        length = reader.tensor(saved["length"]).numpy().astype(np.int64)
        k = self.n_components_
        if not (
            pmf.ndim == 2
            and pmf.shape[0] == k
            and first.shape == (k,)
            and length.shape == (k,)
            and (length >= 1).all()
            and (length <= pmf.shape[1]).all()
            and np.isfinite(pmf).all()
            and (pmf >= 0).all()
        ):
            raise ValueError("the saved entropy tables do not fit the model")
        self._pixel_type_fit = saved["pixel_type"]
        self._set_tables(pmf, first, length)
