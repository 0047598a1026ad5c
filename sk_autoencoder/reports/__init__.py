"""Self-contained HTML reports of fitted autoencoders and detectors (:func:`report`).

plotly is optional (``pip install sk_autoencoder[report]``) and imported only when a report is
built. One module per part of the page: ``target`` (what is read from the estimator),
``training``, ``embedding``, ``columns``, ``anomalies``, ``samples`` (the sections),
``figures`` (plotly and shared figure helpers), ``page`` (the HTML) and ``build``
(:func:`report`, which puts them together).
"""

from __future__ import annotations

from .build import report

__all__ = ["report"]
