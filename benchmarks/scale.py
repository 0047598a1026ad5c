"""Scale and speed: training throughput, out-of-core Parquet, one vs two processes.

Usage (from the repository root)::

    python benchmarks/scale.py [--data-dir ../shared/data] [--out benchmarks/results/scale.json]
        [--epochs-small 2] [--epochs 10] [--ooc-gb 3.0] [--ooc-dir /tmp/sk_autoencoder_ooc]
        [--skip-pyod] [--skip-ooc] [--skip-processes]

1. **Throughput** on the weather tutorial matrix (58,090 x 17 standardised columns) with
   PyOD's architecture, 17-64-32-64-17 with ReLU, at PyOD's batch size 32 and at our default
   batch size for this table (1,024), every contender trained for the same number of epochs:

   - ours in memory: ``AutoencoderTransformer(n_components=32, hidden_layer_sizes=(64,),
     activation="relu", batch_size=B, max_epochs=E, early_stopping=False, train_split=None)``
     with its defaults otherwise (``lr="auto"``, one-cycle schedule, fused Adam);
   - ours through ``fit_parquet`` (the same estimator; the table written to a Parquet file
     first, reading and shuffling included in the time);
   - a plain skorch ``NeuralNetRegressor`` with the same ``nn.Sequential`` (Adam, constant
     ``--lr``, skorch's ``DataLoader``);
   - a hand-written loop (``randperm`` + slices, ``torch.optim.Adam``, constant ``--lr``);
   - PyOD's ``AutoEncoder(hidden_neuron_list=[64, 32], batch_size=B, epoch_num=E,
     preprocessing=False)`` (its defaults otherwise: batch norm, dropout 0.2, lr 1e-3; its
     ``fit`` also scores the training rows, as it always does).

   rows/s = epochs x rows / fit seconds. Beside each: the training-set reconstruction MSE.

2. **Out of core**: a Parquet file of ``--ooc-gb`` GB (float64 columns: weather rows drawn
   with replacement plus 1% noise), written in chunks; then one ``fit_parquet`` epoch over it in
   a child process whose peak resident memory is read from ``/usr/bin/time -v``.

3. **One vs two processes**: ``benchmarks/distributed.py`` on the whole weather table
   (preprocessing + autoencoder), plain and under ``torchrun --nproc_per_node=2``: wall time of
   the fit and final training loss.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _common import (
    DEFAULT_DATA_DIR,
    REPO_ROOT,
    RESULTS_DIR,
    machine_info,
    markdown_table,
    train_hand_loop,
    train_skorch_regressor,
    weather_matrix,
    write_json,
)
from torch import nn

from sk_autoencoder import AutoencoderTransformer

HIDDEN = 64
CODE = 32


def pyod_net(d: int, seed: int) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(d, HIDDEN),
        nn.ReLU(),
        nn.Linear(HIDDEN, CODE),
        nn.ReLU(),
        nn.Linear(CODE, HIDDEN),
        nn.ReLU(),
        nn.Linear(HIDDEN, d),
    )


def ours(batch_size: int, epochs: int, seed: int) -> AutoencoderTransformer:
    return AutoencoderTransformer(
        n_components=CODE,
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        batch_size=batch_size,
        max_epochs=epochs,
        early_stopping=False,
        train_split=None,
        random_state=seed,
    )


def _mse(module: nn.Module, X: np.ndarray) -> float:
    module.eval()
    with torch.no_grad():
        Xt = torch.from_numpy(X)
        return float(nn.functional.mse_loss(module(Xt), Xt))


def _our_mse(ae, X) -> float:
    return float(np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2))


def fit_ours(X, batch_size, epochs, lr, seed, parquet):
    ae = ours(batch_size, epochs, seed)
    t0 = time.perf_counter()
    ae.fit(X)
    return time.perf_counter() - t0, _our_mse(ae, X)


def fit_ours_parquet(X, batch_size, epochs, lr, seed, parquet):
    from sk_autoencoder.streaming import fit_parquet

    ae = ours(batch_size, "auto", seed)
    t0 = time.perf_counter()
    fit_parquet(ae, parquet, epochs=epochs)
    return time.perf_counter() - t0, _our_mse(ae, X)


def fit_skorch(X, batch_size, epochs, lr, seed, parquet):
    seconds, net = train_skorch_regressor(pyod_net(X.shape[1], seed), X, batch_size, epochs, lr)
    return seconds, _mse(net, X)


def fit_hand(X, batch_size, epochs, lr, seed, parquet):
    seconds, net = train_hand_loop(pyod_net(X.shape[1], seed), X, batch_size, epochs, lr)
    return seconds, _mse(net, X)


def fit_pyod(X, batch_size, epochs, lr, seed, parquet):
    from pyod.models.auto_encoder import AutoEncoder

    model = AutoEncoder(
        hidden_neuron_list=[HIDDEN, CODE],
        batch_size=batch_size,
        epoch_num=epochs,
        preprocessing=False,
        random_state=seed,
        verbose=0,
    )
    t0 = time.perf_counter()
    model.fit(X)
    return time.perf_counter() - t0, _mse(model.model, X)


CONTENDERS = {
    "ours, in memory": fit_ours,
    "ours, fit_parquet": fit_ours_parquet,
    "skorch NeuralNetRegressor": fit_skorch,
    "hand-written loop": fit_hand,
    "PyOD AutoEncoder": fit_pyod,
}


def throughput(X, args, workdir: Path) -> list[dict]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = workdir / "weather.parquet"
    columns = [f"c{j}" for j in range(X.shape[1])]
    pq.write_table(pa.table(dict(zip(columns, X.T))), parquet, row_group_size=8192)
    default_batch = ours(1, 1, 0).set_params(batch_size="auto")
    default_batch._resolve_schedule(len(X))
    settings = [(32, args.epochs_small), (default_batch._batch_size, args.epochs)]
    # Warm-up: one-time costs (imports on first use, kernel selection) stay out of the timings.
    for fit in CONTENDERS.values():
        if not (fit is fit_pyod and args.skip_pyod):
            fit(X[:2048], 256, 1, args.lr, args.seed, parquet)
    rows = []
    for batch_size, epochs in settings:
        for name, fit in CONTENDERS.items():
            if name.startswith("PyOD") and args.skip_pyod:
                continue
            seconds, mse = fit(X, batch_size, epochs, args.lr, args.seed, parquet)
            row = {
                "batch_size": batch_size,
                "epochs": epochs,
                "implementation": name,
                "seconds": seconds,
                "rows_per_second": epochs * len(X) / seconds,
                "train_mse": mse,
            }
            rows.append(row)
            print(
                f"  batch {batch_size:>5} x {epochs:>2} epochs  {name:<26} {seconds:7.2f} s "
                f"{row['rows_per_second']:>11,.0f} rows/s  MSE {mse:.4f}",
                flush=True,
            )
    for row in rows:
        pyod = [
            r["rows_per_second"]
            for r in rows
            if r["batch_size"] == row["batch_size"] and r["implementation"].startswith("PyOD")
        ]
        row["vs_pyod"] = row["rows_per_second"] / pyod[0] if pyod else None
    return rows


def write_big_parquet(X, path: Path, target_bytes: float, seed: int) -> dict:
    """Weather rows drawn with replacement plus 1% noise, float64, written 1M rows at a time
    until the file reaches ``target_bytes``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    columns = [f"c{j}" for j in range(X.shape[1])]
    chunk = 1 << 20
    t0 = time.perf_counter()
    rows = 0
    schema = pa.schema([(c, pa.float64()) for c in columns])
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        while True:
            block = X[rng.integers(0, len(X), chunk)].astype(np.float64)
            block += 0.01 * rng.standard_normal(block.shape)
            writer.write_table(
                pa.table(dict(zip(columns, block.T)), schema=schema), row_group_size=1 << 18
            )
            rows += chunk
            # Each chunk adds about the same number of bytes; the footer is small.
            if os.path.getsize(path) >= target_bytes:
                break
    return {
        "path": str(path),
        "bytes": os.path.getsize(path),
        "rows": rows,
        "row_group_rows": 1 << 18,
        "write_seconds": time.perf_counter() - t0,
    }


