"""The table :meth:`TabularPreprocessor.inverse_transform` returns, from decoded columns.

Each column codec decodes its output columns to float64 values or an object array of levels;
these functions put the columns together in the training form: a DataFrame with the training
columns and dtypes, or a numpy array of the training dtype.
"""

from __future__ import annotations

import numpy as np

from .._core.frames import import_pandas
from .values import _int_bounds, _missing_mask


def _to_frame(specs, decoded, index, columns_index):
    """A DataFrame of the decoded columns, each restored to its training dtype."""
    pd = import_pandas("This feature of TabularPreprocessor")
    if index is None:
        index = pd.RangeIndex(len(decoded[0]))
    data = {}
    for j, (spec, values) in enumerate(zip(specs, decoded)):
        values = spec.restore(pd, values)
        # Wrap in a Series with an explicit dtype: building a DataFrame straight from an
        # object array lets pandas re-infer it (e.g. object -> str in pandas 3).
        dtype = values.dtype if hasattr(values, "dtype") else None
        data[j] = pd.Series(values, index=index, dtype=dtype, copy=False)
    frame = pd.DataFrame(data, index=index, copy=False)
    frame.columns = columns_index
    return frame


def _to_array(decoded, n_rows: int, dtype: np.dtype) -> np.ndarray:
    """A 2-D array of the decoded columns, of the training array's ``dtype`` if it fits."""
    if dtype.kind in "iuf":
        # Categorical columns of a numeric array hold numeric levels (or a missing value).
        numbers_ = np.column_stack([np.asarray(v, dtype=np.float64) for v in decoded])
        if dtype.kind == "f":
            return numbers_.astype(dtype)
        rounded = np.clip(np.rint(numbers_), *_int_bounds(dtype))
        # An integer array cannot hold NaN: keep rounded floats rather than invent a value.
        return rounded if np.isnan(rounded).any() else rounded.astype(dtype)
    out = np.empty((n_rows, len(decoded)), dtype=object)
    for j, values in enumerate(decoded):
        out[:, j] = values
    if dtype.kind != "O" and not any(_missing_mask(out[:, j]).any() for j in range(out.shape[1])):
        try:
            return out.astype(dtype)
        except (TypeError, ValueError):
            pass
    return out
