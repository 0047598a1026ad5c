"""Helpers shared by the benchmark scripts: data loading, machine info, tables, JSON."""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT / ".." / "shared" / "data"
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"


def weather_frame(data_dir: Path):
    """``(table, source)``: the weather table, read from ``data_dir`` if it is there.

    Else the copy bundled with the package (the two files are identical).
    """
    import pandas as pd

    from sk_autoencoder.datasets import load_weather_aus

    path = Path(data_dir) / "weatherAUS.csv.gz"
    if path.is_file():
        return pd.read_csv(path, keep_default_na=False, na_values=["NA", ""]), str(path.resolve())
    return load_weather_aus(), "bundled sk_autoencoder/datasets/data/weatherAUS.csv.gz"


def weather_matrix(data_dir: Path):
    """The weather tutorial matrix (X float32 (58090, 17), y bool, column names).

    Read as :func:`weather_frame` reads the table.
    """
    from sk_autoencoder.datasets import weather_tutorial_matrix

    df, source = weather_frame(data_dir)
    X, y, columns = weather_tutorial_matrix(df)
    return X, y, columns, source


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict:
    import sklearn
    import torch

    import sk_autoencoder

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "scikit_learn": sklearn.__version__,
        "sk_autoencoder": sk_autoencoder.__version__,
    }


def markdown_table(header: list[str], rows: list[list], align: str | None = None) -> str:
    """A markdown table; ``align`` is one character per column, 'l' or 'r' (default 'l')."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(header))]
    align = align or "l" * len(header)

    def line(row):
        parts = [c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(row, widths, align)]
        return "| " + " | ".join(parts) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if a == "r" else "-" * (w + 2) for w, a in zip(widths, align)
        )
        + "|"
    )
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def fmt(value, spec: str = ".4f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, spec)


def _finite(value):
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(payload: dict, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(_finite(payload), fh, indent=2)
        fh.write("\n")
    return path


# ---------------------------------------------------------------------------- reference trainers
# The two baselines every speed benchmark compares with, trained the same way everywhere:
# scikit-learn-style skorch and a hand-written torch loop. Each returns (seconds, trained net).


def train_skorch_regressor(module, X: np.ndarray, batch_size: int, epochs: int, lr: float):
    import time

    import torch
    from skorch import NeuralNetRegressor

    net = NeuralNetRegressor(
        module=module,
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.Adam,
        lr=lr,
        batch_size=batch_size,
        max_epochs=epochs,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )
    t0 = time.perf_counter()
    net.fit(X, X)
    return time.perf_counter() - t0, net.module_


def train_hand_loop(net, X: np.ndarray, batch_size: int, epochs: int, lr: float, fused=None):
    import time

    import torch

    Xt = torch.from_numpy(X)
    t0 = time.perf_counter()
    opt = torch.optim.Adam(net.parameters(), lr=lr, fused=fused)
    net.train()
    n = len(Xt)
    for _ in range(epochs):
        shuffled = Xt[torch.randperm(n)]
        for start in range(0, n, batch_size):
            xb = shuffled[start : start + batch_size]
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(net(xb), xb).backward()
            opt.step()
    return time.perf_counter() - t0, net
