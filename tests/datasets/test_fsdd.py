"""load_fsdd on a tiny fake FSDD folder (never the real data)."""

import warnings

import numpy as np
import pytest
import soundfile as sf

from specsk.audio import load_audio
from specsk.datasets import load_fsdd
from specsk.exceptions import SpecskWarning


@pytest.fixture
def fsdd(tmp_path):
    rec = tmp_path / "free-spoken-digit-dataset" / "recordings"
    rec.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for digit in (0, 3, 7):
        for speaker in ("jackson", "theo"):
            for index in (0, 4, 5, 12):
                x = (0.1 * rng.standard_normal(800)).astype(np.float32)
                sf.write(rec / f"{digit}_{speaker}_{index}.wav", x, 8000, subtype="PCM_16")
    (rec / "README.txt").write_text("not a recording")
    return tmp_path / "free-spoken-digit-dataset"


def test_official_split(fsdd):
    paths, y, speakers = load_fsdd(fsdd)  # default: train
    assert len(paths) == 12 and paths.dtype == object
    assert all("_5.wav" in p or "_12.wav" in p for p in paths)
    test_paths, _y_test, _ = load_fsdd(fsdd, split="test")
    assert len(test_paths) == 12
    assert all(p.endswith(("_0.wav", "_4.wav")) for p in test_paths)
    assert set(paths).isdisjoint(test_paths)
    all_paths, _y_all, _ = load_fsdd(fsdd, split="all")
    assert len(all_paths) == 24
    assert y.dtype.kind == "i" and sorted(set(y)) == [0, 3, 7]
    assert set(speakers) == {"jackson", "theo"}
    # labels and speakers come from the file names
    for p, d, s in zip(paths, y, speakers, strict=True):
        assert p.split("/")[-1].startswith(f"{d}_{s}_")


def test_recordings_folder_itself_and_frame(fsdd):
    a = load_fsdd(fsdd / "recordings", split="all")[0]
    b = load_fsdd(str(fsdd), split="all")[0]
    np.testing.assert_array_equal(a, b)
    frame = load_fsdd(fsdd, split="all", return_frame=True)
    assert list(frame.columns) == ["path", "digit", "speaker", "index", "split"]
    assert (frame["split"] == np.where(frame["index"] <= 4, "test", "train")).all()


def test_paths_feed_load_audio(fsdd):
    paths, _, _ = load_fsdd(fsdd, split="test")
    clips, report = load_audio(paths, sr=None)
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
        paths, _, _ = load_fsdd(fsdd, split="all")
    assert len(paths) == 24
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="split must be one of"):
            load_fsdd(fsdd, split="validation")
    with pytest.raises(TypeError, match=r"path must be a str or os\.PathLike"):
        load_fsdd(3)
