"""The skorch ``NeuralNet`` subclass behind both estimators: parameters and hooks.

skorch brings the training loop, callbacks, history, ``partial_fit`` and devices; this class
plugs the package's pieces into its hooks: in-memory batching (``get_dataset``,
``get_split_datasets``, ``get_iterator``; see ``data``), training-only corruption and the
contractive penalty's gradient path (``infer``; see ``regularisers``), loss assembly from named
terms recorded in skorch's ``history`` (``get_loss``; see ``loop``, with the per-batch loop),
the automatic schedule (``schedule``),
the architecture strategy (``architecture``), devices and mixed precision (``device``) and
image layouts (``layout``). The subclasses say which module to build and which terms make up
the loss.
"""

from __future__ import annotations

import inspect
import math
from types import MappingProxyType

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import validate_data
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, PassthroughScoring

from .architecture import get_architecture
from .data import HoldoutSplit, InMemoryDataset, TensorBatches, dataset_tensor
from .device import DeviceMixin, resolve_device
from .guard import FiniteLoss
from .inference import InferenceMixin
from .layout import check_not_one_sample, detect_layout, flatten, to_layout
from .loop import BatchLoopMixin
from .regularisers import active_penalties
from .rules import AUTOENCODER_RULES
from .schedule import MIN_VALIDATION_ROWS, one_cycle_callback
from .state import FittedStateMixin
from .training import TrainingMixin

# Parameters skorch's __init__ sets that our signature does not list, with their defaults.
_SKORCH_DEFAULTS = {
    "compile": False,
    "predict_nonlinearity": "auto",
    "torch_load_kwargs": None,
    "use_caching": "auto",
}
# skorch constructor arguments that our estimators fix (they are not parameters).
_FIXED_SKORCH_ARGS = ("module", "criterion", "iterator_train", "iterator_valid", "dataset")


def _never(self) -> bool:
    return False


def _declare_skorch_defaults(cls) -> None:
    """Add skorch's own parameters, with their defaults, to the signature of ``cls.__init__``.

    ``NeuralNet.__init__`` sets them from ``**kwargs``; listed with their defaults,
    scikit-learn's repr leaves them out while they keep their defaults.
    """
    init = cls.__dict__.get("__init__")
    if init is None:
        return
    sig = inspect.signature(init)
    params = [p for p in sig.parameters.values() if p.name not in _SKORCH_DEFAULTS]
    var_kw = [p for p in params if p.kind is p.VAR_KEYWORD]
    if not var_kw:
        return
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
        for name, default in _SKORCH_DEFAULTS.items()
    ]
    init.__signature__ = sig.replace(parameters=[*params[:-1], *extra, var_kw[0]])


