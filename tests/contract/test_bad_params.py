"""Contract: a bad constructor parameter is refused by ``fit`` with an error that names it, and
a bad argument of a fitted method is refused with an error that names it.

The cases are data, in ``bad_params.py``; known failures in ``known_failures.py`` (checks
``param:<name>=<value!r>`` and ``call:<case>``).
"""

from __future__ import annotations

import re

import pytest

from .bad_params import CALL_CASES, PARAM_CASES, PARAM_ERRORS
from .estimators import ENTRIES
from .known_failures import marks

BY_ID = {e.id: e for e in ENTRIES}
# Messages name public things only: no private class or module of the package.
PRIVATE_NAMES = re.compile(r"\b(AutoencoderEnsemble|BaseAutoencoder)\b|(?<![\w])_[a-z]\w*")


def assert_names_no_private_class(message: str) -> None:
    found = PRIVATE_NAMES.search(message)
    assert not found, f"the message names a private class or module {found.group()!r}: {message}"


def _param_cases():
    for case in PARAM_CASES:
        entry = BY_ID[case.entry]
        yield pytest.param(
            entry, case, id=f"{entry.id}-{case.id}", marks=marks(entry, f"param:{case.id}")
        )


def _call_cases():
    for case in CALL_CASES:
        for entry_id in case.entries:
            entry = BY_ID[entry_id]
            yield pytest.param(
                entry, case, id=f"{entry.id}-{case.id}", marks=marks(entry, f"call:{case.id}")
            )


@pytest.mark.parametrize("entry, case", list(_param_cases()))
def test_bad_param_is_refused_by_fit(entry, case):
    est = entry.make().set_params(**case.params)
    with pytest.raises(PARAM_ERRORS, match=f"(?i){case.match}") as info:
        est.fit(entry.data())
    assert_names_no_private_class(str(info.value))


@pytest.mark.parametrize("entry, case", list(_call_cases()), indirect=["entry"])
def test_bad_method_argument_is_refused(entry, fitted, case):
    with pytest.raises(case.error, match=f"(?i){case.match}") as info:
        case.call(fitted.est, fitted)
    assert_names_no_private_class(str(info.value))
