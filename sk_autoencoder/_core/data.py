"""Feeding in-memory data to skorch: whole-tensor datasets, sliced batches, a seeded hold-out."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils import check_random_state


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


def dataset_tensor(dataset) -> torch.Tensor | None:
    """The tensor behind an in-memory dataset (or a ``Subset`` of one), else None."""
    if isinstance(dataset, InMemoryDataset):
        return dataset.X
    if isinstance(dataset, torch.utils.data.Subset) and isinstance(
        dataset.dataset, InMemoryDataset
    ):
        return dataset.dataset.X[torch.as_tensor(dataset.indices, dtype=torch.long)]
    return None


def as_tensor(X: np.ndarray, dtype=np.float32) -> torch.Tensor:
    """A tensor sharing ``X``'s memory when it is contiguous and writeable (else a copy)."""
    X = np.ascontiguousarray(X, dtype=dtype)
    return torch.from_numpy(X if X.flags.writeable else X.copy())
