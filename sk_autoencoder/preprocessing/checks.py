"""Input checks of :class:`TabularPreprocessor` that catch silent loss of information.

- ``_check_text_numbers``: a column detected as categorical (object or string dtype) that
  holds numbers - all of them, or all but a few typos - would be one-hot encoded with its
  numbers grouped as infrequent levels, i.e. lost; it raises instead, naming the column, the
  offending values and their rows, and the fix.
- ``_check_float32_spread``: a numeric column whose float32 encoding cannot tell its values
  apart (one extreme value dominates the standard deviation, or a value overflows float32)
  raises, naming the column, the value and its row.
- ``_check_encoded``: transform's float32 output of a numeric column must be finite.

None of these changes the encoding of data that passes them.
"""

from __future__ import annotations

import itertools
import numbers
from collections import Counter

import numpy as np

from .._core.frames import is_series
from .values import _as_object, _missing_mask

#: Share of the non-missing values of a text column that must be numbers for it to count
#: as a numeric column (with typos if not all are numbers).
NUMBER_SHARE = 0.9
#: Fewest distinct numbers for that: a column of a few numeric codes is a fine categorical.
MIN_DISTINCT_NUMBERS = 20
_SHOWN = 3  # offending values / rows named in a message
_SAMPLE = 256  # values looked at before counting a whole column
#: Percentiles whose float32 encodings must stay apart (0 and 100: the extremes).
_PERCENTILES = (0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 100)
#: Relative difference of two values above which float32 keeps them apart.
_MEANINGFUL = 1e-6
#: A collapsed bulk is an error only when it spans less than this share of the whole range.
_DOMINATED = 1e-9


def _is_number(v) -> bool:
    """A real number (not a bool), or text / bytes that ``float`` reads as one."""
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, numbers.Real):
        return True
    if isinstance(v, (str, bytes)):
        try:
            float(v)
        except ValueError:
            return False
        return True
    return False


def _number_counts(observed: np.ndarray):
    """(rows holding numbers, distinct numbers, distinct other values) or None.

    None when the values are unhashable (the categorical encoding reports them) or clearly
    not a numeric column (too few distinct numbers, or too many other values).
    """
    try:
        counts = Counter(observed.tolist())
    except TypeError:
        return None
    if len(counts) < MIN_DISTINCT_NUMBERS:
        return None
    allowed_other = (1.0 - NUMBER_SHARE) * observed.size
    n_other, n_distinct, others = 0, 0, []
    for level, n in counts.items():
        if _is_number(level):
            n_distinct += 1
            continue
        n_other += n
        others.append(level)
        if n_other > allowed_other:
            return None
    if n_distinct < MIN_DISTINCT_NUMBERS:
        return None
    return observed.size - n_other, n_distinct, others


