"""load_folder: one sub-folder per class, folds and groups from file-name patterns."""

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import (
    PredefinedSplit,
    StratifiedGroupKFold,
    StratifiedKFold,
    cross_val_score,
)

from specsk.datasets import GroupedSplit, load_folder

SPEAKERS = ("ann", "bob", "cid", "dee", "eve", "fay")


@pytest.fixture
def commands(tmp_path, write_clip):
    """'yes'/'no' recorded by six speakers, two takes each, in fold {speaker index % 3}."""
    root = tmp_path / "commands"
    for label in ("yes", "no"):
        for k, speaker in enumerate(SPEAKERS):
            for take in (1, 2):
                write_clip(root / label / f"{speaker}_f{k % 3}_{take}.wav", sr=16000)
    (root / "yes" / "notes.txt").write_text("not audio")
    (root / "yes" / ".DS_Store").write_text("hidden")
    (root / ".cache").mkdir()
    write_clip(root / ".cache" / "x.wav")  # a hidden folder is no class
    write_clip(root / "stray.wav")  # files at the top are no class either
    return root


def test_classes_and_paths(commands):
    data = load_folder(commands)
    assert data.name == "commands"
    assert data.target_names.tolist() == ["no", "yes"]
    assert len(data.paths) == 24 and data.paths.dtype == object
    assert np.bincount(data.target).tolist() == [12, 12]
    for p, t in zip(data.paths, data.target, strict=True):
        assert Path(p).parent.name == data.target_names[t] and p.endswith(".wav")
    assert data.paths.tolist() == sorted(data.paths.tolist())
    assert data.groups is None and data.folds is None
    assert data.sr == 16000 and data.duration == pytest.approx(0.1)
    assert list(data.frame.columns) == ["path", "label", "target"]
    assert "commands" in data.DESCR and "No official protocol" in data.DESCR


def test_default_cv_is_stratified_5_fold(commands):
    cv = load_folder(commands).cv
    assert isinstance(cv, StratifiedKFold)
    assert (cv.n_splits, cv.shuffle, cv.random_state) == (5, True, 0)


def test_nested_class_folders_and_extensions(tmp_path, write_clip):
    write_clip(tmp_path / "owl" / "site1" / "a.WAV")
    write_clip(tmp_path / "owl" / "b.flac")
    write_clip(tmp_path / "wren" / "2024" / "may" / "c.ogg")
    write_clip(tmp_path / "wren" / "d.flac")
    data = load_folder(tmp_path)
    assert len(data.paths) == 4 and data.target.tolist() == [0, 0, 1, 1]
    only_flac = load_folder(tmp_path, extensions=("flac",))
    assert [Path(p).name for p in only_flac.paths] == ["b.flac", "d.flac"]


def test_group_pattern_gives_grouped_cv(commands):
    data = load_folder(commands, group_pattern=r"^(\w+?)_")
    assert set(data.groups) == set(SPEAKERS) and data.folds is None
    for p, g in zip(data.paths, data.groups, strict=True):
        assert Path(p).name.startswith(g + "_")
    assert isinstance(data.cv, GroupedSplit)
    assert isinstance(data.cv.cv, StratifiedGroupKFold)
    assert (data.cv.cv.n_splits, data.cv.cv.shuffle, data.cv.cv.random_state) == (5, True, 0)
    splits = list(data.cv.split(data.paths, data.target))
    assert len(splits) == 5
    for train, test in splits:
        assert set(data.groups[train]).isdisjoint(data.groups[test])
    assert np.sort(np.concatenate([test for _, test in splits])).tolist() == list(range(24))
    # usable without groups=, deterministic
    X = np.zeros((24, 1))
    a = cross_val_score(DummyClassifier(), X, data.target, cv=data.cv)
    b = cross_val_score(
        DummyClassifier(), X, data.target, cv=load_folder(commands, group_pattern=r"^(\w+?)_").cv
    )
    np.testing.assert_array_equal(a, b)
    assert data.frame["group"].tolist() == data.groups.tolist()


