"""Multi-process training with PyTorch's ``DistributedDataParallel``, through skorch's hooks.

The launcher decides: ``torchrun`` (or ``accelerate launch``, which starts the same kind of
processes) sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``;
the estimator only gets one callback::

    from sk_autoencoder.distributed import DistributedTraining, device_for_rank, is_main_process

    ae = AutoencoderTransformer(
        random_state=0, device=device_for_rank(), callbacks=[DistributedTraining()]
    )
    ae.fit(X)                      # every process holds X (or the same Parquet chunk)
    if is_main_process():
        sk_autoencoder.save(ae, "model")   # the plain module: loads in a single process

While it trains, :class:`DistributedTraining` wraps the module in
``torch.nn.parallel.DistributedDataParallel`` (gradients are averaged across processes in
backward) and hands each process its own rows of every batch: all processes draw the same
permutation of the epoch (same ``random_state``), cut it into the same global batches of
``batch_size`` rows, and process ``r`` trains on rows ``r, r + W, r + 2W, ...`` of each, so a
run on ``W`` processes follows the single-process run with the same global batch size. The
reported training loss is averaged across processes, so early stopping decides the same on
every process; only the main process prints. When training ends the module is unwrapped
again: prediction, ``save`` and ``pickle`` see the plain module. Without a launcher
(``WORLD_SIZE`` unset or 1) the callback does nothing.

Backends: ``nccl`` when CUDA is available, else ``gloo`` (CPU, also used by the tests).
"""

from __future__ import annotations

import functools
import numbers
import os

import torch
import torch.distributed as dist
from skorch.callbacks import Callback
from torch.nn.parallel import DistributedDataParallel

__all__ = [
    "DistributedTraining",
    "ShardedBatches",
    "device_for_rank",
    "distributed_env",
    "init_distributed",
    "is_main_process",
    "unwrapped_module",
]


def distributed_env() -> tuple[int, int, int]:
    """``(rank, world_size, local_rank)`` from the launcher's environment (0, 1, 0 without)."""
    try:
        return (
            int(os.environ.get("RANK", 0)),
            int(os.environ.get("WORLD_SIZE", 1)),
            int(os.environ.get("LOCAL_RANK", 0)),
        )
    except ValueError as exc:
        raise ValueError(
            "RANK, WORLD_SIZE and LOCAL_RANK must be integers (they are set by torchrun or "
            f"accelerate launch): {exc}"
        ) from None


def init_distributed(backend: str | None = None) -> tuple[int, int, int]:
    """Join the process group the launcher set up (once); return ``(rank, world, local)``.

    ``backend`` defaults to ``nccl`` with CUDA, else ``gloo``. With CUDA the process's current
    device becomes ``cuda:LOCAL_RANK``. A single process (no launcher) joins nothing.
    """
    rank, world, local = distributed_env()
    if world > 1 and not dist.is_initialized():
        backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
        if torch.cuda.is_available():
            torch.cuda.set_device(local)
        dist.init_process_group(backend=backend)  # env:// rendezvous: MASTER_ADDR/PORT
    return rank, world, local


def device_for_rank() -> str:
    """The ``device`` to give the estimator in a launched process.

    ``"cuda:LOCAL_RANK"`` when CUDA is available, else ``"cpu"``.
    """
    return f"cuda:{distributed_env()[2]}" if torch.cuda.is_available() else "cpu"


def is_main_process() -> bool:
    """True in the process that prints and writes (rank 0), and without a launcher."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    return distributed_env()[0] == 0


def unwrapped_module(module: torch.nn.Module) -> torch.nn.Module:
    """The plain module inside a ``DistributedDataParallel`` wrapper (or the module itself)."""
    return module.module if isinstance(module, DistributedDataParallel) else module


class ShardedBatches:
    """One process's share of every global batch: rows ``rank::world_size`` of it.

    Global batches smaller than ``world_size`` are skipped (every process needs a row, and all
    must take the same number of steps).
    """

    def __init__(self, batches, rank: int, world_size: int):
        self.batches = batches
        self.rank = rank
        self.world_size = world_size

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        for xb, _ in self.batches:
            if len(xb) < self.world_size:
                continue
            yield xb[self.rank :: self.world_size], None


class _DataParallel(DistributedDataParallel):
    """``DistributedDataParallel`` that also answers the wrapped module's attributes.

    The module's own attributes (``encode``, ``decode``, ...) are the ones the estimators' loss
    terms use.
    """

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "module":
                raise
            return getattr(self.module, name)


class DistributedTraining(Callback):
    """Train a skorch net on all the processes of a ``torchrun`` / ``accelerate`` launch.

    Parameters
    ----------
    backend : str or None, default=None
        ``torch.distributed`` backend; None picks ``nccl`` with CUDA, else ``gloo``.
    """

    def __init__(self, backend=None):
        self.backend = backend

    def initialize(self):
        """Join the process group (skorch callback hook); a single process stays inactive."""
        # Called by net.initialize() before the module is built: joining the group here also
        # sets the CUDA device of this process before the module is moved to it.
        self.rank_, self.world_size_, _ = init_distributed(self.backend)
        self.active_ = self.world_size_ > 1
        self._plain_module = None
        self._verbose = None
        return self

    def on_train_begin(self, net, **kwargs):
        """Wrap the module for data-parallel training and shard the batches of each process."""
        if not self.active_:
            return
        seed = getattr(net, "random_state", None)
        if not isinstance(seed, numbers.Integral):
            raise ValueError(
                f"Distributed training needs random_state set to an int (got {seed!r}): every "
                "process must draw the same split and the same permutation of each epoch."
            )
        if getattr(net, "contractive_weight", 0) > 0:
            raise ValueError(
                "contractive_weight > 0 needs a double backward, which "
                "DistributedDataParallel does not support; train it in one process."
            )
        self._plain_module = net.module_
        device = next(net.module_.parameters()).device
        net.module_ = _DataParallel(
            net.module_, device_ids=[device.index] if device.type == "cuda" else None
        )
        # The hook in BaseAutoencoder.get_iterator: each process trains on its share.
        net._shard_batches = functools.partial(
            ShardedBatches, rank=self.rank_, world_size=self.world_size_
        )
        if self.rank_ != 0:
            self._verbose, net.verbose = net.verbose, 0

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        """Record the loss of the global batch, the same on every process."""
        if not self.active_ or not training or loss is None:
            return
        # The loss of the global batch (the mean of the processes' equal shares), recorded
        # on every process so that early stopping takes the same decision everywhere.
        total = loss.detach().reshape(1).clone()
        dist.all_reduce(total)
        net.history.record_batch("train_loss", total.item() / self.world_size_)

    def on_train_end(self, net, **kwargs):
        """Unwrap the module and restore what ``on_train_begin`` changed."""
        if not self.active_ or self._plain_module is None:
            return
        net.module_ = self._plain_module
        self._plain_module = None
        vars(net).pop("_shard_batches", None)
        if self._verbose is not None:
            net.verbose, self._verbose = self._verbose, None
