"""Estimators <-> JSON nodes plus named tensors.

A node is ``{"class": name, "params": ..., "params_not_saved": [...], "state": ...}``.
Parameters are encoded generically: JSON values as they are, tuples, dicts, torch optimizer
classes and nested estimators (a pipeline's steps, a detector's preprocessor) by tagged
objects. The fitted state is each class's own: ``est._save_state(writer)`` returns a JSON-able
dict whose arrays went through ``writer.array`` and whose nested estimators went through
``writer.child``; ``est._load_state(state, reader)`` restores it on ``cls(**params)``. Classes
come from a fixed whitelist (``registry``), never from a dotted path in the file.
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from .._core.device import device_available
from .._core.params import check_params
from .envelope import ModelFormatError

_TUPLE, _DICT, _ESTIMATOR, _OPTIMIZER = "__tuple__", "__dict__", "__estimator__", "torch.optim"
_NOT_ENCODABLE = object()
NODE_KEYS = {"class", "params", "params_not_saved", "state"}


def _is_fitted(est) -> bool:
    try:
        check_is_fitted(est)
    except NotFittedError:
        return False
    return True


def available_device(saved):
    """The saved device when this machine has it, else ``"cpu"``."""
    return saved if device_available(saved) else "cpu"


class StateWriter:
    """Collects the tensors of a tree of nodes under short keys while it is encoded."""

    def __init__(self, classes: dict):
        self.classes = classes
        self.tensors: dict[str, torch.Tensor] = {}
        self.skipped: list[str] = []

    def array(self, value) -> str:
        """Store a numpy array or torch tensor; return its key."""
        if isinstance(value, torch.Tensor):
            tensor = value.detach().to("cpu").clone().contiguous()
        else:
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                raise TypeError(f"only numeric arrays can be saved, got dtype {array.dtype}")
            tensor = torch.from_numpy(np.array(array, order="C", copy=True))  # 0-d stays 0-d
        key = str(len(self.tensors))
        self.tensors[key] = tensor
        return key

    def child(self, est) -> dict:
        """The node of a nested estimator (with its fitted state when it is fitted)."""
        name = type(est).__name__
        if self.classes.get(name) is not type(est):
            raise TypeError(f"save() cannot store a {name}; savable: {sorted(self.classes)}.")
        params = {}
        for key, value in est.get_params(deep=False).items():
            encoded = self.encode(value)
            if encoded is _NOT_ENCODABLE:
                self.skipped.append(key)
            else:
                params[key] = encoded
        state = est._save_state(self) if _is_fitted(est) else None
        return {
            "class": name,
            "params": params,
            "params_not_saved": sorted(k for k in est.get_params(deep=False) if k not in params),
            "state": state,
        }

    def encode(self, value):
        """A parameter value as JSON (``_NOT_ENCODABLE`` for callables, objects, ...)."""
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (numbers.Integral, np.bool_)) and not isinstance(value, bool):
            return bool(value) if isinstance(value, np.bool_) else int(value)
        if isinstance(value, numbers.Real):
            return float(value)
        if isinstance(value, type) and getattr(torch.optim, value.__name__, None) is value:
            return {_OPTIMIZER: value.__name__}
        if isinstance(value, (list, tuple)):
            items = [self.encode(v) for v in value]
            if any(v is _NOT_ENCODABLE for v in items):
                return _NOT_ENCODABLE
            return {_TUPLE: items} if isinstance(value, tuple) else items
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            items = {k: self.encode(v) for k, v in value.items()}
            if any(v is _NOT_ENCODABLE for v in items.values()):
                return _NOT_ENCODABLE
            return {_DICT: items}
        if type(value).__name__ in self.classes and hasattr(value, "get_params"):
            return {_ESTIMATOR: self.child(value)}
        return _NOT_ENCODABLE


def _parameter_check(est):
    """The estimator's own parameter validation, if it runs without data.

    Its rule table (``_param_rules``), its ``_check_loaded_params`` or a ``_check_params``
    without arguments.
    """
    rules = getattr(est, "_param_rules", None)
    if rules is not None:
        return lambda: check_params(est, rules)
    check = getattr(est, "_check_loaded_params", None) or getattr(est, "_check_params", None)
    if check is None:
        return None
    required = [
        p
        for p in inspect.signature(check).parameters.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    return None if required else check


class StateReader:
    """Decodes nodes written by :class:`StateWriter`; ``device`` applies to every node."""

    def __init__(self, classes: dict, tensors: dict | None, device=None, complete=False):
        self.classes = classes
        self.tensors = tensors
        self.device = device
        # Files of this package version carry every parameter (older ones may lack newer).
        self.complete = complete
        self.used: set[str] = set()

    def array(self, key) -> np.ndarray:
        """A stored array as numpy (its saved dtype and shape)."""
        return self.tensor(key).numpy()

    def tensor(self, key) -> torch.Tensor:
        """A stored tensor, on the CPU."""
        if not isinstance(key, str) or key not in self.tensors:
            raise ModelFormatError(f"the weights file has no tensor {key!r}.")
        tensor = self.tensors[key]
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ModelFormatError(
                f"tensor {key!r} of the weights file holds NaN or infinite values; a saved "
                "model never does. Re-save the model from its source."
            )
        self.used.add(key)
        return tensor

    def unused_tensors(self) -> list:
        """Tensors of the weights file that no node read."""
        return sorted(set(self.tensors) - self.used)

    def node_class(self, node):
        """The whitelisted class a node names (``ModelFormatError`` for any other)."""
        name = node.get("class") if isinstance(node, dict) else None
        if not isinstance(name, str) or name not in self.classes:
            raise ModelFormatError(
                f"the config names class {name!r}; only {sorted(self.classes)} load."
            )
        return self.classes[name]

    def check(self, node) -> None:
        """Validate a node tree's classes and parameter encodings without building anything."""
        self.node_class(node)
        if not isinstance(node.get("params", {}), dict):
            raise ModelFormatError("a node's params must be a JSON object.")
        for value in node.get("params", {}).values():
            self.decode(value, build=False)

    def _check_keys(self, node, cls) -> None:
        unknown = sorted(set(node) - NODE_KEYS)
        if unknown:
            raise ModelFormatError(f"the {cls.__name__} node has unknown keys {unknown}.")
        for key in ("params", "state"):
            if key not in node:
                raise ModelFormatError(f"the {cls.__name__} node has no {key!r}.")
        if not isinstance(node["params"], dict):
            raise ModelFormatError(f"the {cls.__name__} node's params must be a JSON object.")
        if self.complete:
            expected = {
                p.name
                for p in inspect.signature(cls).parameters.values()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            }
            missing = sorted(expected - set(node["params"]) - set(node.get("params_not_saved", ())))
            if missing:
                raise ModelFormatError(
                    f"the {cls.__name__} node lacks parameters {missing}, which a file of this "
                    "package version always holds."
                )

    def child(self, node):
        """Build the estimator of ``node``: ``cls(**params)``, then its fitted state."""
        cls = self.node_class(node)
        self._check_keys(node, cls)
        params = {k: self.decode(v) for k, v in node.get("params", {}).items()}
        if "device" in params:
            params["device"] = self.device or available_device(params["device"])
        try:
            est = cls(**params)
        except TypeError as exc:
            msg = f"the config has parameters {cls.__name__} rejects: {exc}"
            raise ModelFormatError(msg) from exc
        check = _parameter_check(est)
        if check is not None:
            try:
                check()
            except (TypeError, ValueError) as exc:
                raise ModelFormatError(f"the config's parameters are invalid: {exc}") from exc
        state = node.get("state")
        if state is not None:
            try:
                est._load_state(state, self)
            except ModelFormatError:
                raise
            except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as exc:
                msg = f"the saved state of {cls.__name__} is incomplete or damaged ({exc!r})."
                raise ModelFormatError(msg) from exc
        return est

    def decode(self, value, build: bool = True):
        """The inverse of :meth:`StateWriter.encode` (``build=False``: validate only)."""
        if isinstance(value, list):
            return [self.decode(v, build) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            raise ModelFormatError(f"unknown parameter encoding {sorted(value)!r}.")
        ((tag, inner),) = value.items()
        if tag == _OPTIMIZER:
            opt = getattr(torch.optim, str(inner), None)
            if not (isinstance(opt, type) and issubclass(opt, torch.optim.Optimizer)):
                raise ModelFormatError(f"unknown optimizer {inner!r} in the config.")
            return opt
        if tag == _TUPLE and isinstance(inner, list):
            return tuple(self.decode(v, build) for v in inner)
        if tag == _DICT and isinstance(inner, dict):
            return {k: self.decode(v, build) for k, v in inner.items()}
        if tag == _ESTIMATOR:
            if not build:
                return self.check(inner)
            return self.child(inner)
        raise ModelFormatError(f"unknown parameter encoding {tag!r}.")
