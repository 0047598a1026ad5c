"""Reading format 1: one autoencoder per directory, its weights keyed by parameter name."""

from __future__ import annotations

from .envelope import ModelFormatError

_V1_CLASSES = ("AutoencoderTransformer", "VAEGenerator")


def node_from_v1(config: dict, tensors: dict) -> dict:
    """The format-2 node of a format-1 autoencoder config (its weights file already verified)."""
    name = config.get("class")
    if name not in _V1_CLASSES:
        raise ModelFormatError(
            f"a format-1 {name} model cannot be read by this version; re-save it with the "
            "sk_autoencoder version that wrote it upgraded, or refit it."
        )
    params = dict(config.get("params", {}))
    for key in ("hidden_layer_sizes", "image_shape"):
        if isinstance(params.get(key), list):
            params[key] = {"__tuple__": params[key]}
    fitted = dict(config.get("fitted", {}))
    fitted["weights"] = {key: key for key in tensors}
    return {**config, "params": params, "state": fitted}
