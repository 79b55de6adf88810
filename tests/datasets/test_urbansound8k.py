"""load_urbansound8k on a tiny fake copy of the archive's layout."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import PredefinedSplit

from specsk.datasets import load_urbansound8k

HEADER = "slice_file_name,fsID,start,end,salience,fold,classID,class"
CLASSES = ["air_conditioner", "car_horn", "children_playing"]


@pytest.fixture
def us8k(tmp_path, write_clip):
    root = tmp_path / "UrbanSound8K"
    rows = [HEADER]
    for fold in range(1, 11):
        for class_id, name in enumerate(CLASSES):
            fs_id = 100 * fold + class_id
            clip = f"{fs_id}-{class_id}-0-0.wav"
            # native rates differ between files, as in the real archive
            write_clip(root / "audio" / f"fold{fold}" / clip, sr=(22050, 44100, 48000)[class_id])
            rows.append(f"{clip},{fs_id},0.0,0.1,{1 + fold % 2},{fold},{class_id},{name}")
    (root / "metadata").mkdir()
    # rows out of order: the loader sorts by fold, then file name
    (root / "metadata" / "UrbanSound8K.csv").write_text("\n".join([rows[0], *rows[:0:-1]]))
    return root


def test_fields_and_protocol(us8k, assert_leave_one_fold_out):
    data = load_urbansound8k(us8k)
    assert data.name == "UrbanSound8K" and len(data.paths) == 30
    assert data.target_names.tolist() == CLASSES
    assert data.folds.tolist() == sorted(data.folds.tolist())
    for p, fold, t in zip(data.paths, data.folds, data.target, strict=True):
        assert Path(p).parent.name == f"fold{fold}" and Path(p).name.split("-")[1] == str(t)
    np.testing.assert_array_equal(data.groups, data.folds)
    assert isinstance(data.cv, PredefinedSplit) and data.cv.get_n_splits() == 10
    assert_leave_one_fold_out(data.cv, data.folds, 30)
    assert data.sr is None and data.duration == 4.0
    assert "Salamon" in data.DESCR and "10-fold" in data.DESCR
    assert list(data.frame.columns) == [
        "path", "slice_file_name", "fsID", "start", "end", "salience", "fold", "classID", "class"
    ]  # fmt: skip
    assert (data.frame["class"] == data.target_names[data.target]).all()


def test_errors(us8k, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*metadata/UrbanSound8K.csv"):
        load_urbansound8k(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"no metadata/UrbanSound8K.csv.*audio/fold1/"):
        load_urbansound8k(tmp_path)
    csv = us8k / "metadata" / "UrbanSound8K.csv"
    text = csv.read_text()
    csv.write_text(text.replace("classID", "class_id"))
    with pytest.raises(ValueError, match=r"no column 'classID'.*available columns"):
        load_urbansound8k(us8k)
    csv.write_text(text.replace(",1,car_horn", ",1,horn", 1))
    with pytest.raises(ValueError, match="classID 1 two classes"):
        load_urbansound8k(us8k)
    csv.write_text(text)
    (us8k / "audio" / "fold3" / "300-0-0-0.wav").unlink()
    with pytest.raises(FileNotFoundError, match=r"1 of the 30 audio files.*300-0-0-0\.wav"):
        load_urbansound8k(us8k)
    with pytest.raises(TypeError, match="path must be"):
        load_urbansound8k(b"UrbanSound8K")
