"""Training throughput: our estimator vs a plain skorch net vs a hand-written torch loop.

Usage (from the repository root)::

    python benchmarks/throughput.py [--data-dir ../shared/data] \
        [--out benchmarks/results/throughput.json] [--epochs 5] [--batch-sizes 256 1024] \
        [--lr 0.003] [--repeats 3] [--seed 0]

All contenders train the same network on the weather tutorial matrix (58,090 x 17
standardised columns): 17-64-32-3 with SiLU, mirrored decoder 3-32-64-17, linear code and
output, squared error, Adam at a constant learning rate, reshuffled batches of the same size,
the same number of epochs, no validation split, no early stopping:

- ours: ``AutoencoderTransformer(n_components=3, hidden_layer_sizes=(64, 32),
  activation="silu", batch_size=B, max_epochs=E, lr=lr, early_stopping=False,
  train_split=None, lr_schedule=None)`` (in-memory batches, fused Adam by default);
- skorch: ``skorch.NeuralNetRegressor`` with that ``nn.Sequential`` as module, X as input and
  target, ``train_split=None``, skorch's default ``DataLoader`` (``iterator_train__shuffle=True``),
  ``optimizer=torch.optim.Adam``, ``criterion=nn.MSELoss``;
- hand loop: ``torch.randperm`` + slicing of the in-memory tensor, ``torch.optim.Adam``
  (default implementation), and the same loop with ``Adam(fused=True)`` to separate the
  optimizer's share from the framework's.

rows/s = epochs * n_rows / fit seconds (the best of ``--repeats`` runs, fit only: no data
loading, no prediction). The contenders take turns: each round runs every one of them once, in
alternating order, after an untimed warm-up fit of each on a few batches, so that a slow
stretch of a shared machine or the first call's costs do not land on one contender. "final
MSE" is the training-set reconstruction MSE after the last epoch (skorch's net and the hand loops
start from ``make_net(seed)``, ours from its own seeded initialisation, so expect small
differences).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from _common import (
    DEFAULT_DATA_DIR,
    RESULTS_DIR,
    fmt,
    machine_info,
    markdown_table,
    train_hand_loop,
    train_skorch_regressor,
    weather_matrix,
    write_json,
)
from torch import nn

from sk_autoencoder import AutoencoderTransformer

HIDDEN = (64, 32)
N_COMPONENTS = 3


def make_net(d: int, seed: int) -> nn.Sequential:
    """17-64-32-3 (SiLU) + 3-32-64-17 (SiLU), linear code and output: the same layers as
    ``AutoencoderTransformer(hidden_layer_sizes=(64, 32), activation="silu")``."""
    torch.manual_seed(seed)
    h1, h2 = HIDDEN
    return nn.Sequential(
        nn.Linear(d, h1),
        nn.SiLU(),
        nn.Linear(h1, h2),
        nn.SiLU(),
        nn.Linear(h2, N_COMPONENTS),
        nn.Linear(N_COMPONENTS, h2),
        nn.SiLU(),
        nn.Linear(h2, h1),
        nn.SiLU(),
        nn.Linear(h1, d),
    )


def _mse(net: nn.Module, Xt: torch.Tensor) -> float:
    net.eval()
    with torch.no_grad():
        return float(nn.functional.mse_loss(net(Xt), Xt))


def fit_ours(X, batch_size, epochs, lr, seed):
    ae = AutoencoderTransformer(
        n_components=N_COMPONENTS,
        hidden_layer_sizes=HIDDEN,
        activation="silu",
        batch_size=batch_size,
        max_epochs=epochs,
        lr=lr,
        early_stopping=False,
        train_split=None,
        lr_schedule=None,
        random_state=seed,
    )
    t0 = time.perf_counter()
    ae.fit(X)
    seconds = time.perf_counter() - t0
    mse = float(np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2))
    return seconds, mse


def fit_skorch(X, batch_size, epochs, lr, seed):
    seconds, net = train_skorch_regressor(make_net(X.shape[1], seed), X, batch_size, epochs, lr)
    return seconds, _mse(net, torch.from_numpy(X))


def _hand_loop(X, batch_size, epochs, lr, seed, fused):
    seconds, net = train_hand_loop(make_net(X.shape[1], seed), X, batch_size, epochs, lr, fused)
    return seconds, _mse(net, torch.from_numpy(X))


def fit_hand(X, batch_size, epochs, lr, seed):
    return _hand_loop(X, batch_size, epochs, lr, seed, fused=None)


def fit_hand_fused(X, batch_size, epochs, lr, seed):
    return _hand_loop(X, batch_size, epochs, lr, seed, fused=True)


CONTENDERS = {
    "ours (AutoencoderTransformer)": fit_ours,
    "skorch NeuralNetRegressor": fit_skorch,
    "hand loop (Adam)": fit_hand,
    "hand loop (Adam fused)": fit_hand_fused,
}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "throughput.json")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rows", type=int, default=None, help="subsample (smoke runs)")
    args = parser.parse_args(argv)

    X, _, _, source = weather_matrix(args.data_dir)
    if args.max_rows is not None and len(X) > args.max_rows:
        X = X[np.sort(np.random.default_rng(args.seed).choice(len(X), args.max_rows, False))]
    X = np.ascontiguousarray(X, dtype=np.float32)
    n = len(X)
    print(
        f"weather tutorial matrix: {n:,} rows x {X.shape[1]} columns; {args.epochs} epochs, "
        f"best of {args.repeats}; torch threads {torch.get_num_threads()}",
        flush=True,
    )
    results = []
    names = list(CONTENDERS)
    for batch_size in args.batch_sizes:
        warm_up = X[: 4 * batch_size]
        for fit in CONTENDERS.values():
            fit(warm_up, batch_size, 1, args.lr, args.seed)
        all_runs = {name: [] for name in names}
        for i in range(args.repeats):
            for name in names if i % 2 == 0 else names[::-1]:
                all_runs[name].append(
                    CONTENDERS[name](X, batch_size, args.epochs, args.lr, args.seed)
                )
        for name in names:
            runs = all_runs[name]
            seconds = min(s for s, _ in runs)
            row = {
                "batch_size": batch_size,
                "implementation": name,
                "seconds": seconds,
                "seconds_all_runs": [s for s, _ in runs],
                "rows_per_second": args.epochs * n / seconds,
                "final_train_mse": runs[-1][1],
            }
            results.append(row)
            print(
                f"  batch {batch_size:>5}  {name:<30} {seconds:6.2f} s  "
                f"{row['rows_per_second']:>10,.0f} rows/s  MSE {row['final_train_mse']:.4f}",
                flush=True,
            )
    for row in results:
        for key, ref_name in (
            ("speed_vs_hand_loop", "hand loop (Adam)"),
            ("speed_vs_hand_loop_fused", "hand loop (Adam fused)"),
        ):
            ref = next(
                r["rows_per_second"]
                for r in results
                if r["batch_size"] == row["batch_size"] and r["implementation"] == ref_name
            )
            row[key] = row["rows_per_second"] / ref

    text = markdown_table(
        ["batch", "implementation", "fit s", "rows/s", "vs hand loop", "final train MSE"],
        [
            [
                r["batch_size"],
                r["implementation"],
                fmt(r["seconds"], ".2f"),
                f"{r['rows_per_second']:,.0f}",
                fmt(r["speed_vs_hand_loop"], ".2f") + "x",
                fmt(r["final_train_mse"]),
            ]
            for r in results
        ],
        align="rlrrrr",
    )
    print()
    print(text)
    payload = {
        "benchmark": "throughput",
        "machine": machine_info(),
        "settings": {
            "rows": n,
            "columns": int(X.shape[1]),
            "network": "17-64-32-3 / 3-32-64-17, SiLU, linear code and output",
            "epochs": args.epochs,
            "batch_sizes": args.batch_sizes,
            "lr": args.lr,
            "optimizer": "Adam, constant lr",
            "repeats": args.repeats,
            "timing": "best of repeats, fit only, contenders in turns (alternating order)",
            "seed": args.seed,
        },
        "source": source,
        "results": results,
        "table_markdown": text,
    }
    path = write_json(payload, args.out)
    print(f"\nwrote {path}")
    return payload


if __name__ == "__main__":
    main()