def test_named_group_and_whole_match(commands):
    named = load_folder(commands, group_pattern=r"_(?P<group>f\d)_")
    assert set(named.groups) == {"f0", "f1", "f2"}
    whole = load_folder(commands, group_pattern=r"[a-z]+")
    assert set(whole.groups) == set(SPEAKERS)


def test_fold_pattern_gives_predefined_split(commands, assert_leave_one_fold_out):
    data = load_folder(commands, fold_pattern=r"_f(\d)_")
    assert isinstance(data.cv, PredefinedSplit)
    assert sorted(set(data.folds)) == [0, 1, 2] and data.folds.dtype.kind == "i"
    np.testing.assert_array_equal(data.groups, data.folds)
    assert_leave_one_fold_out(data.cv, data.folds, 24)
    both = load_folder(commands, group_pattern=r"^(\w+?)_", fold_pattern=r"_f(\d)_")
    assert isinstance(both.cv, PredefinedSplit) and set(both.groups) == set(SPEAKERS)
    assert list(both.frame.columns) == ["path", "label", "target", "group", "fold"]


def test_non_integer_folds_are_numbered(tmp_path, write_clip):
    for label in ("a", "b"):
        for session in ("morning", "evening"):
            write_clip(tmp_path / label / f"{session}-1.wav")
    data = load_folder(tmp_path, fold_pattern=r"^(\w+)-")
    # sorted: evening -> 0, morning -> 1
    assert data.folds.tolist() == [0, 1, 0, 1]


def test_pattern_mismatch_lists_files(commands, write_clip):
    write_clip(commands / "no" / "unknown.wav")
    write_clip(commands / "yes" / "other.wav")
    with pytest.raises(ValueError, match=r"2 file name\(s\) do not match group_pattern=.*unknown"):
        load_folder(commands, group_pattern=r"^(\w+?)_")
    with pytest.raises(ValueError, match=r"do not match fold_pattern="):
        load_folder(commands, fold_pattern=r"_f(\d)_")


def test_layout_errors(tmp_path, write_clip):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*one sub-folder per class"):
        load_folder(tmp_path / "nowhere")
    with pytest.raises(ValueError, match=r"no class folder with audio.*one sub-folder per class"):
        load_folder(tmp_path)
    write_clip(tmp_path / "dog" / "a.wav")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"only one class \('dog'\).*at least two classes"):
        load_folder(tmp_path)
    with pytest.raises(TypeError, match="path must be"):
        load_folder(["a", "b"])
    with pytest.raises(TypeError, match="group_pattern must be a regular expression"):
        load_folder(tmp_path, group_pattern=1)


def test_grouped_split_clone_pickle_repr(commands):
    cv = load_folder(commands, group_pattern=r"^(\w+?)_").cv
    assert repr(cv) == (
        "GroupedSplit(cv=StratifiedGroupKFold(n_splits=5, random_state=0, shuffle=True), "
        "groups=<24 samples in 6 groups>)"
    )
    X, y = np.zeros((24, 1)), np.repeat([0, 1], 12)
    expected = [t.tolist() for _, t in cv.split(X, y)]
    for copy in (clone(cv), pickle.loads(pickle.dumps(cv))):
        assert isinstance(copy, GroupedSplit) and copy is not cv
        assert [t.tolist() for _, t in copy.split(X, y)] == expected
    assert cv.get_n_splits() == 5


def test_grouped_split_checks_groups_and_length():
    cv = GroupedSplit(StratifiedGroupKFold(n_splits=2), groups=["a", "a", "b", "b"])
    X, y = np.zeros((4, 1)), [0, 1, 0, 1]
    assert len(list(cv.split(X, y, groups=["a", "a", "b", "b"]))) == 2  # same groups: fine
    with pytest.raises(ValueError, match="already holds its groups"):
        list(cv.split(X, y, groups=["a", "b", "a", "b"]))
    with pytest.raises(ValueError, match="holds groups for 4 samples but got 3"):
        list(cv.split(X[:3], y[:3]))
    assert cv.set_params(groups=["a", "b", "a", "b"]) is cv and cv.get_params()["groups"][1] == "b"
    with pytest.raises(ValueError, match="invalid parameter 'n_splits'"):
        cv.set_params(n_splits=3)
