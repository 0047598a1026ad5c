"""What the contract tests share: calling an entry's output methods, comparing outputs and
parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .estimators import N_SAMPLES, Entry


def call(est, method: str, X, codes=None):
    """The output of ``est.<method>`` on the entry's data (see the module docstring)."""
    if method == "inverse_transform":
        return est.inverse_transform(codes)
    if method == "sample":
        return est.sample(N_SAMPLES, random_state=0)
    return getattr(est, method)(X)


def outputs(est, entry: Entry, X, codes=None) -> dict:
    """``{method: output}`` for every output method of ``entry``."""
    return {m: call(est, m, X, codes) for m in entry.methods}


def codes_of(est, entry: Entry, X):
    """What ``inverse_transform`` is given: the estimator's own ``transform(X)``."""
    return est.transform(X) if "inverse_transform" in entry.methods else None


def assert_same(a, b, what: str = "") -> None:
    """Identical outputs: frames by ``assert_frame_equal``, arrays element by element with
    the same dtype and shape."""
    if isinstance(a, pd.DataFrame) or isinstance(b, pd.DataFrame):
        assert isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame), what
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=what or "DataFrame")
    else:
        np.testing.assert_array_equal(a, b, err_msg=what, strict=True)


def assert_same_outputs(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for method in expected:
        assert_same(got[method], expected[method], what=method)


def cast(X, dtype):
    """``X`` with its floating-point values in ``dtype`` (arrays of any rank, the float
    columns of a DataFrame); other data is returned as it is."""
    if isinstance(X, pd.DataFrame):
        floats = [c for c in X.columns if pd.api.types.is_float_dtype(X[c])]
        return X.astype({c: dtype for c in floats})
    return np.asarray(X).astype(dtype)


def is_estimator(value) -> bool:
    return hasattr(value, "get_params") and not isinstance(value, type)


def param_differences(a, b, path="") -> list[str]:
    """Where two parameter values differ (estimators by type and parameters, recursively)."""
    if is_estimator(a) or is_estimator(b):
        if type(a) is not type(b):
            return [f"{path}: {type(a).__name__} != {type(b).__name__}"]
        return param_differences(a.get_params(deep=False), b.get_params(deep=False), path)
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in param_differences(a[k], b[k], f"{path}.{k}".lstrip("."))]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if type(a) is not type(b) or len(a) != len(b):
            return [f"{path}: {a!r} != {b!r}"]
        return [
            d for i, (x, y) in enumerate(zip(a, b)) for d in param_differences(x, y, f"{path}[{i}]")
        ]
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return [] if np.array_equal(a, b) else [f"{path}: {a!r} != {b!r}"]
    return [] if a is b or a == b else [f"{path}: {a!r} != {b!r}"]


def fitted_attributes(est, path="") -> list[str]:
    """Public attributes ending in ``_`` (fitted state) of ``est`` and of the estimators in
    its parameters."""
    found = [f"{path}{k}" for k in vars(est) if k.endswith("_") and not k.startswith("_")]
    for name, value in est.get_params(deep=False).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, tuple) and len(v) == 2 and is_estimator(v[1]):  # (name, step)
                found += fitted_attributes(v[1], f"{path}{name}.{v[0]}.")
            elif is_estimator(v):
                found += fitted_attributes(v, f"{path}{name}.")
    return found


def numeric_values(out) -> np.ndarray:
    """The numbers of an output as one float array (a frame's numeric columns)."""
    if isinstance(out, pd.DataFrame):
        out = out.select_dtypes(include="number")
    return np.asarray(out, dtype=np.float64)


def assert_finite(out, what: str = "") -> None:
    """No NaN or infinity in the numbers of ``out`` (an array or a DataFrame)."""
    values = numeric_values(out)
    bad = ~np.isfinite(values)
    assert not bad.any(), f"{what} gives {int(bad.sum())} non-finite values (of {values.size})"
