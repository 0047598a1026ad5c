"""The README's Python examples run as written, in order, in one namespace."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_starts_with_the_two_setup_commands():
    text = README.read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert [c for c in commands if c] == ["make demo", "make test"]


@pytest.mark.slow
def test_readme_examples_run():
    blocks = _python_blocks()
    assert len(blocks) >= 5
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
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
