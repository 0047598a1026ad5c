"""sk_autoencoder: autoencoders as scikit-learn transformers, built on skorch."""

from ._version import __version__
from .autoencoder import AutoencoderTransformer
from .compression import BitstreamError, ImageCodec
from .export import onnx_inputs, to_onnx
from .generation import privacy_check
from .outliers import AutoencoderOutlierDetector, evaluate_detector
from .persistence import ModelFormatError, load, save
from .preprocessing import (
    ImageScaler,
    TabularPipeline,
    TabularPreprocessor,
    make_tabular_pipeline,
)
from .reports import report
from .timeseries import SeriesOutlierDetector, SlidingWindows
from .vae import VAEGenerator

__all__ = [
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "BitstreamError",
    "ImageCodec",
    "ImageScaler",
    "ModelFormatError",
    "SeriesOutlierDetector",
    "SlidingWindows",
    "TabularPipeline",
    "TabularPreprocessor",
    "VAEGenerator",
    "__version__",
    "evaluate_detector",
    "load",
    "make_tabular_pipeline",
    "onnx_inputs",
    "privacy_check",
    "report",
    "save",
    "to_onnx",
]
