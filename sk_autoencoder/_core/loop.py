"""skorch's per-batch training loop with less bookkeeping per batch, and the per-batch hooks.

At batches of a few hundred rows of a small MLP, skorch's bookkeeping was ~15% of a step:
``notify`` called every callback's hook three times per batch (most are ``Callback``'s
no-ops), each ``history.record_batch`` went through ``History``'s fancy indexing, the device,
the precision and the active penalties were resolved again at every batch, and
``Optimizer.zero_grad`` wraps its loop in a profiler range. These overrides make the same
calls in the same order with the same arguments (hooks inherited unchanged from skorch's no-op
bases are skipped, which changes nothing), write the same values to the same history rows,
still hand ``optimizer.step`` a closure (LBFGS works), and resolve what cannot change during
an epoch once per epoch (``EpochPlan``).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.dataset import get_len
from skorch.history import History
from skorch.utils import TeeGenerator, to_tensor

from .regularisers import active_penalties, training_input

# Hooks of skorch's NeuralNet that do nothing (its on_batch_begin starts the history row).
_NET_NOOP_HOOKS = {
    "on_batch_end": NeuralNet.on_batch_end,
    "on_grad_computed": NeuralNet.on_grad_computed,
}


class EpochPlan(NamedTuple):
    """What every batch of an epoch reads, resolved once at the start of the epoch."""

    device: object  # the ``device`` value as to_tensor takes it ("cpu", "cuda:1", None)
    torch_device: torch.device | None  # with its index ("cuda" -> "cuda:0"), as tensors report
    device_type: str  # "cpu", "cuda", ... for autocast
    mixed_precision: bool
    penalties: list  # regularisers.active_penalties
    input_gradient: bool  # a penalty needs the input's gradient path (contractive)
    corrupts_input: bool  # whether training_input has anything to do (noise, contractive)
    grad_hooks: list  # the on_grad_computed hooks that do something


def _on_device(x, plan: EpochPlan):
    """``to_tensor(x, device)``, without skorch's type dispatch for a tensor already there."""
    if isinstance(x, torch.Tensor) and (plan.torch_device is None or x.device == plan.torch_device):
        return x
    return to_tensor(x, device=plan.device)