class BaseAutoencoder(
    BatchLoopMixin,
    TrainingMixin,
    DeviceMixin,
    InferenceMixin,
    FittedStateMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    NeuralNet,
):
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
    # Set by ``fit`` (``_prepare_fit``) or ``load``.
    _fit_data_range = None
    _fit_loss = "mse"
    # The layout of one sample: (C, H, W) / (C, L), from ``image_shape`` or from shaped X.
    image_shape_ = None
    _input_layout = "flat"
    # The resolved schedule (``_resolve_schedule``); these defaults serve a loaded model.
    _uses_validation = False
    _n_train = 1
    _batch_size = 256
    _max_epochs = 100
    _schedule_resolved = False
    # Set by ``sk_autoencoder.distributed.DistributedTraining`` while it trains: wraps the
    # training batches so that each process gets its share of every global batch.
    _shard_batches = None

    def _get_param_names(self):
        # skorch's rule (every public attribute is a parameter, which keeps routed
        # ``prefix__name`` parameters such as ``optimizer__weight_decay``) minus the skorch
        # constructor arguments that these estimators fix.
        return sorted(
            k
            for k in self.__dict__
            if not k.endswith("_") and not k.startswith("_") and k not in _FIXED_SKORCH_ARGS
        )

    @property
    def _architecture(self):
        """The strategy object of ``architecture`` (see ``_core.architecture``)."""
        return get_architecture(self.architecture)

    # The rule table of the parameters (``_core.rules``), checked when fit / partial_fit start
    # and on load; VAEGenerator adds its own.
    _param_rules = AUTOENCODER_RULES

    def _hidden_sizes(self, n_features: int) -> list[int]:
        """Hidden widths of the MLP encoder (the decoder mirrors them)."""
        return self._architecture.hidden_sizes(
            self.hidden_layer_sizes, n_features, self.n_components_
        )

    def _encoder_decoder(self, n_code_out: int):
        return self._architecture.build(
            self.hidden_layer_sizes,
            self.n_features_in_,
            self.n_components_,
            n_code_out,
            self.activation,
            self.image_shape_,
        )

    # ------------------------------------------------------------------ skorch hooks
    def get_default_callbacks(self):
        callbacks = list(super().get_default_callbacks())
        for name in self._loss_term_names():
            callbacks.append((f"train_{name}", PassthroughScoring(f"train_{name}", on_train=True)))
            if self._uses_validation:
                callbacks.append((f"valid_{name}", PassthroughScoring(f"valid_{name}")))
        if self.lr_schedule == "onecycle":
            total = self._max_epochs * math.ceil(self._n_train / self._batch_size)
            callbacks.append(("lr_schedule", one_cycle_callback(total)))
        # Before early stopping: a non-finite epoch ends training, whatever the patience.
        callbacks.append(("finite_loss", FiniteLoss()))
        if self.early_stopping:
            monitor = "valid_loss" if self._uses_validation else "train_loss"
            stopping = EarlyStopping(
                monitor=monitor, patience=self.n_iter_no_change, threshold=self.tol, load_best=True
            )
            callbacks.append(("early_stopping", stopping))
        return callbacks

    def _loss_term_names(self) -> list[str]:
        return ["reconstruction", *(p.name for p in active_penalties(self))]

    def _resolve_train_split(self, n_samples: int):
        if self.train_split != "auto":
            return self.train_split
        if not self.early_stopping or n_samples * self.validation_fraction < MIN_VALIDATION_ROWS:
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

    def get_iterator(self, dataset, training=False):
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        default = self._batch_size if training else max(self._batch_size, self._predict_rows())
        batch_size = kwargs.pop("batch_size", default)
        X = dataset_tensor(dataset)
        if X is None:  # a user-provided Dataset: a DataLoader, as skorch does
            kwargs.setdefault("shuffle", training)
            return torch.utils.data.DataLoader(dataset, batch_size=batch_size, **kwargs)
        if batch_size == -1:
            batch_size = len(X)
        batches = TensorBatches(X.to(self._device), batch_size, shuffle=training)
        return self._shard_batches(batches) if training and self._shard_batches else batches

    def _predict_rows(self) -> int:
        return self._architecture.predict_rows(getattr(self, "n_features_in_", 1))

    def _loss_terms(self, output, x, x_in, training) -> dict:
        raise NotImplementedError

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
        self.lr_ = kwargs.get("lr")
        return self

    def _auto_lr(self) -> float:
        """The learning rate of ``lr="auto"``: the peak of the one-cycle schedule.

        0.03 at batches of 1,024 rows, scaled by the square root of the batch size (0.005 at 32);
        0.003 for convolutional models (batches of 32 to 64 rows).
        """
        return self._architecture.auto_lr(self._batch_size)

    def initialize_criterion(self):
        # The loss is assembled from named terms in ``get_loss``; no criterion module is used.
        self.criterion_ = None
        return self

    def initialize_module(self):
        self.module_ = self._build_module()
        return self

    def _build_module(self) -> torch.nn.Module:
        raise NotImplementedError

    def _set_training(self, training=True):
        # skorch switches modes at every batch; walking the module tree each time is costly.
        if getattr(self, "module_", None) is None or self.module_.training != training:
            super()._set_training(training)

    # ------------------------------------------------------------------ input and layout
    def _validate_X(self, X, reset: bool) -> np.ndarray:
        shape, layout = self._image_layout(X, reset)
        X = flatten(X, layout)
        X = validate_data(
            self, X, reset=reset, dtype=[np.float32, np.float64], ensure_min_samples=1
        )
        if reset:
            self.image_shape_, self._input_layout = shape, layout
        return X

    def _image_layout(self, X, reset: bool = False):
        """``(image_shape, layout)`` of an array of images / windows (see ``_core.layout``)."""
        shape = self.image_shape if reset or self.image_shape_ is None else self.image_shape_
        if not reset and self.image_shape_ is not None:
            check_not_one_sample(X, self.image_shape_, self.n_features_in_, type(self).__name__)
        return detect_layout(X, shape, reset=reset, owner=type(self).__name__)

    def _to_layout(self, A: np.ndarray, layout: str | None = None) -> np.ndarray:
        """Rows (n, C*H*W) back to ``layout`` (default: the layout ``fit`` saw)."""
        return to_layout(A, self.image_shape_, self._input_layout if layout is None else layout)

    # ------------------------------------------------------------------ device
    def initialize(self):
        with self._concrete_device():
            return super().initialize()

    def __setstate__(self, state):
        param = state.get("device")
        state["device"] = resolve_device(param)
        super().__setstate__(state)
        if isinstance(param, str) and param == "auto":
            self.device = param  # skorch mapped the weights to the device available here

    # scikit-learn's repr (the parameters changed from their defaults, also inside a
    # Pipeline), not skorch's "<class ...>[uninitialized](module=None, ...)".
    __repr__ = BaseEstimator.__repr__

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _declare_skorch_defaults(cls)

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


_declare_skorch_defaults(BaseAutoencoder)