def ooc_worker(path: str, seed: int, data_dir: Path) -> None:
    """Child process: one fit_parquet epoch over ``path``; prints a JSON line."""
    from sk_autoencoder.streaming import fit_parquet

    torch.set_num_threads(1)
    ae = ours("auto", "auto", seed)
    t0 = time.perf_counter()
    fit_parquet(ae, path, epochs=1)
    seconds = time.perf_counter() - t0
    X, _, _, _ = weather_matrix(data_dir)
    print(
        "OOC "
        + json.dumps(
            {
                "seconds": seconds,
                "chunks": len(ae.history),
                "batch_size": ae._batch_size,
                "final_train_loss": ae.history[-1, "train_loss"],
                "weather_mse": _our_mse(ae, X),
            }
        ),
        flush=True,
    )


def out_of_core(X, args) -> dict:
    workdir = Path(args.ooc_dir)
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "big.parquet"
    info = write_big_parquet(X, path, args.ooc_gb * 1e9, args.seed)
    print(
        f"  wrote {info['bytes'] / 1e9:.2f} GB, {info['rows']:,} rows in "
        f"{info['write_seconds']:.0f} s",
        flush=True,
    )
    cmd = [
        "/usr/bin/time",
        "-v",
        sys.executable,
        str(Path(__file__).resolve()),
        "--ooc-worker",
        str(path),
        "--data-dir",
        str(args.data_dir),
    ]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    child_wall = time.perf_counter() - t0
    line = next(line for line in done.stdout.splitlines() if line.startswith("OOC "))
    result = json.loads(line[4:])
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
    result.update(info)
    result["rows"] = info["rows"]
    result["peak_rss_bytes"] = peak_kb * 1024
    result["child_wall_s"] = child_wall  # the whole child: imports, the fit, the MSE check
    result["rows_per_second"] = info["rows"] / result["seconds"]
    print(
        f"  one fit_parquet epoch: {result['seconds']:.0f} s "
        f"({result['rows_per_second']:,.0f} rows/s), peak RSS "
        f"{result['peak_rss_bytes'] / 1e9:.2f} GB, final train loss "
        f"{result['final_train_loss']:.4f}, weather MSE {result['weather_mse']:.4f}",
        flush=True,
    )
    if not args.keep_ooc:
        path.unlink()
    return result


