"""The shared skorch ``NeuralNet`` subclass behind both estimators.

What lives here: in-memory batching without a per-sample ``DataLoader`` (``get_dataset``,
``get_split_datasets``, ``get_iterator``), loss assembly from named terms recorded in skorch's
``history`` (``get_loss``), training-only corruption and the contractive penalty's gradient path
(``infer``), ``random_state`` handling, input validation and feature names. The subclasses only
say which module to build and which terms make up the loss.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import math
import numbers
import os
from types import MappingProxyType

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, LRScheduler, PassthroughScoring
from skorch.utils import to_tensor

from .modules import (
    FeatureBlocks,
    build_mlp,
    contractive_penalty,
    corrupt,
    kl_sparsity,
    l1_sparsity,
    output_activation,
    per_feature_nll,
)
from .modules.corruption import NOISE_KINDS
from .modules.networks import ACTIVATIONS, build_conv, default_channels

# skorch constructor arguments that our estimators fix (they are not parameters).
_FIXED_SKORCH_ARGS = ("module", "criterion", "iterator_train", "iterator_valid", "dataset")
# Rows per forward pass at prediction time; large batches are fast and memory is small for
# tables. ``iterator_valid__batch_size`` overrides it.
_PREDICT_BATCH_SIZE = 8192
# Below this many validation rows the automatic split is skipped and early stopping watches
# the training loss instead: a handful of rows is too noisy to pick the best epoch.
_MIN_VALIDATION_ROWS = 10
# Optimizer steps that ``max_epochs="auto"`` aims for.
_AUTO_STEPS = 3000
# Values per prediction batch for convolutional models (their activations are much larger
# than the input, so batches are sized by the input's values rather than its rows).
_CONV_PREDICT_VALUES = 2**20
# Input layouts of image / window arrays (outputs are returned in the caller's layout).
_LAYOUTS = ("flat", "channels_first", "no_channel", "channels_last")


def resolve_device(device):
    """``"auto"``: ``"cuda"`` when PyTorch sees a CUDA GPU (``"cuda:LOCAL_RANK"`` in a process
    started by torchrun / accelerate), else ``"cpu"``; any other value (``"cpu"``,
    ``"cuda:1"``, ``None``) is returned unchanged."""
    if isinstance(device, str) and device == "auto":
        if not torch.cuda.is_available():
            return "cpu"
        local_rank = os.environ.get("LOCAL_RANK")
        return f"cuda:{int(local_rank)}" if local_rank else "cuda"
    return device


@functools.cache
def _cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX); asked once per
    process (``infer`` consults it at every training batch of a conv model)."""
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except Exception:  # private helpers; absent in some builds
        return False


def _never(self) -> bool:
    return False


class InMemoryDataset(torch.utils.data.Dataset):
    """A whole data matrix held as one tensor; batches are slices, not per-row lookups."""

    def __init__(self, X: torch.Tensor):
        self.X = X

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.X[i]


class TensorBatches:
    """Iterate over ``(batch, None)`` slices of a tensor, reshuffled at every pass.

    This replaces skorch's ``DataLoader`` for in-memory data: one permutation and one gather
    per epoch instead of a Python call and a collate per row.
    """

    def __init__(self, X: torch.Tensor, batch_size: int, shuffle: bool):
        self.X = X
        self.batch_size = max(1, int(batch_size))
        self.shuffle = shuffle

    def __len__(self) -> int:
        return -(-len(self.X) // self.batch_size)

    def __iter__(self):
        X = self.X
        if self.shuffle:
            X = X[torch.randperm(len(X)).to(X.device)]
        for start in range(0, len(X), self.batch_size):
            yield X[start : start + self.batch_size], None


class HoldoutSplit:
    """skorch ``train_split`` callable: a seeded random hold-out of ``fraction`` of the rows."""

    def __init__(self, fraction: float, seed: int | None):
        self.fraction = fraction
        self.seed = seed

    def __call__(self, dataset, y=None, **_):
        n = len(dataset)
        n_valid = int(round(n * self.fraction))
        perm = check_random_state(self.seed).permutation(n)
        valid, train = np.sort(perm[:n_valid]), np.sort(perm[n_valid:])
        if isinstance(dataset, InMemoryDataset):
            return InMemoryDataset(dataset.X[train]), InMemoryDataset(dataset.X[valid])
        return (
            torch.utils.data.Subset(dataset, train.tolist()),
            torch.utils.data.Subset(dataset, valid.tolist()),
        )


class WarmupCosine:
    """Learning-rate multiplier for ``LambdaLR``: a linear warm-up over the first 5% of the
    steps, then a cosine decay to 1% of ``lr`` (a one-cycle schedule; Smith & Topin, 2017).
    Past ``total_steps`` it stays at the floor, so extra ``partial_fit`` steps are safe."""

    def __init__(self, total_steps: int, warmup: float = 0.05, floor: float = 0.01):
        self.total_steps = max(1, int(total_steps))
        self.warmup = warmup
        self.floor = floor

    def __call__(self, step: int) -> float:
        t = min(step / self.total_steps, 1.0)
        if t < self.warmup:
            return self.floor + (1 - self.floor) * t / self.warmup
        t = (t - self.warmup) / (1 - self.warmup)
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * t))


