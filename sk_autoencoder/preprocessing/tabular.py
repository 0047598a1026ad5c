"""Reversible encoding of mixed-type tables for autoencoders: :class:`TabularPreprocessor`.

The preprocessor reads the table (:mod:`.reading`), builds one codec per column
(:mod:`.columns`) from statistics computed in one pass (``fit``) or accumulated over chunks
(``partial_fit``, :mod:`.running`), and lays the codecs' output columns side by side.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._core.frames import is_dataframe
from .._core.params import check_params
from .checks import _check_chunk, _check_encoded, _check_float32_spread
from .columns import _CategoricalSpec, _NumericSpec
from .decoding import _to_array, _to_frame
from .fitted import _remember_input, _store_specs
from .params import _TABULAR_RULES, _check_streamable
from .reading import _read_table, _resolve_kinds, _short, _to_float
from .running import _RunningStats
from .state import _preprocessor_state, _restore_preprocessor


class TabularPreprocessor(TransformerMixin, BaseEstimator):
    """Encode a mixed-type table as a float32 matrix, reversibly.

    Numeric columns are standardised, with missing values imputed by the training mean and
    flagged in a 0/1 indicator column. Categorical, string and boolean columns are one-hot
    encoded, with rare levels grouped into one "infrequent" column and missing values as their
    own level. :meth:`inverse_transform` maps the encoded matrix - or an autoencoder's
    reconstruction of it (probabilities, logits or 0/1 are all fine for the one-hot blocks) -
    back to a table with the original columns, order and dtypes.

    Parameters
    ----------
    categorical_columns : list of column names, default=None
        Columns to one-hot encode. Columns named in neither this list nor
        ``numeric_columns`` are detected from their dtype: object, string, category and bool
        columns are categorical, numeric dtypes are numeric (other dtypes, e.g. datetimes, must
        be listed explicitly or converted). For numpy input the names are ``x0, x1, ...``.
    numeric_columns : list of column names, default=None
        Columns to treat as numbers. Values must be numeric or convertible with ``float``;
        text such as ``"abc"`` raises an error naming the column, value and row. An object or
        string column that is not listed but holds numbers (at least 20 distinct ones and at
        least 90% of its values, e.g. a numeric column with a typo, or numbers read as text)
        raises an error naming it: convert it, or list it in one of the two lists.
    min_frequency : int or float, default=0.01
        Levels seen in fewer than ``min_frequency`` rows (int) or in a smaller share of rows
        than ``min_frequency`` (float in [0, 1]) are grouped into one infrequent level. ``0``
        or ``None`` keeps every level. The missing level is never grouped.
    max_categories : int, default=50
        Most one-hot columns per categorical column, counting the infrequent column but not
        the missing one; the least frequent levels beyond it are grouped as infrequent.
        ``None`` means no limit.
    missing_indicator : bool, default=True
        Add a 0/1 indicator column after each numeric column that had missing values in
        training.
    scale : bool, default=True
        Standardise numeric columns (subtract the mean, divide by the standard deviation; a
        constant column is divided by 1). If False, numeric values pass through unscaled
        (missing values are still imputed with the training mean). Applies to
        ``numeric_transform="standard"``.
    numeric_transform : {"standard", "quantile"}, default="standard"
        ``"quantile"``: numeric values become normal scores through the column's training
        quantiles (up to 1,000, as ``QuantileTransformer(output_distribution="normal")``) and
        decode back through them, so skewed, multi-modal and zero-inflated columns keep their
        shape and range (the generators' choice, see :func:`make_tabular_pipeline`). Missing
        values encode to 0. ``fit`` only: ``partial_fit`` keeps no quantiles.

    Attributes
    ----------
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Input column names (``x0, x1, ...`` for numpy input).
    n_features_in_ : int
        Number of input columns.
    n_features_out_ : int
        Number of output columns.
    numeric_columns_ : list
        Input columns encoded as numbers, in input order.
    categorical_columns_ : list
        Input columns one-hot encoded, in input order.
    mean_ : dict
        Training mean of each numeric column (the imputation value).
    scale_ : dict
        Divisor of each numeric column (standard deviation, or 1).
    indicator_columns_ : list
        Numeric columns that got a missing-indicator column.
    categories_ : dict
        Frequent levels of each categorical column, in output-column order.
    infrequent_categories_ : dict
        Levels of each categorical column grouped as infrequent, most frequent first (empty
        list if none). :meth:`inverse_transform` decodes the infrequent column to the first.
    feature_blocks_ : list of (kind, start, stop)
        Output layout: every output column is in exactly one block, in order. ``kind`` is
        ``"numeric"`` (standardised values; consecutive ones merged into one block),
        ``"binary"`` (missing indicators; consecutive ones merged) or ``"categorical"`` (one
        block per one-hot encoded column). This is the ``feature_blocks`` argument the
        autoencoders' ``fit`` expects.
    column_slices_ : dict
        Input column name -> ``(start, stop)`` of all output columns derived from it (a numeric
        value and its indicator are adjacent, so this is always one contiguous range).

    Notes
    -----
    - Columns are matched by name at transform time (their order may differ). Missing columns
      and columns not seen in fit raise a ``ValueError`` naming them; extra columns are
      rejected rather than ignored so that a misspelt column is not silently dropped. A bare
      array is refused after a fit on a DataFrame (its columns cannot be matched by name).
    - A numeric column that had no missing values in training gets no indicator; missing
      values in it at transform time are imputed, and decode to the training mean.
    - Unseen levels at transform time never raise: they go to the infrequent column if there
      is one, else to the missing column if there is one, else the block is all zero.
    - Every input row gives exactly one output row; rows are never dropped.
    - Infinite values, a value that overflows float32 once standardised, or one so extreme
      that its column's other values become indistinguishable in float32 raise a
      ``ValueError`` naming the column, value and row; so do MultiIndex columns.
    - :func:`sk_autoencoder.save` stores the fitted state as JSON (levels tagged with their
      type, dtypes by name; no pickle) and :func:`sk_autoencoder.load` restores it exactly,
      including the running statistics of ``partial_fit``, which can go on after loading.
      A level, column name or dtype that cannot be reproduced exactly (e.g. a ``Decimal``)
      makes ``save`` raise a ``TypeError`` naming the column.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_autoencoder.preprocessing import TabularPreprocessor
    >>> df = pd.DataFrame({"temp": [20.5, None, 18.0], "dir": ["N", "S", "N"]})
    >>> pre = TabularPreprocessor().fit(df)
    >>> pre.get_feature_names_out().tolist()
    ['temp', 'temp__missing', 'dir=N', 'dir=S']
    >>> pre.feature_blocks_
    [('numeric', 0, 1), ('binary', 1, 2), ('categorical', 2, 4)]
    >>> pre.inverse_transform(pre.transform(df)).equals(df)
    True
    """

    def __init__(
        self,
        categorical_columns=None,
        numeric_columns=None,
        min_frequency=0.01,
        max_categories=50,
        missing_indicator=True,
        scale=True,
        numeric_transform="standard",
    ):
        self.categorical_columns = categorical_columns
        self.numeric_columns = numeric_columns
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.missing_indicator = missing_indicator
        self.scale = scale
        self.numeric_transform = numeric_transform

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    # ------------------------------------------------------------------ column encodings

    def _numeric_params(self) -> dict:
        return {"scale": self.scale, "missing_indicator": self.missing_indicator}

    def _categorical_params(self) -> dict:
        return {"min_frequency": self.min_frequency, "max_categories": self.max_categories}

    # ------------------------------------------------------------------ fitting

    def fit(self, X, y=None):
        """Learn column types, statistics, levels and the output layout.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training table. Numpy arrays get column names ``x0, x1, ...``.
        y : None
            Ignored.

        Returns
        -------
        self : TabularPreprocessor
            Fitted preprocessor.
        """
        check_params(self, _TABULAR_RULES)
        columns, n_rows = _read_table(X, fitted=None, method="fit")
        kinds = _resolve_kinds(columns, self.categorical_columns, self.numeric_columns)
        quantile = self.numeric_transform == "quantile"
        numeric, categorical = self._numeric_params(), self._categorical_params()
        specs, start = [], 0
        for (name, col), kind in zip(columns, kinds):
            if kind == "numeric":
                values = _to_float(name, col, fitting=True)
                spec = _NumericSpec.fit(
                    name, col.dtype, values, start, quantile=quantile, **numeric
                )
                if not quantile:  # normal scores are bounded: nothing to lose
                    _check_float32_spread(name, values, spec)
            else:
                spec = _CategoricalSpec.fit(name, col, n_rows, start, **categorical)
            specs.append(spec)
            start += spec.width
        _remember_input(self, X, columns)
        _store_specs(self, specs)
        return self

    def partial_fit(self, X, y=None):
        """Update the statistics with one chunk of rows, for data that does not fit in memory.

        Like :meth:`sklearn.preprocessing.StandardScaler.partial_fit`: running means and
        variances (Chan et al.'s pairwise update) for numeric columns, level counts for
        categorical ones, and missing-value counts for both. After every call the preprocessor
        is usable and equals ``fit`` on all rows seen so far, up to floating-point rounding:
        ``min_frequency`` as a share is applied to the total row count, and the output layout
        (``feature_blocks_``, ``n_features_out_``) reflects every level and missing value seen.
        The layout can therefore grow while chunks arrive: fit a downstream model after the
        last call (as :func:`sk_autoencoder.streaming.fit_parquet` does).

        Column names, types and the input form (DataFrame or array) are fixed by the first
        call. Memory does not grow with the data: per categorical column, counts are exact
        while it has at most 10,000 distinct levels; beyond that only the most frequent levels
        keep a count (rare ones are dropped and, if seen again, count afresh), which can only
        affect levels far below ``max_categories``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            One chunk of the training table.
        y : None
            Ignored.

        Returns
        -------
        self : TabularPreprocessor
        """
        running = getattr(self, "_running", None)
        if hasattr(self, "_specs") and (running is None or running.specs is not self._specs):
            raise ValueError(
                "TabularPreprocessor was fitted with fit(), which keeps no running counts, so "
                "partial_fit cannot continue it; start a new partial_fit sequence on an "
                "unfitted copy (sklearn.base.clone(preprocessor))."
            )
        check_params(self, _TABULAR_RULES)
        _check_streamable(self)
        first = running is None
        columns, n_rows = _read_table(X, fitted=None if first else self, method="partial_fit")
        if first:
            kinds = _resolve_kinds(columns, self.categorical_columns, self.numeric_columns)
            running = _RunningStats.begin(columns, kinds)
        else:
            running = running.copy()  # a chunk that fails a check leaves the counts as they were
        chunk = running.add(columns, n_rows, fitting=first)
        specs = running.build_specs(self._numeric_params(), self._categorical_params())
        _check_chunk(specs, chunk)
        if first:
            _remember_input(self, X, columns)
        _store_specs(self, specs)
        running.specs = self._specs
        self._running = running
        self.n_samples_seen_ = running.n_rows
        return self

    # ------------------------------------------------------------------ encoding

    def transform(self, X):
        """Encode ``X``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features_in_)
            Table with the training columns (matched by name for DataFrames, in any order).

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_features_out_), dtype float32
            Standardised numeric values, missing indicators and one-hot blocks, laid out as
            described by ``feature_blocks_``. Contains no NaN.
        """
        check_is_fitted(self)
        columns, n_rows = _read_table(X, fitted=self, method="transform")
        out = np.zeros((n_rows, self.n_features_out_), dtype=np.float32)
        for spec, (name, col) in zip(self._specs, columns):
            if spec.kind == "numeric":
                values = _to_float(name, col, fitting=False)
                spec.encode(values, out)
                _check_encoded(name, values, out[:, spec.start])
            else:
                spec.encode(col, out)
        return out

    def inverse_transform(self, X):
        """Decode an encoded matrix (or a reconstruction of it) back to a table.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_out_)
            Encoded data, e.g. the output of :meth:`transform` or an autoencoder's
            ``inverse_transform``/``sample``.

        Returns
        -------
        X_original : DataFrame or ndarray of shape (n_samples, n_features_in_)
            A DataFrame with the training columns in training order and their dtypes if the
            preprocessor was fitted on a DataFrame, else a numpy array of the training dtype.

        Notes
        -----
        - Numeric values are un-standardised. A value whose missing indicator is > 0.5 (a
          probability) becomes NaN. Integer columns are rounded back to integers; if the
          result holds NaN, a numpy integer column is returned as float64 instead (pandas
          nullable integer columns keep their dtype with ``<NA>``).
        - Each one-hot block decodes to the level with the largest value (argmax), so 0/1,
          probabilities and logits all work. The infrequent column decodes to the most
          frequent of the grouped rare levels (``infrequent_categories_[col][0]``), the missing
          column to a missing value.
        - Non-finite input (NaN or +-inf, e.g. from a diverged model) decodes to a missing
          value: in a column's value or indicator slot -> NaN (``<NA>`` for nullable dtypes),
          anywhere in a one-hot block -> the column's missing value (None for object columns,
          NaN / ``<NA>`` for category, string and nullable columns; a numpy bool, integer or
          string column then comes back as object).
        """
        check_is_fitted(self)
        index = X.index if is_dataframe(X) else None
        Xt = np.asarray(X, dtype=np.float64)
        if Xt.ndim != 2 or Xt.shape[1] != self.n_features_out_:
            raise ValueError(
                f"inverse_transform expects an array of shape (n_samples, "
                f"{self.n_features_out_}) - the width of transform's output - but got shape "
                f"{Xt.shape}."
            )
        decoded = [spec.decode(Xt) for spec in self._specs]
        if self._fitted_on_frame:
            return _to_frame(self._specs, decoded, index, self._columns_index)
        return _to_array(decoded, Xt.shape[0], self._array_dtype)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Numeric columns keep their name, missing indicators are ``<col>__missing``, one-hot
        columns ``<col>=<level>``, ``<col>=__infrequent__`` and ``<col>=__missing__``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input column names; must match ``feature_names_in_`` if the preprocessor was fitted
            on a DataFrame. By default ``feature_names_in_``.

        Returns
        -------
        feature_names_out : ndarray of shape (n_features_out_,), dtype object
        """
        check_is_fitted(self)
        names = list(self.feature_names_in_)
        if input_features is not None:
            given = list(input_features)
            if len(given) != self.n_features_in_ or (
                self._fitted_on_frame and [str(g) for g in given] != [str(n) for n in names]
            ):
                raise ValueError(
                    f"input_features {_short(given)} do not match the columns seen in fit "
                    f"{_short(names)}."
                )
            names = given
        out = []
        for spec, name in zip(self._specs, names):
            out.extend(spec.names(str(name)))
        return np.asarray(out, dtype=object)

    # ------------------------------------------------------------------ saving
    _param_rules = _TABULAR_RULES  # also checked on load

    def _save_state(self, writer) -> dict:
        """Fitted state as JSON (see :mod:`sk_autoencoder.preprocessing.state`); no arrays.

        Raises ``TypeError`` naming the column if a level, name or dtype cannot be saved
        exactly (e.g. a level of a type outside the supported ones).
        """
        return _preprocessor_state(self)

    def _load_state(self, state, reader) -> None:
        """Restore a fitted preprocessor, including ``partial_fit``'s running statistics."""
        _restore_preprocessor(self, state)
