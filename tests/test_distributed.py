"""Two gloo processes on loopback: the launch that torchrun makes, bounded in time."""

import json
import os
import runpy
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import sk_autoencoder as ska
from sk_autoencoder.distributed import ShardedBatches, distributed_env, is_main_process

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "distributed.py"
ARGS = ["--rows", "1500", "--batch-size", "64", "--max-epochs", "3"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # starts Python processes
@pytest.mark.timeout(180)
def test_two_gloo_processes_match_one_process(tmp_path, monkeypatch):
    port = free_port()
    procs = []
    for rank in (0, 1):
        env = {
            **os.environ,
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "RANK": str(rank),
            "LOCAL_RANK": str(rank),
            "WORLD_SIZE": "2",
            "PYTHONPATH": str(ROOT),
        }
        out = tmp_path / f"rank{rank}"
        cmd = [sys.executable, str(SCRIPT), "--out", str(out), *ARGS]
        procs.append(
            subprocess.Popen(
                cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        )
    outputs = []
    try:
        for proc in procs:
            outputs.append(proc.communicate(timeout=150))
    finally:
        for proc in procs:
            proc.kill()
    for proc, (_, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
    assert "2 process(es)" in outputs[0][0]
    assert outputs[1][0] == ""  # rank 1 printed nothing ...
    assert not (tmp_path / "rank1").exists()  # ... and wrote nothing

    two = json.loads((tmp_path / "rank0" / "result.json").read_text())
    assert two["world_size"] == 2
    digests = two["weights_sha256"]
    assert len(digests) == 2 and digests[0] == digests[1]  # identical weights on both ranks

    # The saved model is the plain module: it loads in this single process.
    program = runpy.run_path(str(SCRIPT))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = ska.load(tmp_path / "rank0" / "pipeline")  # the whole pipeline, no pickle
    assert program["weights_digest"](loaded.steps[-1][1].module_) == digests[0]

    # One process with the same global batch size follows the same path.
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = program["main"](["--out", str(tmp_path / "single"), *ARGS])
    assert one["world_size"] == 1 and one["epochs"] == two["epochs"]
    assert two["train_loss"] == pytest.approx(one["train_loss"], rel=1e-3)


def test_sharded_batches_split_every_global_batch():
    X = torch.arange(10.0).reshape(10, 1)
    batches = [(X[:4], None), (X[4:8], None), (X[8:9], None)]
    shares = [list(ShardedBatches(batches, rank, 2)) for rank in (0, 1)]
    assert [len(s) for s in shares] == [2, 2]  # the 1-row batch is skipped on both
    rows = torch.cat([torch.cat([b for b, _ in s]) for s in shares]).flatten().tolist()
    assert sorted(rows) == list(range(8))


def test_single_process_defaults(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert distributed_env() == (0, 1, 0)
    assert is_main_process()
    monkeypatch.setenv("WORLD_SIZE", "two")
    with pytest.raises(ValueError, match="torchrun"):
        distributed_env()


def test_distributed_training_is_a_no_op_in_one_process(monkeypatch):
    from sk_autoencoder import AutoencoderTransformer
    from sk_autoencoder.distributed import DistributedTraining

    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    X = np.random.default_rng(0).normal(size=(100, 4)).astype(np.float32)
    plain = AutoencoderTransformer(max_epochs=3, random_state=0).fit(X)
    wrapped = AutoencoderTransformer(
        max_epochs=3, random_state=0, callbacks=[DistributedTraining()]
    ).fit(X)
    np.testing.assert_array_equal(plain.transform(X), wrapped.transform(X))
