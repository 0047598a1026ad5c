"""Where a model runs: the ``device="auto"`` rule and bfloat16 support."""

from __future__ import annotations

import contextlib
import functools
import os

import torch


def resolve_device(device):
    """The device a ``device`` parameter means.

    ``"auto"``: ``"cuda"`` when PyTorch sees a CUDA GPU (``"cuda:LOCAL_RANK"`` in a process started
    by torchrun / accelerate), else ``"cpu"``; any other value (``"cpu"``, ``"cuda:1"``, ``None``)
    is returned unchanged.
    """
    if isinstance(device, str) and device == "auto":
        if not torch.cuda.is_available():
            return "cpu"
        local_rank = os.environ.get("LOCAL_RANK")
        return f"cuda:{int(local_rank)}" if local_rank else "cuda"
    return device


def device_type(device) -> str:
    """``"cpu"``, ``"cuda"``, ... of a device value (``"auto"`` resolved; None is the CPU)."""
    device = resolve_device(device)
    return "cpu" if device is None else torch.device(device).type


def device_available(device) -> bool:
    """Whether this machine has ``device`` (a CUDA GPU / Apple's MPS when it names one)."""
    try:
        kind = device_type(device)
    except (RuntimeError, TypeError, ValueError):  # not a device torch can parse
        return True  # nothing to fall back from; the parameter check names it
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return torch.backends.mps.is_available()
    return True


@functools.cache
def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX).

    Asked once per process (``infer`` consults it at every training batch of a conv model).
    """
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except Exception:  # private helpers; absent in some builds
        return False


def native_bf16(kind: str) -> bool:
    """Whether hardware of this device type computes in bfloat16 natively."""
    if kind == "cuda":
        return torch.cuda.is_bf16_supported()
    return kind == "cpu" and cpu_has_bf16()


class DeviceMixin:
    """The estimators' device and precision, resolved from their parameters."""

    @property
    def _device(self):
        """The torch device of ``device`` (``"auto"`` resolved)."""
        return resolve_device(self.device)

    def _device_type(self) -> str:
        return device_type(self.device)

    def _mixed_precision(self) -> bool:
        """Whether to train under bfloat16 autocast (the ``mixed_precision`` parameter, resolved).

        ``mixed_precision="auto"``: bfloat16 autocast where the architecture gains from it (conv)
        and the hardware computes in bfloat16 natively (a CUDA GPU that supports it, a CPU with
        AVX512-BF16 or AMX); off for the MLP, whose small products gain nothing.
        """
        if self.mixed_precision != "auto":
            return bool(self.mixed_precision)
        return self._architecture.mixed_precision_by_default(self._device_type())

    @contextlib.contextmanager
    def _concrete_device(self):
        """Hold the resolved device in ``self.device`` within this block.

        skorch reads ``self.device`` itself (module placement, loading a checkpoint); the
        parameter is restored afterwards.
        """
        param = self.device
        self.device = resolve_device(param)
        try:
            yield
        finally:
            self.device = param
