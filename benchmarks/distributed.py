"""Data-parallel training of ``make_tabular_pipeline(AutoencoderTransformer)`` on the weather
table, the same script in one process or under a launcher::

    python benchmarks/distributed.py --out runs/one
    torchrun --nproc_per_node=2 benchmarks/distributed.py --out runs/two
    torchrun --nnodes=2 --node_rank=0 --master_addr=HOST --master_port=29500 \\
        --nproc_per_node=8 benchmarks/distributed.py --out runs/multi      # on each node

Every process reads the table and fits the preprocessor (cheap and identical); the
autoencoder trains with :class:`sk_autoencoder.distributed.DistributedTraining`: each process
takes its share of every global batch of ``--batch-size`` rows. Only rank 0 prints and writes:
``DIR/pipeline`` (the whole fitted pipeline, preprocessor and autoencoder, in the safe format
of ``sk_autoencoder.save``; loads in one process with ``sk_autoencoder.load``) and
``DIR/result.json`` (world size, wall time, final losses, and a SHA-256 of every process's
final weights, gathered to rank 0).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sk_autoencoder as ska  # noqa: E402
from sk_autoencoder import AutoencoderTransformer, make_tabular_pipeline  # noqa: E402
from sk_autoencoder.datasets import load_weather_aus  # noqa: E402
from sk_autoencoder.distributed import (  # noqa: E402
    DistributedTraining,
    device_for_rank,
    init_distributed,
    is_main_process,
)


def weights_digest(module: torch.nn.Module) -> str:
    """SHA-256 of the module's parameters, in state-dict order."""
    digest = hashlib.sha256()
    for name, value in module.state_dict().items():
        digest.update(name.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def weather_table(rows: int | None, seed: int):
    df = load_weather_aus().drop(columns=["Date", "RainTomorrow"])
    if rows is not None and rows < len(df):
        df = df.sample(n=rows, random_state=seed).reset_index(drop=True)
    return df


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="folder for the model and result.json")
    parser.add_argument("--rows", type=int, default=None, help="sample of the table (all rows)")
    parser.add_argument("--batch-size", type=int, default=1024, help="global batch size")
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--n-components", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    rank, world, _ = init_distributed()
    df = weather_table(args.rows, args.seed)
    ae = AutoencoderTransformer(
        n_components=args.n_components,
        batch_size=args.batch_size,
        max_epochs=args.max_epochs,
        early_stopping=False,
        random_state=args.seed,
        device=device_for_rank(),
        verbose=args.verbose,
        callbacks=[DistributedTraining()],
    )
    pipe = make_tabular_pipeline(ae)
    start = time.perf_counter()
    pipe.fit(df)
    wall = time.perf_counter() - start

    digest = weights_digest(ae.module_)
    digests = [digest]
    if world > 1:
        digests = [None] * world
        dist.all_gather_object(digests, digest)
    result = {
        "world_size": world,
        "global_batch_size": args.batch_size,
        "rows": len(df),
        "epochs": len(ae.history),
        "wall_s": round(wall, 3),
        "train_loss": ae.history[-1, "train_loss"],
        "weights_sha256": digests,
        "device": str(ae.device),
        "threads_per_process": args.threads,
    }
    if is_main_process():
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        ska.save(pipe, out / "pipeline", overwrite=True)
        (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
        same = len(set(digests)) == 1
        print(
            f"{world} process(es), {len(df)} rows, {result['epochs']} epochs of global batch "
            f"{args.batch_size}: {wall:.2f} s, final train loss {result['train_loss']:.6f}, "
            f"identical weights on every process: {same}"
        )
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return result


if __name__ == "__main__":
    import warnings

    # save() stores no callbacks (DistributedTraining is not needed to load the model).
    warnings.filterwarnings("ignore", message=".*not stored.*")
    np.seterr(all="ignore")
    result = main()
    if result["world_size"] > 1:
        # Everything is written and the process group is destroyed; skip the interpreter's
        # teardown, where gloo's worker threads can still abort the process ("terminate
        # called without an active exception", SIGABRT) after a run that succeeded.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
