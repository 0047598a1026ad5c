"""The training schedule: automatic batch size, epochs and learning-rate cycle.

``"auto"`` settings are resolved from the number of training rows when ``fit`` starts (or from
the announced stream in ``partial_fit(n_samples_total=...)``) and become the fitted attributes
``batch_size_``, ``max_epochs_`` and ``lr_``.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import torch
from skorch.callbacks import LRScheduler

# Optimizer steps that ``max_epochs="auto"`` aims for.
AUTO_STEPS = 3000
# Below this many validation rows the automatic split is skipped and early stopping watches
# the training loss instead: a handful of rows is too noisy to pick the best epoch.
MIN_VALIDATION_ROWS = 10


class WarmupCosine:
    """Learning-rate multiplier for ``LambdaLR``: warm-up, then cosine decay.

    A linear warm-up over the first 5% of the steps, then a cosine decay to 1% of ``lr`` (a
    one-cycle schedule; Smith & Topin, 2017). Past ``total_steps`` it stays at the floor, so extra
    ``partial_fit`` steps are safe.
    """

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


def auto_batch_size(n_train: int, top: int) -> int:
    """``n_train / 64`` rows rounded to a power of two in [32, ``top``]."""
    return int(np.clip(2 ** round(math.log2(max(n_train / 64, 1))), 32, top))


def auto_max_epochs(n_train: int, batch_size: int) -> int:
    """Enough epochs for about 3,000 optimizer steps, 20 to 500."""
    steps = math.ceil(n_train / batch_size)
    return int(np.clip(math.ceil(AUTO_STEPS / steps), 20, 500))


def one_cycle_callback(total_steps: int) -> LRScheduler:
    """A skorch callback stepping :class:`WarmupCosine` at every batch."""
    return LRScheduler(
        torch.optim.lr_scheduler.LambdaLR,
        lr_lambda=WarmupCosine(total_steps),
        step_every="batch",
        event_name=None,
    )


@contextlib.contextmanager
def continued_schedule(net, continuing: bool):
    """Start the per-batch schedule where training stands.

    skorch re-creates the scheduler at every call at step ``len(history) - 1``, an epoch
    count; this one steps every batch. ``partial_fit`` (``continuing``) continues it at the
    number of batches trained so far; ``fit`` (warm start) runs a new cycle.
    """
    schedule = dict(net.callbacks_).get("lr_schedule")
    if schedule is None:
        yield
        return
    done = 0
    if continuing and net.history:
        done = sum(net.history[:, "train_batch_count"])
    schedule.last_epoch = done - 1
    try:
        yield
    finally:  # read in on_train_begin only; not a parameter
        vars(schedule).pop("last_epoch", None)
