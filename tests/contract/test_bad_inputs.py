"""Contract: bad input is refused with the right error and a message that names the problem,
and inputs with a documented handling give finite output.

One test per (entry, case, method): each entry lists its cases in ``bad_inputs``
(``bad_inputs.BadInput`` / ``bad_inputs.Handled``); a case runs on ``fit`` (unless
``on_fit=False``) and on every fitted method that takes ``X``. Add a case to an entry (or to
a shared tuple such as ``bad_inputs.ARRAY_CASES``) to extend the matrix.
"""

from __future__ import annotations

import re
import warnings

import pytest

from .bad_inputs import NUMERIC_ERRORS, BadInput
from .estimators import ENTRIES
from .helpers import assert_finite
from .known_failures import marks


def _cases():
    for entry in ENTRIES:
        for case in entry.bad_inputs:
            methods = tuple(
                m for m in entry.input_methods if case.methods is None or m in case.methods
            )
            for method in (("fit",) if case.on_fit else ()) + methods:
                yield pytest.param(
                    entry,
                    case,
                    method,
                    id=f"{entry.id}-{case.id}-{method}",
                    marks=marks(entry, f"bad:{case.id}:{method}"),
                )


def _outcome(case, run):
    """``run()``, or None where the case allows a named refusal and ``run`` refused."""
    if case.or_raises is None:
        return run()
    try:
        return run()
    except NUMERIC_ERRORS as exc:
        assert re.search(case.or_raises, str(exc), re.IGNORECASE), (
            f"refused with a message that does not match {case.or_raises!r}: "
            f"{type(exc).__name__}: {exc}"
        )
        return None


def _warned(case, caught) -> bool:
    """A warning the case allows instead of finite output was issued."""
    return case.or_warns is not None and any(
        re.search(case.or_warns, str(w.message), re.IGNORECASE) for w in caught
    )


def _check_handled(entry, fitted, case, method, X):
    if method == "fit":
        est = _outcome(case, lambda: entry.make().fit(X))
        if est is None:
            return
        methods = entry.input_methods  # what the new fit gives on the same input
    else:
        est, methods = fitted.est, (method,)
    for m in methods:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = _outcome(case, lambda m=m: getattr(est, m)(X))
        if out is None:
            continue
        if not _warned(case, caught):
            assert_finite(out, m)
        if entry.row_wise:
            assert len(out) == len(X), f"{m} gives {len(out)} rows for {len(X)}"
        if m == "transform" and case.check is not None:
            case.check(est, X, out)


@pytest.mark.parametrize("entry, case, method", list(_cases()), indirect=["entry"])
def test_bad_input(entry, fitted, case, method):
    X = case.make(fitted.X)
    if not isinstance(case, BadInput):
        _check_handled(entry, fitted, case, method, X)
        return
    est = entry.make() if method == "fit" else fitted.est
    with pytest.raises(case.error, match=f"(?i){case.match}"):
        getattr(est, method)(X)
