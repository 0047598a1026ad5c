"""What the package gets wrong today, as strict xfails: ``KNOWN_FAILURES``.

Keys are ``(subjects, check pattern)``, values the reason: what happens today. ``subjects``
is an fnmatch pattern or a tuple of them: registry entry ids (``estimators.ENTRIES``),
``save``, or the loaders ``load_idx`` / ``load_image_folder``. A check is

- a test function name (``test_float64_input``);
- ``bad:<case>:<method>``: one bad input (``bad_inputs.py``) given to one method, ``fit``
  included;
- ``param:<name>=<value!r>``: fit with one bad constructor parameter (``bad_params.py``);
- ``call:<case>``: one bad argument of a fitted method (``bad_params.py``);
- ``load:<case>`` / ``save:<case>``: a damaged model directory or a bad save
  (``bad_files.py``); ``file:<case>`` for the loaders.

Strict: a case that starts passing fails loudly ("XPASS(strict)"), so remove its entry when
the fix lands.
"""

from __future__ import annotations

import fnmatch

import pytest

KNOWN_FAILURES: dict[tuple[str | tuple[str, ...], str], str] = {}


def known_failure(subject, check: str) -> str | None:
    """The reason ``check`` fails today for ``subject`` (an entry or an id), or None."""
    name = getattr(subject, "id", subject)
    for (subjects, check_pattern), reason in KNOWN_FAILURES.items():
        patterns = (subjects,) if isinstance(subjects, str) else subjects
        if any(fnmatch.fnmatchcase(name, p) for p in patterns) and fnmatch.fnmatchcase(
            check, check_pattern
        ):
            return reason
    return None


def marks(subject, check: str) -> list:
    """The strict-xfail mark of ``(subject, check)`` if it is a known failure."""
    reason = known_failure(subject, check)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
