"""plotly, imported when a report is built, and what every figure of a report shares."""

from __future__ import annotations

import numpy as np

REPORT_HINT = "install it with `pip install sk_autoencoder[report]`"
#: The plotly configuration of every figure: no link to plotly's site, a PNG download button.
CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"scale": 2}}
#: The colour of missing label values.
MISSING_COLOUR = "#bbbbbb"


def plotly():
    """``(graph_objects, make_subplots)``, or an ImportError with the install hint."""
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError as exc:
        raise ImportError(f"sk_autoencoder.report needs plotly; {REPORT_HINT}.") from exc
    return go, make_subplots


def plotly_js() -> str:
    """The plotly.js bundle, to be inlined once per page."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def to_div(fig, div_id: str) -> str:
    """The HTML of ``fig`` (a ``<div>`` and its script), without plotly.js."""
    return fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config=CONFIG, validate=False
    )


def palette(n_levels: int) -> list:
    """``n_levels`` distinct colours."""
    from plotly.colors import qualitative

    colours = qualitative.Plotly if n_levels <= 10 else qualitative.Alphabet
    return [colours[i % len(colours)] for i in range(n_levels)]


def compact(values) -> np.ndarray:
    """Values as float32 (half the bytes of float64 in the page; plenty for a plot)."""
    return np.asarray(values, dtype=np.float32)


def robust_range(values: np.ndarray, low: float = 0.5, high: float = 99.5) -> list:
    """``[lo, hi]``: the ``low``-``high`` percentiles of the finite values, padded by 10%."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return [-1.0, 1.0]
    lo, hi = np.percentile(finite, [low, high])
    pad = 0.1 * max(hi - lo, 1e-9 * (1 + abs(hi)))
    return [float(lo - pad), float(hi + pad)]


def layout(fig, title: str, height: int = 420) -> None:
    """The common look: title, white template, margins."""
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 30, "t": 60, "b": 50},
        legend={"itemsizing": "constant"},
    )
