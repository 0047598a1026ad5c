"""Checkpoint and resume: a real training process killed with SIGKILL resumes exactly."""

import os
import runpy
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from sk_autoencoder import AutoencoderTransformer, VAEGenerator
from sk_autoencoder.checkpoint import LoadTrainingState, TrainingCheckpoint

ROOT = Path(__file__).resolve().parents[1]

# The training program: 12 epochs at most, early stopping on a validation split (its state
# must survive the kill too), a checkpoint after every epoch, and a short pause per epoch so
# that the test can kill it in the middle. It prints each finished epoch.
SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np, torch
    from skorch.callbacks import Callback
    from sk_autoencoder import AutoencoderTransformer
    from sk_autoencoder.checkpoint import LoadTrainingState, TrainingCheckpoint


    class Report(Callback):
        def __init__(self, pause=0.0):
            self.pause = pause

        def on_epoch_end(self, net, **kwargs):
            print("epoch", len(net.history), flush=True)
            time.sleep(self.pause)


    def make_data():
        rng = np.random.default_rng(0)
        return (rng.normal(size=(200, 2)) @ rng.normal(size=(2, 5))).astype(np.float32)


    def make_estimator(dirname, pause=0.0):
        checkpoint = TrainingCheckpoint(dirname=dirname)
        return AutoencoderTransformer(
            n_components=2,
            max_epochs=12,
            n_iter_no_change=4,
            random_state=0,
            callbacks=[
                ("checkpoint", checkpoint),
                ("report", Report(pause)),
                ("resume", LoadTrainingState(checkpoint)),
            ],
        )


    if __name__ == "__main__":
        torch.set_num_threads(1)
        make_estimator(sys.argv[1], pause=0.3).fit(make_data())
    """
)


def make_data():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(200, 2)) @ rng.normal(size=(2, 5))).astype(np.float32)


def make_estimator(dirname, **params):
    checkpoint = TrainingCheckpoint(dirname=dirname)
    return AutoencoderTransformer(
        n_components=2,
        random_state=0,
        callbacks=[checkpoint, LoadTrainingState(checkpoint)],
        **params,
    )


@pytest.mark.slow  # starts Python processes
@pytest.mark.timeout(120)
def test_killed_training_resumes_to_the_uninterrupted_weights(tmp_path, capsys):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    program = runpy.run_path(str(script))  # the same code, for the in-process runs
    ckpt = tmp_path / "ckpt"
    victim = subprocess.Popen(
        [sys.executable, str(script), str(ckpt)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 90
        while not (ckpt / "latest").exists():
            assert victim.poll() is None, victim.stderr.read()
            assert time.monotonic() < deadline, "no checkpoint was written"
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)  # right after the first checkpoint
        out, _ = victim.communicate(timeout=30)
    finally:
        victim.kill()
    assert victim.returncode == -signal.SIGKILL
    trained_before = [int(line.split()[1]) for line in out.splitlines() if line.startswith("epoch")]
    saved_epoch = int((ckpt / "latest").read_text().split("-")[1])
    assert 1 <= saved_epoch < 12

    capsys.readouterr()
    resumed = program["make_estimator"](ckpt).fit(program["make_data"]())
    printed = capsys.readouterr().out.split()
    epochs_after = [int(e) for word, e in zip(printed[::2], printed[1::2]) if word == "epoch"]
    # It went on right after the last checkpoint: at most the epochs after it were lost.
    assert epochs_after[0] == saved_epoch + 1
    assert max(trained_before, default=0) - saved_epoch <= 1

    reference = program["make_estimator"](tmp_path / "reference").fit(program["make_data"]())
    assert len(resumed.history) == len(reference.history)
    for name, value in reference.module_.state_dict().items():
        assert torch.equal(resumed.module_.state_dict()[name], value), name


def test_checkpoint_folder_holds_one_complete_checkpoint(tmp_path):
    make_estimator(tmp_path / "ckpt", max_epochs=3, early_stopping=False).fit(make_data())
    entries = sorted(os.listdir(tmp_path / "ckpt"))
    assert entries == ["epoch-000003", "latest"]
    files = sorted(os.listdir(tmp_path / "ckpt" / "epoch-000003"))
    assert files == ["history.json", "optimizer.pt", "params.pt", "training_state.pt"]


def test_resume_after_a_finished_run_trains_nothing_more(tmp_path):
    X = make_data()
    first = make_estimator(tmp_path / "ckpt", early_stopping=False, max_epochs=4)
    first.fit(X)
    again = make_estimator(tmp_path / "ckpt", early_stopping=False, max_epochs=4)
    again.fit(X)
    assert len(again.history) == 4
    for a, b in zip(first.module_.parameters(), again.module_.parameters()):
        assert torch.equal(a, b)


def test_resume_restores_the_learning_rate_schedule(tmp_path):
    # Kill-free version of the resume: train 3 of 6 epochs, then resume in a new estimator.
    X = make_data()

    class StopAfter3(TrainingCheckpoint):
        def on_epoch_end(self, net, **kwargs):
            super().on_epoch_end(net, **kwargs)
            if len(net.history) == 3:
                raise KeyboardInterrupt  # skorch's way to end a run early

    def estimator(cls, dirname):
        checkpoint = cls(dirname=dirname)
        return VAEGenerator(
            n_components=2,
            max_epochs=6,
            early_stopping=False,
            random_state=0,
            callbacks=[checkpoint, LoadTrainingState(checkpoint)],
        )

    estimator(StopAfter3, tmp_path / "a").fit(X)
    resumed = estimator(TrainingCheckpoint, tmp_path / "a").fit(X)
    full = estimator(TrainingCheckpoint, tmp_path / "b").fit(X)
    assert len(resumed.history) == 6
    assert resumed.optimizer_.param_groups[0]["lr"] == full.optimizer_.param_groups[0]["lr"]
    np.testing.assert_array_equal(resumed.transform(X), full.transform(X))
