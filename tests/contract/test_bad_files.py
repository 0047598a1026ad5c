"""Contract: damaged model directories, bad ``save`` calls and damaged dataset files are
refused with an error that names the problem (cases in ``bad_files.py``)."""

from __future__ import annotations

import pytest

import sk_autoencoder as ska
from sk_autoencoder import ModelFormatError, datasets

from .bad_files import FILE_ENTRIES, LOAD_CASES, LOADER_CASES, SAVE_CASES
from .estimators import ENTRIES
from .known_failures import marks

BY_ID = {e.id: e for e in ENTRIES}


def _load_cases():
    for entry_id in FILE_ENTRIES:
        entry = BY_ID[entry_id]
        for case in LOAD_CASES:
            if case.applies(entry_id):
                yield pytest.param(
                    entry, case, id=f"{entry_id}-{case.id}", marks=marks(entry, f"load:{case.id}")
                )


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Saves each fitted entry once (``entry id -> directory``); tests edit copies."""
    return {"dir": tmp_path_factory.mktemp("saved"), "paths": {}}


def _fresh_copy(saved, fitted, entry, tmp_path) -> str:
    import shutil

    paths = saved["paths"]
    if entry.id not in paths:
        paths[entry.id] = saved["dir"] / entry.id
        ska.save(fitted.est, paths[entry.id])
    path = tmp_path / "model"
    shutil.copytree(paths[entry.id], path)
    return str(path)


@pytest.mark.parametrize("entry, case", list(_load_cases()), indirect=["entry"])
def test_damaged_model_directory_is_refused(entry, fitted, case, saved, tmp_path):
    path = _fresh_copy(saved, fitted, entry, tmp_path)
    match = case.mutate(path) or case.match
    with pytest.raises(ModelFormatError, match=f"(?i){match}"):
        ska.load(path)


@pytest.mark.parametrize("entry", [BY_ID[e] for e in FILE_ENTRIES], ids=FILE_ENTRIES)
def test_load_of_a_file_is_refused(entry, tmp_path):
    path = tmp_path / "model"
    path.write_text("{}")
    with pytest.raises(ModelFormatError, match="not a saved model"):
        ska.load(path)


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=marks("save", f"save:{c.id}")) for c in SAVE_CASES]
)
def test_bad_save_is_refused(case, tmp_path):
    with pytest.raises(case.error, match=f"(?i){case.match}"):
        case.call(tmp_path)


@pytest.mark.parametrize(
    "subject, build, error, match",
    [
        pytest.param(
            subject, build, error, match, id=f"{subject}-{cid}", marks=marks(subject, f"file:{cid}")
        )
        for subject, cid, build, error, match in LOADER_CASES
    ],
)
def test_damaged_dataset_file_is_refused(subject, build, error, match, tmp_path):
    args, kwargs = build(tmp_path)
    with pytest.raises(error, match=f"(?i){match}"):
        getattr(datasets, subject)(*args, **kwargs)
