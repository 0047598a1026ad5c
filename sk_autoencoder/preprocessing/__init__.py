"""Reversible encoding of mixed-type tables, and image scaling, for autoencoders.

:class:`TabularPreprocessor` turns a table with numeric, categorical, string and boolean
columns into a dense float32 matrix, and - unlike scikit-learn's ``ColumnTransformer`` - can
map that matrix (or an autoencoder's reconstruction of it) back to a table with the original
columns and dtypes. It also describes its output layout in ``feature_blocks_`` so that a
downstream autoencoder can use a suitable loss per block (squared error for numeric columns,
cross-entropy for missing indicators and one-hot blocks).

:class:`TabularPipeline` / :func:`make_tabular_pipeline` wire the two together: the blocks are
handed to the final estimator's ``fit`` automatically, and ``sample`` decodes generated rows all
the way back to a DataFrame. :class:`ImageScaler` maps pixel values to [0, 1] and back.

pandas is optional: it is imported only when a DataFrame is involved, so plain numpy input
works without it.

Modules: ``reading`` (the input table, column kinds), ``values`` (missing values, raw
columns, level kinds), ``columns`` (the per-column codecs), ``checks`` (input that would be
silently lost: numbers as text, extreme values), ``running`` (partial_fit's running
statistics), ``tabular`` (the preprocessor), ``decoding`` (the table inverse_transform
returns), ``codec`` / ``state`` (the fitted state as JSON for safe saving), ``params``
(parameter checks), ``pipeline``, ``images``.
"""

from .columns import INFREQUENT as INFREQUENT
from .columns import MISSING as MISSING
from .images import ImageScaler
from .pipeline import TabularPipeline, make_tabular_pipeline
from .tabular import TabularPreprocessor

__all__ = ["ImageScaler", "TabularPipeline", "TabularPreprocessor", "make_tabular_pipeline"]
