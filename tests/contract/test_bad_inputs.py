"""Contract: bad input is refused with the right error and a message that names the problem.

One test per (entry, bad input, method): each entry lists its cases in ``bad_inputs``
(``estimators.BadInput``); a case runs on ``fit`` (unless ``on_fit=False``) and on every
fitted method that takes ``X``. Add a case to an entry (or to a shared tuple such as
``ARRAY_CASES``) to extend the matrix.
"""

from __future__ import annotations

import pytest

from .estimators import ENTRIES, known_failure


def _cases():
    for entry in ENTRIES:
        for case in entry.bad_inputs:
            methods = (("fit",) if case.on_fit else ()) + entry.input_methods
            for method in methods:
                reason = known_failure(entry, f"bad:{case.id}:{method}")
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(
                    entry, case, method, id=f"{entry.id}-{case.id}-{method}", marks=marks
                )


@pytest.mark.parametrize("entry, case, method", list(_cases()), indirect=["entry"])
def test_bad_input_is_refused(entry, fitted, case, method):
    X = case.make(fitted.X)
    est = entry.make() if method == "fit" else fitted.est
    with pytest.raises(case.error, match=f"(?i){case.match}"):
        getattr(est, method)(X)
