"""Safe model files: a directory with a JSON config and safetensors weights.

Loading never runs code from the file: classes come from a fixed whitelist, parameters are
plain JSON values, every array is a tensor, and checksums cover the weights and the whole
config (an edited file is refused). Pickling (``pickle``/``joblib``) also works, as for any
scikit-learn estimator, but only load pickles you trust.

Every estimator of the package saves: the two autoencoders, both detectors,
``SlidingWindows``, ``TabularPreprocessor``, ``ImageScaler`` and whole
:func:`~sk_autoencoder.make_tabular_pipeline` pipelines. ``envelope`` owns the directory
(atomic writes, checksums, versions), ``nodes`` the encoding of estimators; each class
provides its own fitted state (``_save_state`` / ``_load_state``).
"""

from __future__ import annotations

import os
import warnings

from sklearn.utils.validation import check_is_fitted

from .._version import __version__
from .envelope import (
    CONFIG_FILE,
    FORMAT_NAME,
    FORMAT_VERSION,
    WEIGHTS_FILE,
    ModelFormatError,
    read_config,
    read_tensors,
    verify,
    write_model,
)
from .nodes import NODE_KEYS, StateReader, StateWriter

_ENVELOPE_KEYS = {"format", "package_version", "weights", "checksum"}

__all__ = [
    "CONFIG_FILE",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "WEIGHTS_FILE",
    "ModelFormatError",
    "load",
    "save",
]


def savable_classes() -> dict:
    """The only classes a model file may name (imported here, when first needed)."""
    from ..autoencoder import AutoencoderTransformer
    from ..compression import ImageCodec
    from ..outliers import AutoencoderOutlierDetector
    from ..outliers.ensemble import AutoencoderEnsemble
    from ..preprocessing import ImageScaler, TabularPipeline, TabularPreprocessor
    from ..timeseries import SeriesOutlierDetector, SlidingWindows
    from ..timeseries.ensemble import SeriesEnsemble
    from ..vae import VAEGenerator

    classes = (
        AutoencoderTransformer,
        VAEGenerator,
        ImageCodec,
        AutoencoderOutlierDetector,
        AutoencoderEnsemble,
        SeriesEnsemble,
        SeriesOutlierDetector,
        SlidingWindows,
        TabularPreprocessor,
        TabularPipeline,
        ImageScaler,
    )
    return {cls.__name__: cls for cls in classes}


def save(estimator, path: str | os.PathLike, *, overwrite: bool = False) -> None:
    """Save a fitted estimator or tabular pipeline to the directory ``path``.

    The directory is written under a temporary name and renamed into place, so an
    interrupted save never leaves a half-written model at ``path`` (leftovers of earlier
    interrupted saves of the same path are removed). Parameters that are not plain values
    (callbacks, a custom ``train_split``) are not stored and take their defaults on load (a
    warning names them); the training history is not stored.

    Parameters
    ----------
    estimator : fitted estimator
        ``AutoencoderTransformer``, ``VAEGenerator``, ``AutoencoderOutlierDetector``,
        ``SeriesOutlierDetector``, ``SlidingWindows``, ``TabularPreprocessor``,
        ``ImageScaler`` or a ``TabularPipeline`` of them (:func:`make_tabular_pipeline`).
    path : str or PathLike
        Directory to create.
    overwrite : bool, default=False
        Replace an existing directory at ``path``.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> import sk_autoencoder as ska
    >>> X = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    >>> ae = ska.AutoencoderTransformer(max_epochs=2, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "model")
    >>> ska.save(ae, path)
    >>> bool((ska.load(path).transform(X) == ae.transform(X)).all())
    True
    """
    classes = savable_classes()
    name = type(estimator).__name__
    if classes.get(name) is not type(estimator):
        raise TypeError(f"save() supports {sorted(classes)}; got {name}.")
    check_is_fitted(estimator)
    writer = StateWriter(classes)
    node = writer.child(estimator)
    if writer.skipped:
        warnings.warn(
            f"save(): parameters {sorted(set(writer.skipped))} are not plain values and are "
            "not stored; they take their defaults when the model is loaded.",
            UserWarning,
            stacklevel=2,
        )
    config = {
        "format": {"name": FORMAT_NAME, "version": FORMAT_VERSION},
        "package_version": __version__,
        **node,
    }
    write_model(path, config, writer.tensors, overwrite=overwrite)


def load(path: str | os.PathLike, *, device: str | None = None):
    """Load a model saved with :func:`save`.

    Parameters
    ----------
    path : str or PathLike
    device : str or None, default=None
        Where to put the model; ``None`` keeps the saved ``device`` when it is available
        and falls back to ``"cpu"`` otherwise (a model trained on GPU loads on CPU).

    Raises
    ------
    ModelFormatError
        Missing or damaged files, a checksum mismatch (a truncated file, or weights or
        config edited after saving), an unknown class, or a format newer than this version
        reads.
    """
    path = os.fspath(path)
    config = read_config(path)
    classes = savable_classes()
    current = config.get("package_version") == __version__ and config["format"]["version"] > 1
    reader = StateReader(classes, tensors=None, device=device, complete=current)
    reader.check(config)  # classes and parameter encodings, before anything is built
    verify(path, config)
    reader.tensors = read_tensors(path)
    if config["format"]["version"] == 1:
        from .legacy import node_from_v1

        config = node_from_v1(config, reader.tensors)
    else:
        unknown = sorted(set(config) - NODE_KEYS - _ENVELOPE_KEYS)
        if unknown:
            raise ModelFormatError(f"{CONFIG_FILE} has unknown top-level keys {unknown}.")
    if config.get("state") is None:
        raise ModelFormatError(f"{CONFIG_FILE} holds no fitted state: it is not a saved model.")
    node = {k: v for k, v in config.items() if k in NODE_KEYS}
    estimator = reader.child(node)
    unused = reader.unused_tensors()
    if unused:
        raise ModelFormatError(
            f"{WEIGHTS_FILE} holds tensors no part of the model uses ({unused[:5]}); the "
            "file was edited after saving."
        )
    return estimator
