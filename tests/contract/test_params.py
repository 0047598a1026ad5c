"""Contract: parameters survive ``clone``, fitted state does not; unfitted estimators raise
``NotFittedError`` from every method."""

from __future__ import annotations

import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from .helpers import call, fitted_attributes, param_differences


def test_clone_keeps_params_and_drops_fitted_state(entry, fitted):
    twin = clone(fitted.est)
    assert type(twin) is type(fitted.est)
    # nested estimators (pipeline steps) are compared by their own parameters; skorch's
    # get_params(deep=True) also lists the callbacks a fitted net built, which are not params
    assert not param_differences(twin.get_params(deep=False), fitted.est.get_params(deep=False))
    assert not fitted_attributes(twin)
    with pytest.raises(NotFittedError):
        check_is_fitted(twin)
    check_is_fitted(fitted.est)  # the original keeps its state
    # a fresh estimator has the same parameters as the clone of a fitted one
    assert not param_differences(entry.make().get_params(deep=False), twin.get_params(deep=False))


def test_every_method_raises_not_fitted_before_fit(entry, fitted):
    unfitted = entry.make()
    methods = [*entry.methods, *(["get_feature_names_out"] if entry.feature_names else [])]
    wrong = {}
    for method in methods:
        try:
            if method == "get_feature_names_out":
                unfitted.get_feature_names_out()
            else:
                call(unfitted, method, fitted.X, fitted.codes)
        except NotFittedError:
            continue
        except Exception as exc:
            wrong[method] = f"{type(exc).__name__}: {exc}"
        else:
            wrong[method] = "no error"
    assert not wrong, f"methods that do not raise NotFittedError before fit: {wrong}"
