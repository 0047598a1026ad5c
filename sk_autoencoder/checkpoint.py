"""Checkpoint and resume, on skorch's ``Checkpoint`` and ``LoadInitState``.

A training run that is killed (a pre-empted job, a lost node) resumes from its last
checkpoint and - on CPU with a fixed ``random_state`` - ends with exactly the weights of an
uninterrupted run. The recipe::

    from sk_autoencoder.checkpoint import LoadTrainingState, TrainingCheckpoint

    checkpoint = TrainingCheckpoint(dirname="run1")
    ae = AutoencoderTransformer(
        random_state=0, callbacks=[checkpoint, LoadTrainingState(checkpoint)]
    )
    ae.fit(X)  # killed? run the same code again: it continues after the last checkpoint

:class:`TrainingCheckpoint` saves, at the end of every epoch (or when ``monitor`` says so), the
module's parameters, the optimizer state and the history (as skorch's ``Checkpoint`` does),
plus the torch random-number state and the early-stopping state (best score, patience count,
best weights). A checkpoint is written into a new folder, which becomes the current one only
when a one-line pointer file is replaced (an atomic rename): a kill during a write leaves the
previous checkpoint intact. :class:`LoadTrainingState` restores all of it when training
starts, continues the learning-rate schedule at the step where it stopped, and ends the run
at the number of epochs the uninterrupted run would have trained. Only the main process
(``RANK`` 0) writes.

The checkpoint files use ``torch.save`` (optimizer states hold more than tensors) and are
read back with ``weights_only=True``; they are for resuming, not for sharing models - use
:func:`sk_autoencoder.save` for that.
"""

from __future__ import annotations

import os
import shutil

import torch
from skorch.callbacks import Checkpoint, EarlyStopping, LoadInitState, LRScheduler
from skorch.utils import noop

from .distributed import is_main_process, unwrapped_module

__all__ = ["LoadTrainingState", "TrainingCheckpoint"]

_POINTER = "latest"
_STATE_FILE = "training_state.pt"
_EARLY_STOPPING_STATE = ("misses_", "dynamic_threshold_", "best_epoch_", "best_model_weights_")


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class TrainingCheckpoint(Checkpoint):
    """skorch ``Checkpoint`` that writes a complete, consistent training state atomically.

    Parameters
    ----------
    dirname : str, default="checkpoint"
        Folder of the checkpoints; ``dirname/latest`` names the current one.
    monitor : None, str or callable, default=None
        When to save, as in skorch: None saves after every epoch; e.g.
        ``lambda net: len(net.history) % 5 == 0`` every fifth epoch.
    f_params, f_optimizer, f_history : str
        File names inside a checkpoint folder.
    sink : callable, default=skorch.utils.noop
        Receives a message after each save (``print`` to see them with ``verbose=1``).
    event_name : str or None, default="event_cp"
        History column that records when a checkpoint was written.
    """

    def __init__(
        self,
        dirname="checkpoint",
        monitor=None,
        f_params="params.pt",
        f_optimizer="optimizer.pt",
        f_history="history.json",
        sink=noop,
        event_name="event_cp",
    ):
        super().__init__(
            monitor=monitor,
            f_params=f_params,
            f_optimizer=f_optimizer,
            f_criterion=None,
            f_history=f_history,
            f_pickle=None,
            dirname=dirname,
            event_name=event_name,
            sink=sink,
        )

    # ----------------------------------------------------------------- where files live
    _staging = None  # the folder being written, during save_model

    def latest_dir(self) -> str | None:
        """The folder of the current checkpoint, or None if there is none yet."""
        try:
            with open(os.path.join(self.dirname, _POINTER)) as f:
                name = f.read().strip()
        except FileNotFoundError:
            return None
        return os.path.join(self.dirname, name)

    def _target_dir(self) -> str:
        if self._staging is not None:
            return self._staging
        latest = self.latest_dir()
        if latest is None:
            # LoadInitState treats this as "nothing to resume from".
            raise FileNotFoundError(f"no checkpoint in {self.dirname!r} yet")
        return latest

    def _format_target(self, net, f, idx):
        if not isinstance(f, str):
            return super()._format_target(net, f, idx)
        return os.path.join(self._target_dir(), self.fn_prefix + f)

    @property
    def f_history_(self):
        """Path of the history file in the checkpoint being written or the current one."""
        if self.f_history is None:
            return None
        return os.path.join(self._target_dir(), self.fn_prefix + self.f_history)

    # ----------------------------------------------------------------- saving
    def _save_params(self, f, net, f_name, log_name):
        # skorch's Checkpoint reports a failed write and goes on; an incomplete checkpoint
        # must never become the current one, so the error propagates here.
        net.save_params(**{f_name: f})

    def save_model(self, net):
        """Write a checkpoint folder and make it the current one (on the main process only)."""
        if not is_main_process():
            return
        name = f"epoch-{len(net.history):06d}"
        final = os.path.join(self.dirname, name)
        staging = f"{final}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        module = net.module_
        self._staging = staging
        try:
            net.module_ = unwrapped_module(module)  # a DDP wrapper saves the inner module
            super().save_model(net)
            torch.save(_training_state(net), os.path.join(staging, _STATE_FILE))
        finally:
            net.module_ = module
            self._staging = None
        for entry in os.listdir(staging):
            _fsync(os.path.join(staging, entry))
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
        pointer = os.path.join(self.dirname, f"{_POINTER}.tmp-{os.getpid()}")
        with open(pointer, "w") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(pointer, os.path.join(self.dirname, _POINTER))  # the commit point
        _fsync(self.dirname)
        for entry in os.listdir(self.dirname):
            if entry.startswith("epoch-") and entry != name and ".tmp-" not in entry:
                shutil.rmtree(os.path.join(self.dirname, entry), ignore_errors=True)


