"""Declarative parameter checks with one message style.

A rule is ``(name, check, expected)``: ``check(value, estimator)`` says whether the value is
allowed and ``expected`` completes the message ``"<Class>: <name> must be <expected>, got
<value>."``. Checks run when ``fit`` starts (``__init__`` only stores, as scikit-learn asks;
skorch shadows scikit-learn's own ``_validate_params``, so the estimators call these).
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple


class Rule(NamedTuple):
    name: str
    check: object  # (value, estimator) -> bool
    expected: str


def check_params(estimator, rules) -> None:
    """Raise ``ValueError`` naming the first parameter of ``estimator`` that breaks a rule."""
    for rule in rules:
        value = getattr(estimator, rule.name)
        if not rule.check(value, estimator):
            fail(estimator, rule.name, rule.expected)


def fail(estimator, name: str, expected: str):
    """Raise the package's parameter error for ``estimator.<name>``."""
    raise ValueError(
        f"{type(estimator).__name__}: {name} must be {expected}, got {getattr(estimator, name)!r}."
    )


def is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(value, _=None) -> bool:
    return is_int(value) and value >= 1


def auto_or_positive_int(value, _=None) -> bool:
    return value == "auto" if isinstance(value, str) else positive_int(value)


def auto_or_positive_real(value, _=None) -> bool:
    if isinstance(value, str):
        return value == "auto"
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value > 0


def non_negative_real(value, _=None) -> bool:
    """A finite real >= 0 (NaN and inf refused)."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def one_of(*allowed):
    """A check accepting exactly the listed strings (and None if listed)."""

    def check(value, _=None) -> bool:
        if value is None:
            return None in allowed
        return isinstance(value, str) and value in allowed

    return check


def open_unit_interval(value, _=None) -> bool:
    return isinstance(value, numbers.Real) and 0 < value < 1
