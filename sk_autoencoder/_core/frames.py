"""What kind of container the caller passed (pandas or numpy), without importing pandas.

A DataFrame can only exist if pandas was imported by someone, so checking ``sys.modules``
detects DataFrames and Series while numpy-only users never pay for importing pandas.
"""

from __future__ import annotations

import inspect
import sys

PANDAS_HINT = "install it with `pip install sk_autoencoder[tables]`"


def pandas_if_loaded():
    """The pandas module if some code already imported it, else None."""
    pd = sys.modules.get("pandas")
    return pd if pd is not None and hasattr(pd, "DataFrame") else None


def import_pandas(feature: str = "This feature"):
    """Import pandas, or fail with an install hint (pandas is an optional dependency)."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is installed in the test env
        raise ImportError(f"{feature} needs pandas; {PANDAS_HINT}.") from exc
    return pd


def is_dataframe(X) -> bool:
    """True for a pandas DataFrame."""
    pd = pandas_if_loaded()
    return pd is not None and isinstance(X, pd.DataFrame)


def is_series(X) -> bool:
    """True for a pandas Series."""
    pd = pandas_if_loaded()
    return pd is not None and isinstance(X, pd.Series)


def accepts_param(method, name: str) -> bool:
    """Whether ``method`` takes a keyword argument ``name`` (or ``**kwargs``)."""
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
