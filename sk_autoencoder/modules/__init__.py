"""Pure PyTorch building blocks: architectures, penalties, corruptions, likelihoods.

Nothing here imports numpy, pandas or scikit-learn; the estimators in the parent
package wire these pieces into skorch.
"""

from .corruption import corrupt
from .latent import DiagonalGaussian
from .likelihood import FeatureBlocks, output_activation, per_feature_nll
from .networks import Autoencoder, VariationalAutoencoder, build_conv, build_mlp
from .penalties import contractive_penalty, gaussian_kl, kl_sparsity, l1_sparsity

__all__ = [
    "Autoencoder",
    "DiagonalGaussian",
    "FeatureBlocks",
    "VariationalAutoencoder",
    "build_conv",
    "build_mlp",
    "contractive_penalty",
    "corrupt",
    "gaussian_kl",
    "kl_sparsity",
    "l1_sparsity",
    "output_activation",
    "per_feature_nll",
]
