"""Generating synthetic rows: the VAE's mixture prior, marginal calibration, conditions, privacy."""