def _training_state(net) -> dict:
    """What the module, optimizer and history do not hold: RNG and early-stopping state."""
    state = {"torch_rng": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda_rng"] = torch.cuda.get_rng_state_all()
    for name, callback in net.callbacks_:
        if isinstance(callback, EarlyStopping) and hasattr(callback, "misses_"):
            values = {key: getattr(callback, key, None) for key in _EARLY_STOPPING_STATE}
            values["dynamic_threshold_"] = float(values["dynamic_threshold_"])
            state[f"early_stopping:{name}"] = values
    return state


class LoadTrainingState(LoadInitState):
    """skorch ``LoadInitState`` that resumes exactly where a :class:`TrainingCheckpoint` stopped.

    When training starts and a checkpoint exists, it loads the parameters, optimizer state and
    history (skorch's ``LoadInitState``), then the random-number and early-stopping state,
    re-creates the learning-rate schedulers at the step reached, and stops the run once it has
    as many epochs as planned (``max_epochs``, resolved). Put it after the checkpoint in
    ``callbacks``.

    Parameters
    ----------
    checkpoint : TrainingCheckpoint
    """

    def __init__(self, checkpoint):
        super().__init__(checkpoint)

    def initialize(self):
        """Reset the planned stop (skorch callback hook)."""
        super().initialize()
        self.stop_at_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """Load the current checkpoint, if any, with its RNG, early-stopping and schedule state."""
        if self.did_load_:
            return
        latest = self.checkpoint.latest_dir()
        super().on_train_begin(net, X=X, y=y, **kwargs)
        if latest is None:
            return
        state = torch.load(os.path.join(latest, _STATE_FILE), weights_only=True)
        torch.set_rng_state(state["torch_rng"])
        if "cuda_rng" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        batches = sum(net.history[:, "train_batch_count"]) if len(net.history) else 0
        for name, callback in net.callbacks_:
            saved = state.get(f"early_stopping:{name}")
            if isinstance(callback, EarlyStopping) and saved is not None:
                for key, value in saved.items():
                    setattr(callback, key, value)
            if isinstance(callback, LRScheduler):
                # Re-create the scheduler on the loaded optimizer, at the step reached.
                if callback.step_every == "batch":
                    callback.last_epoch = batches - 1
                try:
                    callback.on_train_begin(net)
                finally:
                    vars(callback).pop("last_epoch", None)
        self.stop_at_ = int(getattr(net, "_max_epochs", net.max_epochs))

    def on_epoch_begin(self, net, **kwargs):
        """End a run resumed after its last epoch without training again."""
        if self.stop_at_ is not None and len(net.history) > self.stop_at_:
            # Killed after the last checkpoint of a finished run: nothing is left to train.
            net.history.pop()
            raise KeyboardInterrupt

    def on_epoch_end(self, net, **kwargs):
        """End training once the planned number of epochs is reached."""
        # skorch's way to end training early (as EarlyStopping does).
        if self.stop_at_ is not None and len(net.history) >= self.stop_at_:
            raise KeyboardInterrupt
