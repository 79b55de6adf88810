"""load_fsdd on a tiny fake FSDD folder (never the real data)."""

import warnings

import numpy as np
import pytest
import soundfile as sf
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import PredefinedSplit, cross_val_score

from specsk.audio import load_audio
from specsk.datasets import load_fsdd
from specsk.exceptions import SpecskWarning

SPEAKERS = ("jackson", "nicolas", "theo")


@pytest.fixture
def fsdd(tmp_path):
    rec = tmp_path / "free-spoken-digit-dataset" / "recordings"
    rec.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for digit in (0, 3, 7):
        for speaker in SPEAKERS:
            for index in (0, 4, 5, 12):
                x = (0.1 * rng.standard_normal(800)).astype(np.float32)
                sf.write(rec / f"{digit}_{speaker}_{index}.wav", x, 8000, subtype="PCM_16")
    (rec / "README.txt").write_text("not a recording")
    (rec / ".hidden.wav").write_text("ignored")
    return tmp_path / "free-spoken-digit-dataset"


def test_bunch_fields(fsdd):
    data = load_fsdd(fsdd)  # default: all, with the official split as cv
    assert data.name == "FSDD" and len(data.paths) == 36 and data.paths.dtype == object
    assert data.target.dtype.kind == "i" and sorted(set(data.target)) == [0, 3, 7]
    assert data.target_names.tolist() == [str(d) for d in range(10)]
    assert set(data.groups) == set(SPEAKERS)
    # labels and speakers come from the file names
    for p, d, s in zip(data.paths, data.target, data.groups, strict=True):
        assert p.split("/")[-1].startswith(f"{d}_{s}_")
    assert data.sr == 8000 and data.duration == 1.0
    assert "CC BY-SA 4.0" in data.DESCR and "0-4" in data.DESCR
    assert list(data.frame.columns) == ["path", "digit", "speaker", "index", "split"]
    assert (data.frame["split"] == np.where(data.frame["index"] <= 4, "test", "train")).all()


def test_official_split_as_cv(fsdd):
    data = load_fsdd(fsdd)
    is_test = np.array([p.endswith(("_0.wav", "_4.wav")) for p in data.paths])
    np.testing.assert_array_equal(data.folds, np.where(is_test, 0, -1))
    assert isinstance(data.cv, PredefinedSplit)
    ((train, test),) = list(data.cv.split(data.paths, data.target))
    np.testing.assert_array_equal(test, np.flatnonzero(is_test))
    np.testing.assert_array_equal(train, np.flatnonzero(~is_test))
    X = np.zeros((len(data.paths), 1))
    assert cross_val_score(DummyClassifier(), X, data.target, cv=data.cv).shape == (1,)


def test_speaker_independent_cv(fsdd):
    data = load_fsdd(fsdd)
    splits = list(data.cv_speaker.split(data.paths))
    assert len(splits) == 3
    for (train, test), speaker in zip(splits, sorted(SPEAKERS), strict=True):
        assert set(data.groups[test]) == {speaker}
        assert speaker not in set(data.groups[train])
        assert len(train) + len(test) == len(data.paths)


def test_train_and_test_splits(fsdd):
    train, test = load_fsdd(fsdd, split="train"), load_fsdd(fsdd, split="test")
    assert len(train.paths) == len(test.paths) == 18
    assert all(p.endswith(("_5.wav", "_12.wav")) for p in train.paths)
    assert all(p.endswith(("_0.wav", "_4.wav")) for p in test.paths)
    assert set(train.paths).isdisjoint(test.paths)
    # no official protocol inside one split: leave one speaker out
    assert train.folds is None and train.cv.get_n_splits() == 3
    np.testing.assert_array_equal(train.cv.test_fold, train.cv_speaker.test_fold)


def test_recordings_folder_itself(fsdd):
    a = load_fsdd(fsdd / "recordings").paths
    b = load_fsdd(str(fsdd)).paths
    np.testing.assert_array_equal(a, b)


def test_paths_feed_load_audio(fsdd):
    clips, report = load_audio(load_fsdd(fsdd, split="test").paths, sr=None)
    assert report.ok.all() and report.sr == 8000 and clips[0].shape == (800,)


def test_missing_or_empty_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*free-spoken-digit-dataset"):
        load_fsdd(tmp_path / "nowhere")
    (tmp_path / "recordings").mkdir()
    with pytest.raises(ValueError, match=r"no FSDD recordings .*digit.*speaker.*index"):
        load_fsdd(tmp_path)


def test_bad_names_warn_and_bad_split(fsdd):
    sf.write(fsdd / "recordings" / "hello.wav", np.zeros(10), 8000)
    with pytest.warns(SpecskWarning, match="1 .wav file.* do not follow FSDD's"):
        data = load_fsdd(fsdd, split="all")
    assert len(data.paths) == 36
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="split must be one of"):
            load_fsdd(fsdd, split="validation")
    with pytest.raises(TypeError, match=r"path must be a str or os\.PathLike"):
        load_fsdd(3)
