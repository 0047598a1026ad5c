"""The parameters of both autoencoders: allowed values and the messages that name the fix."""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch

from ..modules.corruption import NOISE_KINDS
from ..modules.networks import ACTIVATIONS
from .architecture import ARCHITECTURES
from .device import device_available, device_type
from .params import (
    Rule,
    auto_or_positive_int,
    auto_or_positive_real,
    fail,
    is_bool,
    non_negative_real,
    one_of,
    open_unit_interval,
    positive_int,
)


def _noise_level(est):
    top = 10 if est.noise == "gaussian" else 1
    value = est.noise_level
    if not (isinstance(value, numbers.Real) and 0 <= value <= top):
        return (
            "noise_level must be a noise scale >= 0 (a share in [0, 1] for 'mask' and "
            f"'swap'), got {value!r}."
        )
    return None


def _sparsity_target(est):
    if est.sparsity == "kl" and not open_unit_interval(est.sparsity_target):
        value = est.sparsity_target
        return f"sparsity_target must be a target activation rate in (0, 1), got {value!r}."
    return None


def _image_shape(value) -> bool:
    if value is None:
        return True
    try:
        dims = tuple(value)
    except TypeError:
        return False
    return len(dims) in (2, 3) and all(isinstance(s, numbers.Integral) and s >= 1 for s in dims)


def _mixed_precision(value) -> bool:
    return isinstance(value, (bool, np.bool_)) or (isinstance(value, str) and value == "auto")


def _device(value) -> bool:
    if value is None or (isinstance(value, str) and value == "auto"):
        return True
    try:
        torch.device(value)
    except (RuntimeError, TypeError, ValueError):  # a string torch cannot parse
        return False
    return isinstance(value, (str, torch.device))


def _device_available(est):
    if device_available(est.device):
        return None
    if device_type(est.device) == "cuda":
        return (
            f"device={est.device!r} needs a CUDA GPU, but PyTorch sees none here; use "
            "device='auto' (the GPU when there is one) or 'cpu'."
        )
    return f"device={est.device!r} needs Apple's MPS backend, which is not available here."


def _optimizer(value) -> bool:
    if isinstance(value, type):
        return issubclass(value, torch.optim.Optimizer)
    return callable(value)  # e.g. functools.partial(torch.optim.SGD, momentum=0.9)


def _hidden_layer_sizes(value) -> bool:
    if value is None:
        return True
    if isinstance(value, numbers.Integral):
        return value >= 1
    try:
        return all(isinstance(h, numbers.Integral) and h >= 1 for h in value)
    except TypeError:
        return False


# The device of any estimator that trains networks (the detectors' members too).
# VAEGenerator's own parameters (also checked on their own: n_importance_samples and the prior
# may be set after fit).
IMPORTANCE_RULE = Rule(
    "n_importance_samples",
    lambda v: v is None or positive_int(v),
    "None (the ELBO) or a positive int (draws of the importance-weighted bound)",
)
PRIOR_RULES = (
    Rule("prior", one_of("mixture", "normal"), "'mixture' or 'normal'"),
    Rule("prior_components", positive_int, "a positive int (components of the mixture prior)"),
)
VAE_RULES = (
    Rule("beta", non_negative_real, "a finite float >= 0 (the weight of the KL term)"),
    IMPORTANCE_RULE,
    *PRIOR_RULES,
)

DEVICE_RULES = (
    Rule("device", _device, "'auto', 'cpu', 'cuda', 'cuda:<index>' or another torch device"),
    _device_available,
)