def _check_text_numbers(name, col) -> None:
    """Raise if a column about to be one-hot encoded holds numbers (see the module docstring).

    Applies to object and string columns only; it is not called for columns listed in
    ``categorical_columns`` or of a category or bool dtype.
    """
    # Quick exit for text columns: a column that is >= 90% numbers shows it in a sample too.
    step = max(1, len(col) // _SAMPLE)
    part = col.iloc[::step] if is_series(col) else col[::step]
    sample = _as_object(part)[~_missing_mask(part)]
    if sum(map(_is_number, sample)) <= sample.size / 2:
        return
    obj = _as_object(col)
    missing = _missing_mask(col)
    observed = obj[~missing]
    found = _number_counts(observed)
    if found is None:
        return
    n_numbers, n_distinct, others = found
    listing = f"categorical_columns=[{name!r}]"
    frame = is_series(col)
    if not others:
        example = f" (e.g. pd.to_numeric(X[{name!r}]))" if frame else ""
        raise ValueError(
            f"column {name!r} holds only numbers ({n_distinct} distinct values) but has dtype "
            f"{col.dtype}, so it would be one-hot encoded as categories, grouping the rare "
            f"numbers together and losing them. Convert it to a numeric dtype{example} or "
            f"list it in numeric_columns=[{name!r}]; to one-hot encode it anyway (codes, IDs), "
            f"list it in {listing}."
        )
    rows = list(
        itertools.islice(
            (i for i, v in enumerate(obj) if not missing[i] and not _is_number(v)), _SHOWN
        )
    )
    shown = ", ".join(repr(v) for v in others[:_SHOWN]) + (", ..." if len(others) > _SHOWN else "")
    where = f"row {rows[0]}" if len(rows) == 1 else f"rows {', '.join(map(str, rows))}"
    if len(rows) == _SHOWN and observed.size - n_numbers > _SHOWN:
        where += ", ..."
    example = f" (e.g. pd.to_numeric(X[{name!r}], errors='coerce') makes it NaN)" if frame else ""
    raise ValueError(
        f"column {name!r} looks numeric ({n_numbers} of its {observed.size} values are "
        f"numbers) but contains non-numeric value(s) {shown} ({where}), so it "
        "would be one-hot encoded as categories, losing the numbers. Clean it: convert the "
        f"text to numbers or NaN{example}; or, if the column really is categorical, list it "
        f"in {listing}."
    )


def _extreme_row(values: np.ndarray) -> int:
    """Row of the observed value farthest from the median (``values`` has NaN for missing)."""
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.abs(values - np.nanmedian(values))
    return int(np.nanargmax(np.where(np.isnan(distance), -np.inf, distance)))


def _collapsed_run(quantiles: np.ndarray, codes: np.ndarray):
    """``(i, j)``: a run ``i..j`` of equal ``codes`` whose ``quantiles`` differ meaningfully.

    Meaningfully: by more than float32 could store of the raw values themselves, so values
    that differ only by rounding noise (e.g. 0.1 read once as float32, once as float64) do not
    count. None if there is no such run.
    """
    i = 0
    for j in range(1, len(codes) + 1):
        if j < len(codes) and codes[j] == codes[i]:
            continue
        low, high = quantiles[i], quantiles[j - 1]
        if high - low > _MEANINGFUL * max(abs(low), abs(high)):
            return i, j - 1
        i = j
    return None


def _dominated(run, quantiles: np.ndarray, observed: np.ndarray) -> bool:
    """Whether a collapsed run of the inner percentiles is the bulk, lost to extreme values.

    Lost: the run covers the 5th to the 95th percentile (the bulk, not a few rows) and spans
    less than ``_DOMINATED`` of the column's whole range, i.e. a few values lie more than a
    billion times the bulk's spread away (a sentinel such as 1e30 among ordinary numbers).
    A run that differs only at float32's resolution of the range (0 next to 1e-7 in a column
    reaching 16) is rounding, not a lost column.
    """
    i, j = run[0] + 1, run[1] + 1  # indices into _PERCENTILES
    if _PERCENTILES[i] > 5 or _PERCENTILES[j] < 95:
        return False
    full = float(observed.max() - observed.min())
    return full > 0 and (quantiles[j] - quantiles[i]) < _DOMINATED * full


def _check_float32_spread(name, values: np.ndarray, spec) -> None:
    """Raise if the float32 encoding of ``values`` (NaN for missing) by ``spec`` loses them.

    ``spec`` is the column's ``_NumericSpec``; the encoding is ``(value - center) / scale``
    in float32, as ``transform`` writes it. Two failures: a value whose encoding overflows
    float32, and a scale so dominated by extreme values that the bulk of the column (a range
    of its percentiles from the 1st to the 99th, see ``_PERCENTILES``) encodes to one float32
    value.
    """
    observed = values[~np.isnan(values)]
    if not observed.size:
        return
    quantiles = np.percentile(observed, _PERCENTILES, method="nearest")
    with np.errstate(over="ignore", invalid="ignore"):
        codes = ((quantiles - spec.center) / spec.scale).astype(np.float32)
    if not np.isfinite(codes).all():
        row = _extreme_row(values)
        value = float(values[row])
        raise ValueError(
            f"column {name!r} has the value {value!r} (row {row}), too large to encode "
            f"as float32 (limit {float(np.finfo(np.float32).max):.3g} after standardising). "
            "Rescale the column (e.g. divide it by a power of 10 or take a log) or set the "
            "value to NaN."
        )
    # The inner percentiles only: the extremes themselves may sit next to each other (a few
    # rows, a zero-inflated column); what must not collapse is the bulk of the column.
    run = _collapsed_run(quantiles[1:-1], codes[1:-1])
    if run is not None and _dominated(run, quantiles, observed):
        row = _extreme_row(values)
        (i, j), value = (run[0] + 1, run[1] + 1), float(values[row])
        raise ValueError(
            f"column {name!r} has an extreme value {value!r} (row {row}) that dominates "
            f"its scale ({spec.scale:.3g}): encoded as float32, the values between its "
            f"percentiles {_PERCENTILES[i]} and {_PERCENTILES[j]} "
            f"({float(quantiles[i]):.6g} to {float(quantiles[j]):.6g}) all become one value, "
            "so a model would see an almost constant column. Remove the value (e.g. set it "
            "to NaN) or clip it, or transform the column (e.g. np.log10) before fitting."
        )


def _check_chunk(specs, chunk) -> None:
    """``_check_float32_spread`` of each numeric column of a partial_fit chunk.

    ``chunk`` holds the float64 values of each numeric column (None for categorical ones);
    ``specs`` are the encodings built from every chunk so far, this one included.
    """
    for spec, values in zip(specs, chunk):
        if values is not None:
            _check_float32_spread(spec.name, values, spec)


def _check_encoded(name, values: np.ndarray, encoded: np.ndarray) -> None:
    """Raise if transform's float32 ``encoded`` column of float64 ``values`` is not finite."""
    bad = ~np.isfinite(encoded)
    if bad.any():
        row = int(np.argmax(bad))
        value = float(values[row])
        raise ValueError(
            f"column {name!r} has the value {value!r} (row {row}), too large to encode "
            f"as float32 with the scale learnt in fit (limit "
            f"{float(np.finfo(np.float32).max):.3g} after standardising); set it to NaN or "
            "refit on data that includes such values, rescaled."
        )
