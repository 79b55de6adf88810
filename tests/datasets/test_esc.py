"""load_esc10 / load_esc50 on tiny fake layouts, and on the real ESC-10 copy when present."""

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import PredefinedSplit, cross_val_score

from specsk.datasets import load_esc10, load_esc50

REAL_ESC10 = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "esc10"
CLASSES = ["Dog bark", "Rain", "Sea waves"]
ESC50_HEADER = "filename,fold,target,category,esc10,src_file,take"


@pytest.fixture
def esc10_folders(tmp_path, write_clip):
    root = tmp_path / "ESC-10"
    for number, name in enumerate(CLASSES, start=1):
        for fold in range(1, 6):
            for take in ("A", "B"):
                src = 1000 * number + fold
                write_clip(root / f"{number:03d} - {name}" / f"{fold}-{src}-{take}.ogg", sr=44100)
    (root / "README.md").write_text("not a class")
    (root / "001 - Dog bark" / "notes.txt").write_text("ignored: not audio")
    return root


@pytest.fixture
def esc50(tmp_path, write_clip):
    root = tmp_path / "ESC-50-master"
    rows = [ESC50_HEADER]
    # (target, category, esc10): two ESC-10 classes among three, targets as in ESC-50
    for fold in range(1, 6):
        for target, category, esc10 in [(0, "dog", True), (1, "rooster", True), (14, "x", False)]:
            name = f"{fold}-{100 + target}{fold}-A-{target}.wav"
            write_clip(root / "audio" / name, sr=44100)
            rows.append(f"{name},{fold},{target},{category},{esc10},{100 + target}{fold},A")
    (root / "meta").mkdir()
    (root / "meta" / "esc50.csv").write_text("\n".join(rows) + "\n")
    return root


def test_esc10_class_folders(esc10_folders, assert_leave_one_fold_out):
    esc = load_esc10(esc10_folders)
    assert esc.name == "ESC-10"
    assert len(esc.paths) == 30 and esc.paths.dtype == object
    assert list(esc.paths) == sorted(esc.paths)
    assert esc.target_names.tolist() == CLASSES
    assert esc.target.dtype.kind == "i" and np.bincount(esc.target).tolist() == [10, 10, 10]
    for p, t in zip(esc.paths, esc.target, strict=True):
        assert Path(p).parent.name.endswith(CLASSES[t]) and Path(p).is_file()
    np.testing.assert_array_equal(esc.folds, [int(Path(p).name[0]) for p in esc.paths])
    np.testing.assert_array_equal(esc.groups, esc.folds)
    assert isinstance(esc.cv, PredefinedSplit)
    assert_leave_one_fold_out(esc.cv, esc.folds, len(esc.paths))
    assert esc.sr == 44100 and esc.duration == 5.0
    assert "Piczak" in esc.DESCR and "Attribution" in esc.DESCR and "5-fold" in esc.DESCR
    assert list(esc.frame.columns) == [
        "path", "filename", "fold", "target", "category", "src_file", "take"
    ]  # fmt: skip
    assert (esc.frame["category"] == esc.target_names[esc.target]).all()


def test_esc10_cv_needs_no_groups(esc10_folders):
    esc = load_esc10(esc10_folders)
    X = np.zeros((len(esc.paths), 1))
    scores = cross_val_score(DummyClassifier(), X, esc.target, cv=esc.cv)
    assert scores.shape == (5,)
    for cv in (clone(esc.cv, safe=False), pickle.loads(pickle.dumps(esc.cv))):
        np.testing.assert_array_equal(cv.test_fold, esc.folds)


def test_esc10_bad_file_names(esc10_folders, write_clip):
    write_clip(esc10_folders / "002 - Rain" / "rain.ogg", sr=44100)
    with pytest.raises(ValueError, match=r"not named \{fold\}-\{freesound_id\}-\{take\}.*rain"):
        load_esc10(esc10_folders)


def test_esc10_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*NNN - Class name"):
        load_esc10(tmp_path / "nowhere")
    (tmp_path / "dogs").mkdir()
    with pytest.raises(ValueError, match=r"no ESC-10 class folders.*NNN - Class name"):
        load_esc10(tmp_path)
    with pytest.raises(TypeError, match=r"path must be a str or os\.PathLike"):
        load_esc10(None)


def test_esc10_from_esc50_layout(esc50, assert_leave_one_fold_out):
    esc = load_esc10(esc50)
    assert esc.name == "ESC-10" and len(esc.paths) == 10
    assert esc.target_names.tolist() == ["dog", "rooster"]
    assert sorted(set(esc.target)) == [0, 1]
    assert esc.frame["esc10"].all()
    assert_leave_one_fold_out(esc.cv, esc.folds, 10)


def test_esc50(esc50, assert_leave_one_fold_out):
    esc = load_esc50(esc50)
    assert esc.name == "ESC-50" and len(esc.paths) == 15
    assert all(Path(p).parent.name == "audio" for p in esc.paths)
    assert list(esc.paths) == sorted(esc.paths)
    # classes numbered in ESC-50 target order; the frame keeps the CSV's target
    assert esc.target_names.tolist() == ["dog", "rooster", "x"]
    np.testing.assert_array_equal(esc.frame["target"].to_numpy(), np.array([0, 1, 14])[esc.target])
    assert_leave_one_fold_out(esc.cv, esc.folds, 15)
    assert esc.sr == 44100 and esc.duration == 5.0 and "ESC-50" in esc.DESCR
    sub = load_esc50(esc50, esc10_only=True)
    assert len(sub.paths) == 10 and set(sub.paths) < set(esc.paths)


def test_esc50_errors(esc50, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no meta/esc50.csv.*audio/"):
        load_esc50(tmp_path)
    csv = esc50 / "meta" / "esc50.csv"
    csv.write_text(csv.read_text().replace("category", "label"))
    with pytest.raises(ValueError, match=r"no column 'category'.*available columns:.*'label'"):
        load_esc50(esc50)
    csv.write_text(csv.read_text().replace("label", "category"))
    next((esc50 / "audio").glob("*.wav")).unlink()
    with pytest.raises(FileNotFoundError, match=r"1 of the 15 audio files .* do not exist"):
        load_esc50(esc50)


@pytest.mark.skipif(not REAL_ESC10.is_dir(), reason=f"no ESC-10 copy at {REAL_ESC10}")
def test_real_esc10(assert_leave_one_fold_out):
    esc = load_esc10(REAL_ESC10)
    assert len(esc.paths) == 400 and len(esc.target_names) == 10
    assert esc.target_names[0] == "Dog bark" and esc.target_names[-1] == "Fire crackling"
    assert np.bincount(esc.target).tolist() == [40] * 10
    assert np.bincount(esc.folds).tolist() == [0, 80, 80, 80, 80, 80]
    assert_leave_one_fold_out(esc.cv, esc.folds, 400)
    # a Freesound source never spans two folds, so the folds do not leak recordings
    fold_of = {}
    for path, fold in zip(esc.paths, esc.folds, strict=True):
        src = Path(path).name.split("-")[1]
        assert fold_of.setdefault(src, fold) == fold, (
            f"source {src} in folds {fold_of[src]}, {fold}"
        )
    assert esc.sr == 44100 and esc.duration == 5.0