def _dataset_tensor(dataset) -> torch.Tensor | None:
    """The tensor behind an in-memory dataset (or a ``Subset`` of one), else None."""
    if isinstance(dataset, InMemoryDataset):
        return dataset.X
    if isinstance(dataset, torch.utils.data.Subset) and isinstance(
        dataset.dataset, InMemoryDataset
    ):
        return dataset.dataset.X[torch.as_tensor(dataset.indices, dtype=torch.long)]
    return None


class BaseAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, NeuralNet):
    """Common machinery of :class:`AutoencoderTransformer` and :class:`VAEGenerator`."""

    def __init__(
        self,
        n_components="auto",
        *,
        hidden_layer_sizes=None,
        activation="gelu",
        loss="auto",
        sparsity=None,
        sparsity_weight=1e-3,
        sparsity_target=0.05,
        contractive_weight=0.0,
        noise=None,
        noise_level=0.1,
        architecture="mlp",
        image_shape=None,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        max_epochs="auto",
        lr="auto",
        lr_schedule="onecycle",
        batch_size="auto",
        optimizer=torch.optim.Adam,
        train_split="auto",
        callbacks=None,
        warm_start=False,
        verbose=0,
        device="auto",
        mixed_precision="auto",
        random_state=None,
        **kwargs,
    ):
        super().__init__(
            module=None,
            criterion=None,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.sparsity = sparsity
        self.sparsity_weight = sparsity_weight
        self.sparsity_target = sparsity_target
        self.contractive_weight = contractive_weight
        self.noise = noise
        self.noise_level = noise_level
        self.architecture = architecture
        self.image_shape = image_shape
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.lr_schedule = lr_schedule
        self.mixed_precision = mixed_precision
        self.random_state = random_state
        for name in ("history_", "initialized_", "virtual_params_"):
            vars(self).pop(name, None)

    # ------------------------------------------------------------------ parameters
    # skorch's ``__init__`` sets these three as instance attributes; as class-level defaults
    # they behave the same and ``__init__`` stores nothing but parameters (scikit-learn's
    # rule). ``initialize()`` replaces them with fresh instance attributes.
    history_ = None
    initialized_ = False
    virtual_params_ = MappingProxyType({})

    def _get_param_names(self):
        # skorch's rule (every public attribute is a parameter, which keeps routed
        # ``prefix__name`` parameters such as ``optimizer__weight_decay``) minus the skorch
        # constructor arguments that these estimators fix.
        return sorted(
            k
            for k in self.__dict__
            if not k.endswith("_") and not k.startswith("_") and k not in _FIXED_SKORCH_ARGS
        )

    def _check_params(self, n_features: int) -> None:
        """Validate parameters at fit time, with messages that name the fix."""

        def fail(name, expected):
            raise ValueError(
                f"{type(self).__name__}: {name} must be {expected}, got {getattr(self, name)!r}."
            )

        k = self.n_components
        if k != "auto" and (not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1):
            fail("n_components", "'auto' or a positive int (the code size, as in PCA)")
        if self.activation not in ACTIVATIONS:
            fail("activation", f"one of {sorted(ACTIVATIONS)}")
        if self.loss not in ("auto", "mse", "bce"):
            fail("loss", "'auto', 'mse' (any real data) or 'bce' (data scaled to [0, 1])")
        if self.sparsity not in (None, "l1", "kl"):
            fail("sparsity", "None, 'l1' or 'kl'")
        if self.noise not in (None, *NOISE_KINDS):
            fail("noise", f"None or one of {NOISE_KINDS}")
        if not 0 <= self.noise_level <= (10 if self.noise == "gaussian" else 1):
            fail("noise_level", "a noise scale >= 0 (a share in [0, 1] for 'mask' and 'swap')")
        if self.sparsity == "kl" and not 0 < self.sparsity_target < 1:
            fail("sparsity_target", "a target activation rate in (0, 1)")
        if self.sparsity_weight < 0 or self.contractive_weight < 0:
            fail("sparsity_weight" if self.sparsity_weight < 0 else "contractive_weight", ">= 0")
        if self.architecture not in ("mlp", "conv"):
            fail("architecture", "'mlp' or 'conv' (with image_shape=(C, H, W) or (C, L))")
        if self.image_shape is not None and not (
            len(tuple(self.image_shape)) in (2, 3)
            and all(isinstance(s, numbers.Integral) and s >= 1 for s in self.image_shape)
        ):
            fail("image_shape", "None, (C, H, W) for images or (C, L) for series windows")
        shape = self.image_shape_
        if shape is not None and math.prod(shape) != n_features:
            raise ValueError(
                f"{type(self).__name__}: image_shape={tuple(shape)} has {math.prod(shape)} "
                f"values but X has {n_features} columns; pass the shape of one image as "
                "(C, H, W) (or (C, L) for a window)."
            )
        if self.architecture == "conv" and shape is None:
            raise ValueError(
                f"{type(self).__name__}: architecture='conv' needs the image layout: pass "
                "image_shape=(C, H, W) (or (C, L) for series windows), or X shaped "
                "(n, H, W) / (n, C, H, W) / (n, H, W, C)."
            )
        if self.noise == "block" and shape is None:
            fail("noise", "'block' only with image_shape (it masks a rectangle of each image)")
        if self.lr != "auto" and not (isinstance(self.lr, numbers.Real) and self.lr > 0):
            fail("lr", "'auto' or a positive float")
        for name in ("batch_size", "max_epochs"):
            value = getattr(self, name)
            if value != "auto" and not (isinstance(value, numbers.Integral) and value >= 1):
                fail(name, "'auto' or a positive int")
        if not (
            isinstance(self.mixed_precision, (bool, np.bool_)) or self.mixed_precision == "auto"
        ):
            fail("mixed_precision", "'auto', True (bfloat16 autocast in training) or False")
        if self.mixed_precision is True and self._device_type() == "cuda":
            if not torch.cuda.is_bf16_supported():
                raise ValueError(
                    f"{type(self).__name__}: mixed_precision=True trains in bfloat16, which "
                    "this GPU does not support; use mixed_precision=False."
                )
        if self.lr_schedule not in ("onecycle", None):
            fail("lr_schedule", "'onecycle' (warm-up then cosine decay) or None (constant lr)")
        if not 0 < self.validation_fraction < 1:
            fail("validation_fraction", "a share in (0, 1)")
        hidden = self.hidden_layer_sizes
        if hidden is not None and (
            isinstance(hidden, numbers.Integral)
            and hidden < 1
            or not isinstance(hidden, numbers.Integral)
            and not all(isinstance(h, numbers.Integral) and h >= 1 for h in hidden)
        ):
            fail("hidden_layer_sizes", "None (automatic) or a tuple of positive ints")
        if self._fit_loss == "bce" and self._fit_data_range is not None:
            lo, hi = self._fit_data_range
            if lo < 0 or hi > 1:
                raise ValueError(
                    f"{type(self).__name__}: loss='bce' needs data in [0, 1], got values in "
                    f"[{lo:.3g}, {hi:.3g}]. Scale it (e.g. MinMaxScaler) or use loss='mse'."
                )

    _fit_data_range = None
    _fit_loss = "mse"
    # The layout of one sample: (C, H, W) / (C, L), from ``image_shape`` or from shaped X.
    image_shape_ = None
    _input_layout = "flat"

    def _hidden_sizes(self, n_features: int) -> list[int]:
        """Hidden widths of the encoder (the decoder mirrors them).

        Default: two layers, the first ``8 * n_features`` rounded to a power of two in
        [64, 256], the second half of it, never narrower than twice the code.
        """
        if self.hidden_layer_sizes is None:
            first = int(np.clip(2 ** round(math.log2(8 * n_features)), 64, 256))
            k = self.n_components_
            return [max(first, 2 * k), max(first // 2, 2 * k)]
        if isinstance(self.hidden_layer_sizes, numbers.Integral):
            return [int(self.hidden_layer_sizes)]
        return [int(h) for h in self.hidden_layer_sizes]

    def _encoder_decoder(self, n_code_out: int):
        d = self.n_features_in_
        if self.architecture == "conv":
            shape = tuple(self.image_shape_)
            if self.hidden_layer_sizes is None:
                channels = default_channels(shape[1:])
            elif isinstance(self.hidden_layer_sizes, numbers.Integral):
                channels = [int(self.hidden_layer_sizes)]
            else:
                channels = [int(c) for c in self.hidden_layer_sizes]
            return build_conv(shape, n_code_out, self.n_components_, channels, self.activation)
        hidden = self._hidden_sizes(d)
        encoder = build_mlp([d, *hidden, n_code_out], self.activation)
        decoder = build_mlp([self.n_components_, *hidden[::-1], d], self.activation)
        return encoder, decoder

    def _resolve_n_components(self, n_features: int) -> int:
        """``n_components="auto"``: 2 for the MLP (a code to plot); for ``conv``, four times
        the square root of the number of values rounded to a power of two in [8, 128] (128
        for 28 x 28 images, 32 for 8 x 8 ones or windows of 64) - enough to denoise and
        compress (a 28 x 28 image in 128 values is 6x smaller)."""
        if self.n_components != "auto":
            return int(self.n_components)
        if self.architecture != "conv":
            return 2
        return int(np.clip(2 ** round(math.log2(4 * math.sqrt(n_features))), 8, 128))

    # ------------------------------------------------------------------ skorch hooks
    def get_default_callbacks(self):
        callbacks = list(super().get_default_callbacks())
        for name in self._loss_term_names():
            callbacks.append((f"train_{name}", PassthroughScoring(f"train_{name}", on_train=True)))
            if self._uses_validation:
                callbacks.append((f"valid_{name}", PassthroughScoring(f"valid_{name}")))
        if self.lr_schedule == "onecycle":
            total = self._max_epochs * math.ceil(self._n_train / self._batch_size)
            callbacks.append(
                (
                    "lr_schedule",
                    LRScheduler(
                        torch.optim.lr_scheduler.LambdaLR,
                        lr_lambda=WarmupCosine(total),
                        step_every="batch",
                        event_name=None,
                    ),
                )
            )
        if self.early_stopping:
            monitor = "valid_loss" if self._uses_validation else "train_loss"
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor=monitor,
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        load_best=True,
                    ),
                )
            )
        return callbacks

    # Resolved at fit time from the data size (``_prepare_fit``).
    _uses_validation = False
    _n_train = 1
    _batch_size = 256
    _max_epochs = 100
    _schedule_resolved = False

    def _loss_term_names(self) -> list[str]:
        # Tolerant of not-yet-validated values: skorch builds callbacks inside set_params.
        names = ["reconstruction"]
        if self.sparsity:
            names.append("sparsity")
        if isinstance(self.contractive_weight, numbers.Real) and self.contractive_weight > 0:
            names.append("contractive")
        return names

    def _resolve_train_split(self, n_samples: int):
        if self.train_split != "auto":
            return self.train_split
        if not self.early_stopping or n_samples * self.validation_fraction < _MIN_VALIDATION_ROWS:
            return None
        return HoldoutSplit(self.validation_fraction, self._seed())

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.Tensor):
            return InMemoryDataset(X)
        return super().get_dataset(X, y)

    def get_split_datasets(self, X, y=None, **fit_params):
        dataset = self.get_dataset(X, y)
        split = self._resolve_train_split(len(dataset))
        if not split:
            return dataset, None
        return split(dataset, **fit_params)

    # Set by ``sk_autoencoder.distributed.DistributedTraining`` while it trains: wraps the
    # training batches so that each process gets its share of every global batch.
    _shard_batches = None

    def get_iterator(self, dataset, training=False):
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        default = self._batch_size if training else max(self._batch_size, self._predict_rows())
        batch_size = kwargs.pop("batch_size", default)
        X = _dataset_tensor(dataset)
        if X is None:  # a user-provided Dataset: a DataLoader, as skorch does
            kwargs.setdefault("shuffle", training)
            return torch.utils.data.DataLoader(dataset, batch_size=batch_size, **kwargs)
        if batch_size == -1:
            batch_size = len(X)
        batches = TensorBatches(X.to(self._device), batch_size, shuffle=training)
        return self._shard_batches(batches) if training and self._shard_batches else batches

    def _predict_rows(self) -> int:
        if self.architecture != "conv":
            return _PREDICT_BATCH_SIZE
        n_features = getattr(self, "n_features_in_", 1)
        return int(np.clip(_CONV_PREDICT_VALUES // max(n_features, 1), 64, _PREDICT_BATCH_SIZE))

    def infer(self, x, **fit_params):
        x = to_tensor(x, device=self._device)
        if self.module_.training:
            if self.noise:
                if self._blocks.all_binary:
                    value_range = (0.0, 1.0)
                else:
                    value_range = self._fit_data_range if self.noise == "salt_pepper" else None
                x = corrupt(
                    x,
                    self.noise,
                    self.noise_level,
                    self._blocks.block_index,
                    value_range=value_range,
                    image_shape=self.image_shape_,
                )
            if self.contractive_weight > 0:
                x = x.detach().requires_grad_(True)
        if not self._mixed_precision():
            return self.module_(x, **fit_params), x
        # bfloat16 matrix products and convolutions; the loss is computed in float32.
        with torch.autocast(device_type=self._device_type(), dtype=torch.bfloat16):
            out = self.module_(x, **fit_params)
        return tuple(t.float() for t in out), x

    def get_loss(self, y_pred, y_true, X=None, training=False):
        output, x_in = y_pred
        terms = self._loss_terms(output, to_tensor(X, device=self._device), x_in, training)
        total = sum(terms.values())
        prefix = "train" if training else "valid"
        for name, value in terms.items():
            self.history.record_batch(f"{prefix}_{name}", value.item())
        return total

    def _loss_terms(self, output, x, x_in, training) -> dict:
        raise NotImplementedError

    def _penalty_terms(self, code, x_in, training) -> dict:
        """Sparsity and contractive terms shared by both code types, weighted."""
        terms = {}
        if self.sparsity == "l1":
            terms["sparsity"] = self.sparsity_weight * l1_sparsity(code)
        elif self.sparsity == "kl":
            terms["sparsity"] = self.sparsity_weight * kl_sparsity(code, self.sparsity_target)
        if self.contractive_weight > 0:
            if training:
                value = contractive_penalty(code, x_in)
            else:  # no input gradient path at validation; the term is reported as 0
                value = code.new_zeros(())
            terms["contractive"] = self.contractive_weight * value
        return terms

    # ------------------------------------------------------------------ fitting
    def _seed(self) -> int | None:
        if self.random_state is None:
            return None
        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    @contextlib.contextmanager
    def _seeded(self, offset: int = 0):
        """Run a block under a fixed torch seed without touching the global RNG afterwards."""
        seed = self._seed()
        if seed is None:
            yield
            return
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + offset)
            yield

    def _validate_X(self, X, reset: bool) -> np.ndarray:
        X, shape, layout = self._flatten_images(X, reset)
        X = validate_data(
            self, X, reset=reset, dtype=[np.float32, np.float64], ensure_min_samples=1
        )
        if reset:
            self.image_shape_, self._input_layout = shape, layout
        return X

    def _image_layout(self, X, reset: bool = False):
        """``(image_shape, layout)`` of an array of images / windows; layout is one of
        "flat" (n, C*H*W), "channels_first" (n, C, H, W), "no_channel" (n, H, W) for one
        channel, "channels_last" (n, H, W, C)."""
        shape = self.image_shape if reset or self.image_shape_ is None else self.image_shape_
        shape = None if shape is None else tuple(int(s) for s in shape)
        ndim = getattr(X, "ndim", 2)
        if ndim <= 2:
            return shape, "flat"
        dims = tuple(X.shape[1:])
        if shape is None:
            if not reset:  # fitted on flat rows without image_shape
                raise ValueError(
                    f"X has shape {X.shape}, but {type(self).__name__} was fitted on 2-D rows "
                    "without image_shape; pass X as (n_samples, n_features)."
                )
            if len(dims) == 2:
                return (1, *dims), "no_channel"
            if len(dims) == 3 and dims[0] in (1, 3, 4) and dims[2] not in (1, 3, 4):
                return dims, "channels_first"
            if len(dims) == 3 and dims[2] in (1, 3, 4):
                return (dims[2], *dims[:2]), "channels_last"
            raise ValueError(
                f"cannot tell the layout of X with shape {X.shape}: pass image_shape=(C, H, W)."
            )
        c, *spatial = shape
        if dims == shape:
            return shape, "channels_first"
        if c == 1 and dims == tuple(spatial):
            return shape, "no_channel"
        if dims == (*spatial, c):
            return shape, "channels_last"
        raise ValueError(
            f"X has shape {X.shape}, which does not match image_shape={shape}: expected "
            f"(n, {c * math.prod(spatial)}), (n, {', '.join(map(str, shape))}) or "
            f"(n, {', '.join(map(str, (*spatial, c)))})."
        )

    def _flatten_images(self, X, reset: bool):
        shape, layout = self._image_layout(X, reset)
        if layout == "flat":
            return X, shape, layout
        X = np.asarray(X)
        if layout == "channels_last":
            X = np.moveaxis(X, -1, 1)
        return X.reshape(X.shape[0], -1), shape, layout

    def _to_layout(self, A: np.ndarray, layout: str | None = None) -> np.ndarray:
        """Rows (n, C*H*W) back to ``layout`` (default: the layout ``fit`` saw)."""
        layout = self._input_layout if layout is None else layout
        if layout == "flat" or self.image_shape_ is None:
            return A
        A = A.reshape(A.shape[0], *self.image_shape_)
        if layout == "no_channel":
            return A[:, 0]
        if layout == "channels_last":
            return np.moveaxis(A, 1, -1)
        return A

    @staticmethod
    def _to_tensor(X: np.ndarray, dtype=np.float32) -> torch.Tensor:
        X = np.ascontiguousarray(X, dtype=dtype)
        return torch.from_numpy(X if X.flags.writeable else X.copy())

    def _set_feature_blocks(self, feature_blocks, n_features: int) -> None:
        if feature_blocks is None:
            kind = "binary" if self._fit_loss == "bce" else "numeric"
            self.feature_blocks_ = [(kind, 0, n_features)]
            self._blocks = FeatureBlocks.uniform(kind, n_features)
            return
        blocks = [(str(k), int(a), int(b)) for k, a, b in feature_blocks]
        covered = np.zeros(n_features, dtype=int)
        for kind, a, b in blocks:
            if kind not in ("numeric", "binary", "categorical") or not 0 <= a < b <= n_features:
                raise ValueError(
                    f"feature_blocks entry {(kind, a, b)!r} is invalid: expected (kind, start, "
                    f"stop) with kind in 'numeric', 'binary', 'categorical' and "
                    f"0 <= start < stop <= {n_features}."
                )
            covered[a:b] += 1
        if not (covered == 1).all():
            raise ValueError(
                "feature_blocks must cover every column exactly once; columns "
                f"{np.flatnonzero(covered != 1).tolist()[:10]} are not."
            )
        self.feature_blocks_ = blocks
        self._blocks = FeatureBlocks(blocks, n_features)

    def fit(self, X, y=None, feature_blocks=None, **fit_params):
        """Fit the autoencoder on ``X`` (``y`` is ignored).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        feature_blocks : list of (kind, start, stop), optional
            Column types for a mixed table (``TabularPreprocessor.feature_blocks_``; passed
            automatically by :func:`make_tabular_pipeline`): ``numeric`` columns are learned
            with squared error, ``binary`` with cross-entropy, each ``categorical`` one-hot
            block with a softmax cross-entropy.

        Returns
        -------
        self
        """
        X = self._validate_X(X, reset=True)
        self._prepare_fit(X, feature_blocks)
        if not self.warm_start or not self.initialized_:
            with self._seeded():
                self.initialize()
        return self._train(X, fit_params, routing="fit")

    def partial_fit(
        self,
        X,
        y=None,
        feature_blocks=None,
        classes=None,
        *,
        epochs=None,
        n_samples_total=None,
        **fit_params,
    ):
        """Continue training on ``X`` without re-initialising, for data that arrives in chunks.

        The first call initialises the model like :meth:`fit`; later calls continue with the
        same weights, optimizer state, learning-rate schedule and history.
        :func:`sk_autoencoder.streaming.fit_parquet` drives it over a Parquet file.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        feature_blocks : list of (kind, start, stop), optional
            As for :meth:`fit`; read on the first call.
        classes : ignored
        epochs : int, optional
            Passes over ``X`` in this call. Default: ``max_epochs`` if it is an int, else one
            pass (as ``MLPRegressor.partial_fit``): with ``max_epochs="auto"`` the size of the
            whole data is unknown.
        n_samples_total : int, optional
            Read on the first call: the rows that all calls together will train on, every pass
            counted (e.g. the rows of a file times the epochs). ``batch_size="auto"``,
            ``lr="auto"`` and the one-cycle schedule are then set for one pass over that many
            rows, so the learning rate warms up and decays over the whole stream. Without it
            they are set from the first chunk as :meth:`fit` would (the one-cycle schedule then
            spans about 3,000 steps and stays at its floor, 1% of ``lr``, afterwards).

        Returns
        -------
        self
        """
        for name, value in (("epochs", epochs), ("n_samples_total", n_samples_total)):
            if value is not None and not (
                isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1
            ):
                raise ValueError(
                    f"{type(self).__name__}.partial_fit: {name} must be None or a positive "
                    f"int, got {value!r}."
                )
        first = not self.initialized_ or not hasattr(self, "n_features_in_")
        X = self._validate_X(X, reset=first)
        if first:
            self._prepare_fit(X, feature_blocks)
            if n_samples_total is not None:
                self._resolve_schedule(int(n_samples_total), single_pass=True)
            with self._seeded():
                self.initialize()
        elif not self._schedule_resolved:
            # A model from ``load`` has weights but no training schedule yet: derive it from
            # this data (or the announced stream) as ``fit`` would, keeping the weights.
            if n_samples_total is None:
                self._resolve_schedule(X.shape[0])
            else:
                self._resolve_schedule(int(n_samples_total), single_pass=True)
            self._initialize_callbacks()
            self._initialize_optimizer()
        if epochs is None:
            epochs = 1 if self.max_epochs == "auto" else int(self.max_epochs)
        return self._train(X, fit_params, routing="partial_fit", epochs=int(epochs))

    def _prepare_fit(self, X: np.ndarray, feature_blocks) -> None:
        lo, hi = self._fit_data_range = (float(X.min()), float(X.max()))
        self._fit_loss = self.loss
        if self.loss == "auto":
            # Images in [0, 1] get a sigmoid output and cross-entropy; everything else MSE.
            in_unit = lo >= 0 and hi <= 1
            self._fit_loss = "bce" if self.architecture == "conv" and in_unit else "mse"
        self._check_params(X.shape[1])
        self._prepare_fitted_state(X.shape[1], feature_blocks)
        self._resolve_schedule(X.shape[0])

    def _resolve_schedule(self, n_samples: int, single_pass: bool = False) -> None:
        """Validation split, batch size and epochs for ``n_samples`` rows. ``"auto"``: batches
        of ``n_train / 64`` rows (a power of two in [32, 1024]; [32, 64] for conv) and enough
        epochs for about 3,000 optimizer steps (20 to 500). ``single_pass``: a stream of
        ``n_samples`` rows in all (``partial_fit(n_samples_total=...)``), so the schedule spans
        one epoch."""
        self._uses_validation = bool(self._resolve_train_split(n_samples))
        n_train = n_samples
        if self._uses_validation and self.train_split == "auto":
            n_train = n_samples - int(round(n_samples * self.validation_fraction))
        self._n_train = max(1, n_train)
        if self.batch_size == "auto":
            # Convolutional models learn better from more, smaller steps: at most 64 rows
            # (MNIST denoising: +0.3 dB over batches of 128 for the same epochs).
            top = 64 if self.architecture == "conv" else 1024
            self._batch_size = int(np.clip(2 ** round(math.log2(max(n_train / 64, 1))), 32, top))
        else:
            self._batch_size = int(self.batch_size)
        if self.max_epochs == "auto":
            steps = math.ceil(self._n_train / self._batch_size)
            self._max_epochs = int(np.clip(math.ceil(_AUTO_STEPS / steps), 20, 500))
        else:
            self._max_epochs = int(self.max_epochs)
        if single_pass:
            self._max_epochs = 1
        self._schedule_resolved = True

    def _prepare_fitted_state(self, n_features: int, feature_blocks) -> None:
        """Fitted attributes the module is built from (shared by fit and ``load``)."""
        self._set_feature_blocks(feature_blocks, n_features)
        self.n_components_ = self._resolve_n_components(n_features)
        self._n_features_out = self.n_components_

    def _train(self, X: np.ndarray, fit_params: dict, routing: str, epochs: int | None = None):
        self._blocks.to(self._device)
        offset = len(self.history) if self.history is not None else 0
        schedule = dict(self.callbacks_).get("lr_schedule")
        if schedule is not None:
            # skorch re-creates the scheduler at every call at step ``len(history) - 1``, an
            # epoch count; this one steps every batch. partial_fit continues it at the number
            # of batches trained so far; fit (warm start) runs a new cycle.
            done = 0
            if routing == "partial_fit" and offset:
                done = sum(self.history[:, "train_batch_count"])
            schedule.last_epoch = done - 1
        try:
            with self._seeded(offset=offset), self._concrete_device():
                NeuralNet.partial_fit(
                    self,
                    self._to_tensor(X),
                    None,
                    epochs=self._max_epochs if epochs is None else epochs,
                    _routing_method=routing,
                )
        finally:
            if schedule is not None:  # read in on_train_begin only; not a parameter
                vars(schedule).pop("last_epoch", None)
        return self

    def initialize_optimizer(self, triggered_directly=None):
        # Adam's fused kernel is several times faster than the per-tensor loop for the many
        # small steps of an autoencoder; used unless the user chose an implementation.
        args, kwargs = self.get_params_for_optimizer("optimizer", self.get_all_learnable_params())
        if kwargs.get("lr") == "auto":
            kwargs["lr"] = self._auto_lr()
        if self.optimizer in (torch.optim.Adam, torch.optim.AdamW) and not (
            {"fused", "foreach", "differentiable"} & kwargs.keys()
        ):
            kwargs["fused"] = True
        self.optimizer_ = self.optimizer(*args, **kwargs)
        return self

    def _auto_lr(self) -> float:
        """``lr="auto"``: 0.03 at batches of 1,024 rows, scaled by the square root of the batch
        size (0.005 at 32) - the peak of the one-cycle schedule; 0.003 for convolutional
        models (batches of 32 to 64 rows)."""
        if self.architecture == "conv":
            return 0.003
        return 0.03 * math.sqrt(self._batch_size / 1024)

    def _set_training(self, training=True):
        # skorch switches modes at every batch; walking the module tree each time is costly.
        if getattr(self, "module_", None) is None or self.module_.training != training:
            super()._set_training(training)

    # ------------------------------------------------------------------ device
    @property
    def _device(self):
        """The torch device of ``device`` (``"auto"`` resolved)."""
        return resolve_device(self.device)

    def _mixed_precision(self) -> bool:
        """``mixed_precision="auto"``: bfloat16 autocast for convolutional models on hardware
        that computes in bfloat16 natively (a CUDA GPU that supports it, a CPU with
        AVX512-BF16 or AMX); off for the MLP, whose small products gain nothing."""
        if self.mixed_precision != "auto":
            return bool(self.mixed_precision)
        if self.architecture != "conv":
            return False
        kind = self._device_type()
        if kind == "cuda":
            return torch.cuda.is_bf16_supported()
        return kind == "cpu" and _cpu_has_bf16()

    def _device_type(self) -> str:
        device = self._device
        return "cpu" if device is None else torch.device(device).type

    @contextlib.contextmanager
    def _concrete_device(self):
        """skorch reads ``self.device`` itself (module placement, loading a checkpoint); within
        this block it holds the resolved device, and the parameter is restored afterwards."""
        param = self.device
        self.device = resolve_device(param)
        try:
            yield
        finally:
            self.device = param

    def initialize(self):
        with self._concrete_device():
            return super().initialize()

    def __setstate__(self, state):
        param = state.get("device")
        state["device"] = resolve_device(param)
        super().__setstate__(state)
        if isinstance(param, str) and param == "auto":
            self.device = param  # skorch mapped the weights to the device available here

    def initialize_criterion(self):
        # The loss is assembled from named terms in ``get_loss``; no criterion module is used.
        self.criterion_ = None
        return self

    def initialize_module(self):
        self.module_ = self._build_module()
        return self

    def _build_module(self) -> torch.nn.Module:
        raise NotImplementedError

    # ------------------------------------------------------------------ prediction helpers
    def _batched(self, fn, X: np.ndarray) -> torch.Tensor:
        """Concatenated ``fn(module, batch)`` over prediction batches of ``X``, in eval mode
        without gradients.

        float64 input runs through a float64 copy of the module: a row's result then does not
        depend on which other rows share its batch (float32 matrix kernels round differently
        for different batch sizes), and float64 callers get float64 precision.
        """
        module = self.module_
        if X.dtype == np.float64:
            module = copy.deepcopy(module).double()
        module.eval()
        Xt = self._to_tensor(X, np.float64 if X.dtype == np.float64 else np.float32)
        iterator = self.get_iterator(InMemoryDataset(Xt), training=False)
        with torch.no_grad():
            return torch.cat([fn(module, xb) for xb, _ in iterator])

    def _check_input(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def _check_codes(self, Z) -> np.ndarray:
        check_is_fitted(self)
        Z = check_array(Z, dtype=[np.float32, np.float64])
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"Z has {Z.shape[1]} columns, but {type(self).__name__} has n_components_="
                f"{self.n_components_}: pass codes produced by transform()."
            )
        return Z

    def _out(self, t: torch.Tensor, like: np.ndarray) -> np.ndarray:
        dtype = like.dtype if like.dtype in (np.float32, np.float64) else np.float64
        return t.detach().cpu().numpy().astype(dtype, copy=False)

    def _code(self, module, x: torch.Tensor) -> torch.Tensor:
        """The code of a batch (the posterior mean for a VAE)."""
        raise NotImplementedError

    def _decode_mean(self, module, z: torch.Tensor) -> torch.Tensor:
        return output_activation(module.decode(z), self._blocks)

    def inverse_transform(self, X) -> np.ndarray:
        """Decode codes (n_samples, n_components) to the input space (n_samples, n_features),
        or to images in the layout ``fit`` saw.

        Binary columns come back as probabilities, categorical blocks as per-level
        probabilities (a :class:`TabularPreprocessor` turns them back into categories).
        """
        Z = self._check_codes(X)
        return self._to_layout(self._out(self._batched(self._decode_mean, Z), Z))

    def denoise(self, X) -> np.ndarray:
        """Reconstruct ``X`` through the code: ``inverse_transform(transform(X))`` in ``X``'s
        own layout. For a model trained with ``noise=...`` on clean data this removes that kind
        of noise from new inputs."""
        check_is_fitted(self)
        _, layout = self._image_layout(X)
        X = self._check_input(X)

        def reconstruct(module, xb):
            return self._decode_mean(module, self._code(module, xb))

        return self._to_layout(self._out(self._batched(reconstruct, X), X), layout)

    def interpolate(self, x_a, x_b, n_steps: int = 8) -> np.ndarray:
        """Decode ``n_steps`` codes on the straight line from the code of ``x_a`` to that of
        ``x_b`` (two single samples, in any accepted layout); shape (n_steps, ...) in the
        layout ``fit`` saw."""
        check_is_fitted(self)
        if int(n_steps) < 2:
            raise ValueError(f"n_steps must be >= 2, got {n_steps}.")
        pair = []
        for x in (x_a, x_b):
            x = np.asarray(x)
            pair.append(x[None] if x.ndim == 1 or x.shape[0] != 1 else x)  # one sample
        codes = self.transform(np.concatenate(pair))
        if codes.shape[0] != 2:
            raise ValueError("x_a and x_b must each be one sample.")
        t = np.linspace(0.0, 1.0, int(n_steps))[:, None]
        return self.inverse_transform((1 - t) * codes[:1] + t * codes[1:])

    def reconstruction_error(self, X, per_feature: bool = False) -> np.ndarray:
        """Reconstruction error of each row (higher = worse), decoded from the code of
        :meth:`transform`.

        Returns the mean over columns of the per-column loss (squared error for numeric
        columns, cross-entropy for binary and categorical ones), shape (n_samples,); with
        ``per_feature=True`` the per-column losses themselves, shape (n_samples, n_features).
        """
        X = self._check_input(X)

        def errors(module, xb):
            raw = module.decode(self._code(module, xb))
            return per_feature_nll(raw, xb, self._blocks)

        err = self._batched(errors, X).double().cpu().numpy()
        return err if per_feature else err.mean(axis=1)

    def score(self, X, y=None) -> float:
        """Mean of :meth:`score_samples` (higher is better), as ``PCA.score``; ``GridSearchCV``
        uses it when no ``scoring`` is given."""
        return float(np.mean(self.score_samples(X)))

    # skorch's classifier-style methods make no sense for a transformer: hide them so that
    # ``hasattr(est, "predict")`` is False (scikit-learn's checks and meta-estimators look).
    predict = available_if(_never)(NeuralNet.predict)
    predict_proba = available_if(_never)(NeuralNet.predict_proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = False
        tags.non_deterministic = self.random_state is None
        return tags
