"""Declarative parameter checks with one message style.

Every estimator of the package lists its parameter rules in one table and calls
:func:`check_params` when ``fit`` starts (``__init__`` only stores, as scikit-learn asks;
skorch shadows scikit-learn's own ``_validate_params``, so the estimators call this). A rule is
a :class:`Rule` ``(name, check, expected, error)``: ``check(value)`` says whether the value is
allowed (raising TypeError / ValueError counts as no) and ``expected`` completes the message
``"<Class>: <name> must be <expected>, got <value!r>."``; or a callable ``rule(estimator)`` for
checks across parameters, returning the message after the class name, or None. Rules run in
order, so a type rule can come before the range rules that assume the type.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Rule(NamedTuple):
    """``check(value)`` must be true, else ``error``: "<name> must be <expected>"."""

    name: str
    check: Callable[[object], bool]
    expected: str
    error: type = ValueError


def check_params(estimator, rules) -> None:
    """Raise the error of the first rule that ``estimator``'s parameters break.

    Parameters
    ----------
    estimator : object
        Read with ``getattr(estimator, rule.name)``.
    rules : iterable of Rule, 3- or 4-tuples, or callables ``rule(estimator) -> str | None``
    """
    owner = type(estimator).__name__
    for rule in rules:
        if not isinstance(rule, tuple):
            message = rule(estimator)
            if message:
                raise ValueError(f"{owner}: {message}")
            continue
        rule = Rule(*rule)
        value = getattr(estimator, rule.name)
        try:
            valid = bool(rule.check(value))
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise rule.error(f"{owner}: {rule.name} must be {rule.expected}, got {value!r}.")


def fail(estimator, name: str, expected: str):
    """Raise the package's parameter error for ``estimator.<name>``."""
    raise ValueError(
        f"{type(estimator).__name__}: {name} must be {expected}, got {getattr(estimator, name)!r}."
    )


def is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def int_seed(random_state) -> int:
    """``random_state`` if it is an int, else 0: the seed of draws that must always repeat."""
    return int(random_state) if isinstance(random_state, numbers.Integral) else 0


def is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def positive_int(value) -> bool:
    return is_int(value) and value >= 1


def auto_or_positive_int(value) -> bool:
    return value == "auto" if isinstance(value, str) else positive_int(value)


def positive_real(value) -> bool:
    """A finite real > 0 (not a bool)."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def auto_or_positive_real(value) -> bool:
    if isinstance(value, str):
        return value == "auto"
    return positive_real(value)


def non_negative_real(value) -> bool:
    """A finite real >= 0 (NaN and inf refused)."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def one_of(*allowed):
    """A check accepting exactly the listed strings (and None if listed)."""

    def check(value) -> bool:
        if value is None:
            return None in allowed
        return isinstance(value, str) and value in allowed

    return check


def open_unit_interval(value) -> bool:
    return isinstance(value, numbers.Real) and 0 < value < 1