AUTOENCODER_RULES = (
    Rule(
        "n_components", auto_or_positive_int, "'auto' or a positive int (the code size, as in PCA)"
    ),
    Rule("activation", one_of(*ACTIVATIONS), f"one of {sorted(ACTIVATIONS)}"),
    Rule(
        "loss",
        one_of("auto", "mse", "bce"),
        "'auto', 'mse' (any real data) or 'bce' (data scaled to [0, 1])",
    ),
    Rule("sparsity", one_of(None, "l1", "kl"), "None, 'l1' or 'kl'"),
    Rule("noise", one_of(None, *NOISE_KINDS), f"None or one of {NOISE_KINDS}"),
    _noise_level,
    _sparsity_target,
    Rule("sparsity_weight", non_negative_real, "a finite float >= 0"),
    Rule("contractive_weight", non_negative_real, "a finite float >= 0"),
    Rule(
        "architecture",
        one_of(*ARCHITECTURES),
        "'mlp' or 'conv' (with image_shape=(C, H, W) or (C, L))",
    ),
    Rule("image_shape", _image_shape, "None, (C, H, W) for images or (C, L) for series windows"),
    Rule("lr", auto_or_positive_real, "'auto' or a positive, finite float"),
    Rule("early_stopping", is_bool, "True or False"),
    Rule("warm_start", is_bool, "True or False"),
    Rule(
        "train_split",
        lambda v: v is None or (isinstance(v, str) and v == "auto") or callable(v),
        "'auto' (a seeded hold-out), None (no validation) or a skorch train_split callable",
    ),
    Rule(
        "callbacks",
        lambda v: v is None or (isinstance(v, (list, tuple)) and not isinstance(v, str)),
        "None or a list of skorch callbacks (or (name, callback) pairs)",
    ),
    Rule("batch_size", auto_or_positive_int, "'auto' or a positive int"),
    Rule("max_epochs", auto_or_positive_int, "'auto' or a positive int"),
    Rule(
        "mixed_precision",
        _mixed_precision,
        "'auto', True (bfloat16 autocast in training) or False",
    ),
    Rule(
        "lr_schedule",
        one_of("onecycle", None),
        "'onecycle' (warm-up then cosine decay) or None (constant lr)",
    ),
    Rule("validation_fraction", open_unit_interval, "a share in (0, 1)"),
    Rule("n_iter_no_change", positive_int, "a positive int (epochs without improvement)"),
    Rule("tol", non_negative_real, "a finite float >= 0 (relative improvement)"),
    *DEVICE_RULES,
    Rule(
        "optimizer",
        _optimizer,
        "a torch optimizer class such as torch.optim.Adam (not its name as a string)",
    ),
    Rule(
        "hidden_layer_sizes",
        _hidden_layer_sizes,
        "None (automatic) or a tuple of positive ints",
    ),
)


def check_data_dependent_params(est, n_features: int) -> None:
    """Checks that need the data or the hardware.

    The image layout against the columns, the layout a conv model needs, bfloat16 on this GPU and
    the data range of ``loss='bce'``.
    """
    name = type(est).__name__
    shape = est.image_shape_
    if shape is not None and math.prod(shape) != n_features:
        raise ValueError(
            f"{name}: image_shape={tuple(shape)} has {math.prod(shape)} "
            f"values but X has {n_features} columns; pass the shape of one image as "
            "(C, H, W) (or (C, L) for a window)."
        )
    if est._architecture.needs_layout and shape is None:
        raise ValueError(
            f"{name}: architecture='conv' needs the image layout: pass "
            "image_shape=(C, H, W) (or (C, L) for series windows), or X shaped "
            "(n, H, W) / (n, C, H, W) / (n, H, W, C)."
        )
    if est.noise == "block" and shape is None:
        fail(est, "noise", "'block' only with image_shape (it masks a rectangle of each image)")
    if est.mixed_precision is True and est._device_type() == "cuda":
        if not torch.cuda.is_bf16_supported():
            raise ValueError(
                f"{name}: mixed_precision=True trains in bfloat16, which "
                "this GPU does not support; use mixed_precision=False."
            )
    if est._fit_loss == "bce" and est._fit_data_range is not None:
        lo, hi = est._fit_data_range
        if lo < 0 or hi > 1:
            raise ValueError(
                f"{name}: loss='bce' needs data in [0, 1], got values in "
                f"[{lo:.3g}, {hi:.3g}]. Scale it (e.g. MinMaxScaler) or use loss='mse'."
            )
