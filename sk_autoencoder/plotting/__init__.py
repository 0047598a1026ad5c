"""Quick-look plots for fitted autoencoders: code embeddings, training curves and images.

matplotlib is optional (``pip install sk_autoencoder[plot]``) and imported only when a function
here is called; nothing else in the package imports this module. Without a display (e.g. on a
server) the non-interactive Agg backend is selected, unless a backend was chosen already.

Every function returns the :class:`matplotlib.figure.Figure` it drew on, so the caller can
``fig.savefig(...)`` it.

One module per subject: ``embeddings`` (:func:`plot_embedding`,
:func:`plot_embeddings_side_by_side`), ``training``
(:func:`plot_loss_curves`), ``anomalies`` (:func:`plot_anomaly_scores`,
:func:`plot_anomaly_contributions`), ``images`` (:func:`plot_image_grid`,
:func:`plot_reconstructions`, :func:`plot_interpolation`, :func:`plot_traversal`) and
``series`` (:func:`plot_series_anomalies`), ``compression``
(:func:`plot_rate_distortion`); ``_common`` imports matplotlib and reads labels.
"""

from __future__ import annotations

# Public but outside ``__all__`` (as before the split), so re-exported by explicit alias.
from ._common import MISSING_LABEL as MISSING_LABEL
from .anomalies import plot_anomaly_contributions as plot_anomaly_contributions
from .anomalies import plot_anomaly_scores as plot_anomaly_scores
from .compression import plot_rate_distortion
from .embeddings import plot_embedding, plot_embeddings_side_by_side
from .images import plot_image_grid, plot_interpolation, plot_reconstructions, plot_traversal
from .series import plot_series_anomalies
from .training import plot_loss_curves

__all__ = [
    "plot_embedding",
    "plot_embeddings_side_by_side",
    "plot_image_grid",
    "plot_interpolation",
    "plot_loss_curves",
    "plot_rate_distortion",
    "plot_reconstructions",
    "plot_series_anomalies",
    "plot_traversal",
]
