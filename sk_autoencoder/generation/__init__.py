"""Generating synthetic rows: the VAE's mixture prior, marginal calibration, conditions, privacy.

- :mod:`.prior`: the Gaussian-mixture prior ``VAEGenerator`` samples codes from;
- :mod:`.marginals`: the per-column calibration ``TabularPipeline.sample`` applies;
- :mod:`.conditions`: conditional sampling by rejection (``sample(conditions=...)``);
- :mod:`.privacy`: :func:`privacy_check`, exact copies and distance to closest record.
"""

from .privacy import privacy_check

__all__ = ["privacy_check"]
