"""``numeric_transform="quantile"`` in ONNX operators: value -> level -> normal score.

The level is scikit-learn's (and the preprocessor's) tie-averaged interpolation among the
training quantiles (:func:`sk_autoencoder._core.quantiles.quantile_level`), written with
comparisons and gathers; the inverse normal CDF, which ONNX lacks, is Acklam's rational
approximation (absolute error below 6e-9 on the clipped levels, far under float32's rounding of
the encoded value).
"""

from __future__ import annotations

import numpy as np

from .ops import Ops

# Acklam's coefficients: the central region's numerator / denominator, then the tails'.
_A = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690,
      -30.66479806614716, 2.506628277459239)  # fmt: skip
_B = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
      -13.28068155288572, 1.0)  # fmt: skip
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838, -2.549732539343734,
      4.374664141464968, 2.938163982698783)  # fmt: skip
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996, 3.754408661907416,
      1.0)  # fmt: skip
_P_TAIL = 0.02425


def _poly(ops: Ops, coefficients, x: str) -> str:
    """Horner's ``c0 x^(n-1) + ... + c(n-1)``."""
    out = ops("Mul", x, [coefficients[0]])
    for i, c in enumerate(coefficients[1:]):
        out = ops("Add", out, [c])
        if i < len(coefficients) - 2:
            out = ops("Mul", out, x)
    return out


def _interp(ops: Ops, v: str, xp: np.ndarray, fp: np.ndarray) -> str:
    """``np.interp(v, xp, fp)`` of a column ``v`` (n, 1) for non-decreasing ``xp``."""
    n = len(xp)
    below = ops("LessOrEqual", xp[None, :], v)  # (n_rows, n)
    j = ops("ReduceSum", ops.cast(below, np.int64), np.array([1], np.int64))
    j = ops("Clip", ops("Sub", j, np.array([1], np.int64)), np.array(0, np.int64),
            np.array(n - 2, np.int64))  # fmt: skip
    j1 = ops("Add", j, np.array([1], np.int64))
    x0, x1 = ops("Gather", xp, j, axis=0), ops("Gather", xp, j1, axis=0)
    f0, f1 = ops("Gather", fp, j, axis=0), ops("Gather", fp, j1, axis=0)
    width = ops("Sub", x1, x0)
    safe = ops("Where", ops("Greater", width, [0.0]), width, [1.0])
    t = ops("Div", ops("Sub", v, x0), safe)
    value = ops("Add", f0, ops("Mul", t, ops("Sub", f1, f0)))
    value = ops("Where", ops("Less", v, [xp[0]]), [fp[0]], value)
    return ops("Where", ops("GreaterOrEqual", v, [xp[-1]]), [fp[-1]], value)


def _ndtri(ops: Ops, p: str) -> str:
    """The inverse standard normal CDF of ``p`` in (0, 1) (Acklam's approximation)."""
    q = ops("Sub", p, [0.5])
    r = ops("Mul", q, q)
    central = ops("Div", ops("Mul", _poly(ops, _A, r), q), _poly(ops, _B, r))

    def tail(share: str) -> str:
        s = ops("Sqrt", ops("Mul", ops("Log", share), [-2.0]))
        return ops("Div", _poly(ops, _C, s), _poly(ops, _D, s))

    lower = tail(p)
    upper = ops("Neg", tail(ops("Sub", [1.0], p)))
    out = ops("Where", ops("Greater", p, [1.0 - _P_TAIL]), upper, central)
    return ops("Where", ops("Less", p, [_P_TAIL]), lower, out)


def normal_scores(ops: Ops, value: str, quantiles: np.ndarray, bound: float) -> str:
    """The preprocessor's encoding of a column ``value`` (double (n, 1), NaN for missing)."""
    quantiles = np.asarray(quantiles, dtype=np.float64)
    levels = np.linspace(0.0, 1.0, len(quantiles))
    nan = ops("IsNaN", value)
    v = ops("Where", nan, [float(quantiles[len(quantiles) // 2])], value)  # any finite value
    if len(quantiles) == 1:  # one training value: np.interp gives its level 0
        level = ops("Mul", v, [0.0])
    else:
        up = _interp(ops, v, quantiles, levels)
        down = ops("Neg", _interp(ops, ops("Neg", v), -quantiles[::-1], -levels[::-1]))
        level = ops("Mul", ops("Add", up, down), [0.5])
    score = _ndtri(ops, ops("Clip", level, np.array(bound), np.array(1.0 - bound)))
    return ops("Where", nan, [0.0], score)  # missing values sit at the median's score