def processes(args) -> list[dict]:
    script = REPO_ROOT / "benchmarks" / "distributed.py"
    common = ["--max-epochs", str(args.ddp_epochs), "--batch-size", "1024"]
    rows = []
    for world in (1, 2):
        out = Path(tempfile.mkdtemp())
        if world == 1:
            cmd = [sys.executable, str(script), "--out", str(out), *common]
        else:
            cmd = [
                sys.executable,
                "-m",
                "torch.distributed.run",
                "--nproc_per_node=2",
                "--master_port=29517",
                str(script),
                "--out",
                str(out),
                *common,
            ]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO_ROOT)
        launch = time.perf_counter() - t0
        result = json.loads((out / "result.json").read_text())
        result["launch_wall_s"] = launch
        result["identical_weights"] = len(set(result["weights_sha256"])) == 1
        shutil.rmtree(out)
        rows.append(result)
        print(
            f"  {world} process(es): fit {result['wall_s']:.1f} s (whole launch "
            f"{launch:.1f} s), final train loss {result['train_loss']:.5f}",
            flush=True,
        )
    return rows


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "scale.json")
    parser.add_argument("--epochs-small", type=int, default=2, help="epochs at batch 32")
    parser.add_argument("--epochs", type=int, default=10, help="epochs at the default batch")
    parser.add_argument("--lr", type=float, default=3e-3, help="skorch / hand loop lr")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ooc-gb", type=float, default=3.0)
    parser.add_argument("--ooc-dir", default="/tmp/sk_autoencoder_ooc")
    parser.add_argument("--keep-ooc", action="store_true", help="keep the big file")
    parser.add_argument("--ddp-epochs", type=int, default=10)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads for the throughput part"
    )
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-pyod", action="store_true")
    parser.add_argument("--skip-ooc", action="store_true")
    parser.add_argument("--skip-processes", action="store_true")
    parser.add_argument("--ooc-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ooc_worker:
        return ooc_worker(args.ooc_worker, args.seed, args.data_dir)

    torch.set_num_threads(args.threads)
    X, _, _, source = weather_matrix(args.data_dir)
    X = np.ascontiguousarray(X, dtype=np.float32)
    payload = {"benchmark": "scale", "machine": machine_info(), "source": source}
    payload["settings"] = {k: str(v) for k, v in vars(args).items()}
    if not args.skip_throughput:
        print(
            f"throughput: {len(X):,} x {X.shape[1]}, 17-64-32-64-17 ReLU, "
            f"{args.threads} torch thread(s)"
        )
        with tempfile.TemporaryDirectory() as workdir:
            payload["throughput"] = throughput(X, args, Path(workdir))
        payload["throughput_table"] = markdown_table(
            ["batch", "epochs", "implementation", "rows/s", "vs PyOD", "train MSE"],
            [
                [
                    r["batch_size"],
                    r["epochs"],
                    r["implementation"],
                    f"{r['rows_per_second']:,.0f}",
                    "" if r["vs_pyod"] is None else f"{r['vs_pyod']:.1f}x",
                    f"{r['train_mse']:.4f}",
                ]
                for r in payload["throughput"]
            ],
            align="rrlrrr",
        )
        print(payload["throughput_table"])
    if not args.skip_processes:
        print("one vs two processes (benchmarks/distributed.py, whole weather table)")
        payload["processes"] = processes(args)
    if not args.skip_ooc:
        print(f"out of core: {args.ooc_gb} GB Parquet file")
        payload["out_of_core"] = out_of_core(X, args)
    path = write_json(payload, args.out)
    print(f"wrote {path}")
    return payload


if __name__ == "__main__":
    main()