class BatchLoopMixin:
    """``run_single_epoch``, ``train_step``, ``infer`` and ``get_loss`` of the estimators."""

    _epoch_plan = None  # set while run_single_epoch runs
    _batch_row = None  # the history row of the current batch, for a plain History

    def _batch_hooks(self, name: str) -> list:
        """The ``name`` hooks that ``notify(name)`` would call, in its order.

        The net's own, then those of ``callbacks_``, less those inherited unchanged from
        skorch's no-op bases (``Callback``'s, and ``NeuralNet``'s on_batch_end and
        on_grad_computed).
        """
        hooks = []
        if name in vars(self) or getattr(type(self), name) is not _NET_NOOP_HOOKS.get(name):
            hooks.append(getattr(self, name))
        for _, cb in self.callbacks_:
            if name in getattr(cb, "__dict__", ()) or (
                getattr(type(cb), name, None) is not getattr(Callback, name)
            ):
                hooks.append(getattr(cb, name))
        return hooks

    def _plan(self, grad_hooks: list) -> EpochPlan:
        device = self._device
        torch_device = None if device is None else torch.device(device)
        if torch_device is not None and torch_device.type == "cuda" and torch_device.index is None:
            # Tensors on "cuda" report "cuda:<current>"; compare with that.
            torch_device = torch.device("cuda", torch.cuda.current_device())
        penalties = active_penalties(self)
        input_gradient = any(p.needs_input_gradient for p in penalties)
        return EpochPlan(
            device,
            torch_device,
            "cpu" if torch_device is None else torch_device.type,
            self._mixed_precision(),
            penalties,
            input_gradient,
            bool(self.noise) or input_gradient,
            grad_hooks,
        )

    def _record_batch(self, key: str, value) -> None:
        """Do ``history.record_batch(key, value)``.

        A plain ``History``'s row is written directly: its record_batch looks the row up
        through History's fancy indexing at every call.
        """
        row = self._batch_row
        if row is None:
            self.history.record_batch(key, value)
        else:
            row[key] = value

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None:
            return
        begin = self._batch_hooks("on_batch_begin")
        end = self._batch_hooks("on_batch_end")
        self._epoch_plan = self._plan(self._batch_hooks("on_grad_computed") if training else [])
        history = self.history
        # The epoch's row; on_batch_begin (the net's) appends each batch's row to its batches.
        batches = list.__getitem__(history, -1)["batches"] if type(history) is History else None
        loss_key, size_key = prefix + "_loss", prefix + "_batch_size"
        batch_count = 0
        try:
            for batch in iterator:
                for hook in begin:
                    hook(self, batch=batch, training=training)
                if batches is not None:
                    self._batch_row = batches[-1]
                step = step_fn(batch, **fit_params)
                self._record_batch(loss_key, step["loss"].item())
                Xi = batch[0] if isinstance(batch, (tuple, list)) else batch
                self._record_batch(
                    size_key, len(Xi) if isinstance(Xi, torch.Tensor) else get_len(Xi)
                )
                for hook in end:
                    hook(self, batch=batch, training=training, **step)
                batch_count += 1
        finally:
            vars(self).pop("_epoch_plan", None)
            vars(self).pop("_batch_row", None)
        history.record(prefix + "_batch_count", batch_count)

    def train_step(self, batch, **fit_params):
        # skorch's, calling only the on_grad_computed hooks that do something.
        plan = self._epoch_plan
        hooks = plan.grad_hooks if plan is not None else self._batch_hooks("on_grad_computed")
        step_accumulator = self.get_train_step_accumulator()

        def step_fn():
            self._zero_grad_optimizer()
            step = self.train_step_single(batch, **fit_params)
            step_accumulator.store_step(step)
            if hooks:
                named = TeeGenerator(self.get_all_learnable_params())
                for hook in hooks:
                    hook(self, named_parameters=named, batch=batch, training=True)
            return step["loss"]

        self._step_optimizer(step_fn)
        return step_accumulator.get_step()

    def _zero_grad_optimizer(self, set_to_none=None):
        for name in self._optimizers:
            optimizer = getattr(self, name + "_")
            if set_to_none is not None:
                optimizer.zero_grad(set_to_none=set_to_none)
            elif type(optimizer).zero_grad is torch.optim.Optimizer.zero_grad:
                # What torch's zero_grad() does (set_to_none=True), without its profiler
                # range and compiler guard (~2% of a step of a small MLP).
                for group in optimizer.param_groups:
                    for p in group["params"]:
                        p.grad = None
            else:
                optimizer.zero_grad()

    def infer(self, x, **fit_params):
        plan = self._epoch_plan or self._plan([])  # outside the loop: skorch's forward
        x = _on_device(x, plan)
        if plan.corrupts_input and self.module_.training:
            x = training_input(self, x, plan.input_gradient)
        if not plan.mixed_precision:
            return self.module_(x, **fit_params), x
        # bfloat16 matrix products and convolutions; the loss is computed in float32.
        with torch.autocast(device_type=plan.device_type, dtype=torch.bfloat16):
            out = self.module_(x, **fit_params)
        return tuple(t.float() for t in out), x

    def get_loss(self, y_pred, y_true, X=None, training=False):
        output, x_in = y_pred
        plan = self._epoch_plan or self._plan([])
        terms = self._loss_terms(output, _on_device(X, plan), x_in, training)
        prefix = "train_" if training else "valid_"
        total = None
        for name, value in terms.items():
            # sum(terms.values()) without its leading ``0 +``: one op and one autograd node
            # less per batch, the same values (0 + t == t).
            total = value if total is None else total + value
            self._record_batch(prefix + name, value.item())
        return total

    def _penalty_terms(self, code, x_in, training) -> dict:
        """Sparsity and contractive terms shared by both code types, weighted."""
        plan = self._epoch_plan
        penalties = plan.penalties if plan is not None else active_penalties(self)
        return {p.name: p(self, code, x_in, training) for p in penalties}
