"""Out-of-core training and inference on Parquet files, the scikit-learn way: ``partial_fit``.

:func:`fit_parquet` streams a Parquet file (or a folder of them) through pyarrow: one pass per
preprocessing step (e.g. :meth:`TabularPreprocessor.partial_fit`), then ``epochs`` passes in
which chunks drawn from a shuffle buffer train the final estimator through its
``partial_fit``. :func:`transform_parquet` writes codes or scores chunk by chunk with a
``ParquetWriter``. Memory is bounded by the chunk and buffer sizes (plus one row group while
it is read), never by the size of the file.

pyarrow is optional: ``pip install sk_autoencoder[parquet]``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._core.frames import accepts_param
from .preprocessing import TabularPipeline

try:
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq
except ImportError as exc:  # pragma: no cover - exercised by a test that hides pyarrow
    raise ImportError(
        "sk_autoencoder.streaming reads and writes Parquet with pyarrow, which is not "
        "installed; install it with `pip install sk_autoencoder[parquet]`."
    ) from exc

__all__ = ["fit_parquet", "iter_parquet", "transform_parquet"]

#: Rows handed to ``partial_fit`` at a time (64 batches of 1,024 rows).
DEFAULT_CHUNK_ROWS = 65_536
#: Methods :func:`transform_parquet` can apply.
_OUTPUT_METHODS = ("transform", "score_samples", "reconstruction_error", "decision_function")


class _ParquetSource:
    """The row groups of a Parquet file or folder, read one at a time."""

    def __init__(self, path, columns=None):
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"No Parquet file or folder at {str(path)!r}.")
        dataset = ds.dataset(str(path), format="parquet")
        self.files = sorted(dataset.files)
        if not self.files:
            raise ValueError(f"{str(path)!r} holds no Parquet files.")
        self.schema = dataset.schema
        if columns is not None:
            columns = [columns] if isinstance(columns, str) else list(columns)
            unknown = [c for c in columns if c not in self.schema.names]
            if unknown:
                raise ValueError(
                    f"columns {unknown} are not in the Parquet data; it has {self.schema.names}."
                )
        self.columns = columns
        # (file, row group, rows): the units a shuffle permutes.
        self.units = []
        for f in self.files:
            meta = pq.ParquetFile(f).metadata
            self.units += [(f, i, meta.row_group(i).num_rows) for i in range(meta.num_row_groups)]
        self.num_rows = sum(n for _, _, n in self.units)
        self.names = columns if columns is not None else list(self.schema.names)

    def _read(self, units, chunk_rows: int, columns):
        handle, name = None, None
        for f, group, _ in units:
            if name != f:
                handle, name = pq.ParquetFile(f), f
            yield from handle.iter_batches(
                batch_size=chunk_rows, row_groups=[group], columns=columns
            )

    def tables(self, chunk_rows: int, *, shuffle=False, buffer_rows=None, rng=None, columns=None):
        """Yield ``pyarrow.Table`` chunks of ``chunk_rows`` rows (the last may be smaller).

        With ``shuffle``, row groups are visited in a random order and rows are mixed in a
        buffer of ``buffer_rows`` rows before they are cut into chunks.
        """
        columns = self.columns if columns is None else columns
        units = self.units
        if not shuffle:
            pending, n_pending = [], 0
            for batch in self._read(units, chunk_rows, columns):
                pending.append(batch)
                n_pending += batch.num_rows
                if n_pending >= chunk_rows:
                    table = pa.Table.from_batches(pending)
                    pending, n_pending = [], 0
                    for start in range(0, table.num_rows - chunk_rows + 1, chunk_rows):
                        yield table.slice(start, chunk_rows)
                    rest = table.num_rows % chunk_rows
                    if rest:
                        pending = table.slice(table.num_rows - rest).to_batches()
                        n_pending = rest
            if n_pending:
                yield pa.Table.from_batches(pending)
            return
        rng = check_random_state(rng)
        buffer_rows = max(int(buffer_rows or 8 * chunk_rows), chunk_rows)
        order = rng.permutation(len(units))
        pending, n_pending = [], 0
        for batch in self._read([units[i] for i in order], chunk_rows, columns):
            pending.append(batch)
            n_pending += batch.num_rows
            if n_pending >= buffer_rows:
                table = pa.Table.from_batches(pending).take(rng.permutation(n_pending))
                n_out = n_pending - n_pending % chunk_rows
                for start in range(0, n_out, chunk_rows):
                    yield table.slice(start, chunk_rows)
                # The remainder (< chunk_rows rows) stays and is mixed with the next rows.
                pending = table.slice(n_out).to_batches() if n_out < n_pending else []
                n_pending -= n_out
        if n_pending:
            table = pa.Table.from_batches(pending).take(rng.permutation(n_pending))
            for start in range(0, n_pending, chunk_rows):
                yield table.slice(start, chunk_rows)


def _as_input(table, as_frame: bool):
    """A chunk as the estimator wants it: a DataFrame, or a float32 matrix."""
    if as_frame:
        return table.to_pandas()
    if table.num_columns == 0:
        raise ValueError("No columns selected: pass columns=[...] with the model's inputs.")
    out = np.empty((table.num_rows, table.num_columns), dtype=np.float32)
    for j, column in enumerate(table.columns):
        if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
            raise TypeError(
                f"column {table.column_names[j]!r} has type {column.type}; a bare estimator "
                "needs numeric columns. Select numeric ones with columns=[...] or use "
                "make_tabular_pipeline(estimator) to encode categorical columns."
            )
        out[:, j] = column.to_numpy(zero_copy_only=False)
    return out


def iter_parquet(
    path,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    columns=None,
    shuffle: bool = False,
    buffer_rows: int | None = None,
    random_state=None,
    as_frame: bool = True,
):
    """Yield the rows of a Parquet file or folder in chunks.

    Parameters
    ----------
    path : str or Path
        A Parquet file or a folder of them (read with ``pyarrow.dataset``).
    chunk_rows : int, default=65536
        Rows per chunk (the last chunk may be smaller).
    columns : list of str, optional
        Columns to read (default: all).
    shuffle : bool, default=False
        Visit row groups in a random order and mix rows in a buffer of ``buffer_rows``.
    buffer_rows : int, optional
        Size of the shuffle buffer; default ``8 * chunk_rows``.
    random_state : int, RandomState or None
        Seeds the shuffle.
    as_frame : bool, default=True
        Yield pandas DataFrames; else float32 arrays (numeric columns only).

    Yields
    ------
    DataFrame or ndarray of shape (<= chunk_rows, n_columns)
    """
    chunk_rows = _positive_int(chunk_rows, "chunk_rows")
    source = _ParquetSource(path, columns)
    for table in source.tables(
        chunk_rows, shuffle=shuffle, buffer_rows=buffer_rows, rng=random_state
    ):
        yield _as_input(table, as_frame)


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")
    return int(value)


def _split_steps(estimator):
    """(transformer steps, final estimator) of a Pipeline, or ([], estimator)."""
    if isinstance(estimator, Pipeline):
        steps = [step for _, step in estimator.steps if step not in (None, "passthrough")]
        return steps[:-1], steps[-1]
    return [], estimator


def _reset_streamable(steps) -> None:
    """Check every step has ``partial_fit``, then reset each, in place, to its unfitted state."""
    for step in steps:
        if not hasattr(step, "partial_fit"):
            raise TypeError(
                f"{type(step).__name__} has no partial_fit, so it cannot learn from a stream; "
                "use estimators that do (TabularPreprocessor, StandardScaler, the "
                "autoencoders) or fit it on a sample that fits in memory."
            )
    for step in steps:
        fresh = clone(step)
        vars(step).clear()
        vars(step).update(vars(fresh))


def fit_parquet(
    estimator,
    path,
    *,
    epochs: int = 1,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    columns=None,
    buffer_rows: int | None = None,
    shuffle: bool = True,
    random_state=None,
):
    """Fit ``estimator`` on a Parquet file or folder that need not fit in memory.

    Works for a bare :class:`AutoencoderTransformer` / :class:`VAEGenerator` (numeric columns)
    and for a pipeline such as ``make_tabular_pipeline(AutoencoderTransformer())``. Like
    ``fit``, it starts from an unfitted state. Then:

    1. one pass in file order per preprocessing step, through its ``partial_fit`` (a
       :class:`TabularPreprocessor` learns running statistics and level counts);
    2. ``epochs`` passes in which row groups are visited in a random order, rows are mixed in a
       shuffle buffer, and each chunk trains the final estimator for one pass through its
       ``partial_fit``. The autoencoders are told the total number of rows
       (``n_samples_total``), so the automatic batch size, learning rate and one-cycle schedule
       span the whole run. With the default ``train_split="auto"`` each chunk holds out
       ``validation_fraction`` of its rows, so ``history`` records a progressive validation
       loss per chunk; pass ``train_split=None`` to the estimator to train on every row.

    Memory is bounded by ``buffer_rows`` and ``chunk_rows`` (plus one row group while it is
    read), not by the file.

    Parameters
    ----------
    estimator : estimator or Pipeline
        Every step must have ``partial_fit``.
    path : str or Path
        A Parquet file or a folder of Parquet files.
    epochs : int, default=1
        Passes over the data for the final estimator.
    chunk_rows : int, default=65536
        Rows per ``partial_fit`` call.
    columns : list of str, optional
        Input columns (default: all).
    buffer_rows : int, optional
        Shuffle buffer size in rows; default ``8 * chunk_rows``.
    shuffle : bool, default=True
        Shuffle across row groups during training (the preprocessing pass reads in order).
    random_state : int, RandomState or None
        Seeds the shuffle; default: the final estimator's ``random_state``.

    Returns
    -------
    estimator
        The fitted estimator (the same object).
    """
    epochs = _positive_int(epochs, "epochs")
    chunk_rows = _positive_int(chunk_rows, "chunk_rows")
    source = _ParquetSource(path, columns)
    if source.num_rows == 0:
        raise ValueError(f"{str(path)!r} holds no rows; fit_parquet needs at least one.")
    transformers, final = _split_steps(estimator)
    _reset_streamable((*transformers, final))
    as_frame = bool(transformers)

    # 1. Preprocessing: one pass per step, each on the output of the steps before it.
    for i, step in enumerate(transformers):
        for table in source.tables(chunk_rows):
            chunk = _as_input(table, as_frame)
            for previous in transformers[:i]:
                chunk = previous.transform(chunk)
            step.partial_fit(chunk)

    # 2. Training epochs through the final estimator's partial_fit.
    kwargs = {}
    blocks = estimator._feature_blocks() if isinstance(estimator, TabularPipeline) else None
    if blocks is not None and accepts_param(final.partial_fit, "feature_blocks"):
        kwargs["feature_blocks"] = [tuple(b) for b in blocks]
    if accepts_param(final.partial_fit, "n_samples_total"):
        kwargs["n_samples_total"] = source.num_rows * epochs
        kwargs["epochs"] = 1
    if random_state is None:
        random_state = getattr(final, "random_state", None)
    rng = check_random_state(random_state)
    for _ in range(epochs):
        tables = source.tables(chunk_rows, shuffle=shuffle, buffer_rows=buffer_rows, rng=rng)
        for table in tables:
            chunk = _as_input(table, as_frame)
            for step in transformers:
                chunk = step.transform(chunk)
            final.partial_fit(chunk, **kwargs)
    return estimator


def transform_parquet(
    estimator,
    path,
    out_path,
    *,
    method: str = "transform",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    columns=None,
    keep_columns=None,
):
    """Apply a fitted estimator to a Parquet file or folder, writing the result to Parquet.

    Rows are read, transformed and written chunk by chunk in file order (a ``ParquetWriter``
    appends one row group per chunk), so memory does not grow with the file. The output is
    written to a temporary name and renamed when complete.

    Parameters
    ----------
    estimator : fitted estimator or Pipeline
    path : str or Path
        Input Parquet file or folder.
    out_path : str or Path
        Output Parquet file.
    method : {"transform", "score_samples", "reconstruction_error", "decision_function"}
        ``transform`` writes the codes (columns named by ``get_feature_names_out``), the
        others one column named after the method.
    chunk_rows : int, default=65536
    columns : list of str, optional
        Model input columns (default: all columns not in ``keep_columns``).
    keep_columns : list of str, optional
        Input columns copied unchanged to the output (e.g. an ID), before the results.

    Returns
    -------
    out_path : str
    """
    if method not in _OUTPUT_METHODS:
        raise ValueError(f"method must be one of {_OUTPUT_METHODS}, got {method!r}.")
    chunk_rows = _positive_int(chunk_rows, "chunk_rows")
    check_is_fitted(estimator)
    function = getattr(estimator, method, None)
    if function is None:
        raise ValueError(f"{type(estimator).__name__} has no {method}().")
    keep = [] if keep_columns is None else list(keep_columns)
    source = _ParquetSource(path, None)
    unknown = [c for c in keep if c not in source.names]
    if unknown:
        raise ValueError(f"keep_columns {unknown} are not in the Parquet data.")
    inputs = list(columns) if columns is not None else [c for c in source.names if c not in keep]
    as_frame = bool(_split_steps(estimator)[0])
    out_path = str(out_path)
    tmp_path = f"{out_path}.tmp-{os.getpid()}"
    writer = None
    names = None
    try:
        for table in source.tables(chunk_rows, columns=list(dict.fromkeys(keep + inputs))):
            result = np.asarray(function(_as_input(table.select(inputs), as_frame)))
            if names is None:
                names = _output_names(estimator, method, result)
            columns_out = [result] if result.ndim == 1 else list(result.T)
            arrays = [table.column(c) for c in keep] + [pa.array(c) for c in columns_out]
            out = pa.Table.from_arrays(arrays, names=keep + names)
            if writer is None:
                writer = pq.ParquetWriter(tmp_path, out.schema)
            writer.write_table(out)
        if writer is None:
            raise ValueError(f"{str(path)!r} holds no rows; there is nothing to transform.")
        writer.close()
        os.replace(tmp_path, out_path)
    finally:
        if os.path.exists(tmp_path):
            if writer is not None:
                writer.close()
            os.remove(tmp_path)
    return out_path


def _output_names(estimator, method: str, result: np.ndarray) -> list:
    if result.ndim == 1:
        return [method]
    if method == "transform":
        try:
            names = [str(n) for n in estimator.get_feature_names_out()]
            if len(names) == result.shape[1]:
                return names
        except (AttributeError, ValueError, TypeError):
            pass
    return [f"{method}{j}" for j in range(result.shape[1])]
