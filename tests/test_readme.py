"""The README's Python examples run as written, in order, in one namespace."""

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from sk_autoencoder import AutoencoderTransformer

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_starts_with_the_two_setup_commands():
    text = README.read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert [c for c in commands if c] == ["make demo", "make test"]


@pytest.mark.slow
def test_readme_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write their files here
    blocks = _python_blocks()
    assert len(blocks) >= 5
    namespace: dict = {}
    for block in blocks:
        own: dict = {}  # every example runs on its own, with its own imports and data
        exec(compile(block, str(README), "exec"), own)
        namespace.update(own)
    # The examples' own results, checked beyond "did not raise".
    assert namespace["codes"].shape[1] == 2
    assert list(namespace["rows"].columns) == ["temp", "dir", "rain"]
    assert set(namespace["rows"]["dir"]) <= {"N", "S", "E", "W"}
    assert namespace["new_rows"].shape == (5, 64)
    assert namespace["search"].best_params_["n_components"] in (2, 4)
    images, noisy, clean = namespace["images"], namespace["noisy"], namespace["clean"]
    assert clean.shape == images.shape == (1797, 8, 8)
    assert ((clean - images) ** 2).mean() < ((noisy - images) ** 2).mean()
    assert namespace["samples"].shape == (16, 8, 8)
    assert namespace["strip"].shape == (8, 8, 8)
    assert namespace["grid"].shape == (2, 7, 8, 8)
    blobs, restored = namespace["blobs"], namespace["restored"]
    assert len(blobs) == 10 and all(isinstance(b, bytes) for b in blobs)
    assert restored.shape == (10, 8, 8) and restored.dtype == np.uint8
    assert (namespace["received"] == restored).all()
    train, synthetic = namespace["train"], namespace["synthetic"]
    assert list(synthetic.columns) == list(train.columns) and len(synthetic) == 500
    assert synthetic.dtypes.to_dict() == train.dtypes.to_dict()
    assert (namespace["rainy"]["rain_tomorrow"] == "Yes").all()
    assert not namespace["report"]["memorised"]
    assert ((restored.astype(float) - namespace["digits"][:10]) ** 2).mean() < 40**2
    assert namespace["onnx_codes"].shape == (100, 8)
    assert namespace["onnx_label"][1, 0] == -1  # the ONNX graph flags the unseen level


@pytest.mark.slow
def test_readme_checkpoint_example_resumes_when_run_twice(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (block,) = [b for b in _python_blocks() if "TrainingCheckpoint(" in b]
    first: dict = {}
    exec(compile(block, str(README), "exec"), first)
    assert (tmp_path / "ae_checkpoints").is_dir()
    steps = []
    train_step = AutoencoderTransformer.train_step

    def counted(self, *args, **kwargs):
        steps.append(1)
        return train_step(self, *args, **kwargs)

    monkeypatch.setattr(AutoencoderTransformer, "train_step", counted)
    again: dict = {}
    exec(compile(block, str(README), "exec"), again)
    assert steps == []  # it resumed after the last epoch: nothing was trained again
    assert len(again["ae"].history) == len(first["ae"].history)
    for key, value in first["ae"].module_.state_dict().items():
        assert torch.equal(again["ae"].module_.state_dict()[key], value), key
