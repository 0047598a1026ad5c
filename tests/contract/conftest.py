"""Fixtures of the contract suite.

A test that takes the ``entry`` fixture runs once per registry entry (``estimators.ENTRIES``);
``@pytest.mark.applies(predicate)`` keeps only the entries it applies to. ``fitted`` is the
entry's estimator fitted once per test module on the entry's data, ``expected`` its outputs.
Tests must not change them (they fit clones for anything that mutates): a module fits each
entry once, however its tests are parametrized.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from .estimators import ENTRIES, known_failure
from .helpers import codes_of, outputs


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "applies(predicate): run a contract test only over the registry entries for which "
        "predicate(entry) is true",
    )


def _parametrizes_entry_itself(metafunc) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0]
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",")]
        if "entry" in names:
            return True
    return False


def pytest_generate_tests(metafunc):
    if "entry" not in metafunc.fixturenames or _parametrizes_entry_itself(metafunc):
        return
    marker = metafunc.definition.get_closest_marker("applies")
    applies = marker.args[0] if marker else None
    check = metafunc.function.__name__
    params = []
    for entry in ENTRIES:
        if applies is not None and not applies(entry):
            continue
        reason = known_failure(entry, check)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(entry, id=entry.id, marks=marks))
    metafunc.parametrize("entry", params, indirect=True, scope="module")


@dataclasses.dataclass
class Fitted:
    est: Any
    X: Any  # the data it was fitted on
    codes: Any  # its transform(X), what inverse_transform is given (None without one)


@pytest.fixture(scope="module")
def entry(request):
    return request.param


# The fits of the current test module, by entry id. A test module that parametrizes
# ``entry`` itself (one param per case, as the bad-input matrix does) gets a new ``entry``
# fixture per case, so the module-scoped ``fitted`` alone would refit for every case.
_FITS: dict[str, Fitted] = {}
_FITS_MODULE: list[str] = [""]


@pytest.fixture(scope="module")
def fitted(request, entry) -> Fitted:
    if _FITS_MODULE[0] != request.module.__name__:
        _FITS.clear()
        _FITS_MODULE[0] = request.module.__name__
    if entry.id not in _FITS:
        X = entry.data()
        est = entry.make().fit(X)
        _FITS[entry.id] = Fitted(est, X, codes_of(est, entry, X))
    return _FITS[entry.id]


@pytest.fixture(scope="module")
def expected(entry, fitted) -> dict:
    """``{method: output}`` of the fitted estimator."""
    return outputs(fitted.est, entry, fitted.X, fitted.codes)
