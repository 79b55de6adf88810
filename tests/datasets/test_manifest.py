"""load_manifest: a CSV of paths and labels, with optional fold and group columns."""

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import PredefinedSplit, StratifiedKFold

from specsk.datasets import GroupedSplit, load_manifest


@pytest.fixture
def manifest(tmp_path, write_clip):
    """Six clips in clips/, listed (in shuffled order) by data/meta.csv relative to data/."""
    rows = ["path,label,fold,site"]
    for i, (label, fold) in enumerate([(3, 1), (10, 1), (3, 2), (10, 2), (3, 3), (10, 3)]):
        write_clip(tmp_path / "clips" / f"c{i}.wav", sr=22050)
        rows.append(f"../clips/c{i}.wav,{label},{fold},s{i % 2}")
    csv = tmp_path / "data" / "meta.csv"
    csv.parent.mkdir()
    csv.write_text("\n".join([rows[0], *rows[:0:-1]]) + "\n")
    return csv


def test_fields_keep_manifest_order(manifest):
    data = load_manifest(manifest)
    assert data.name == "meta"
    assert [Path(p).name for p in data.paths] == [f"c{i}.wav" for i in range(5, -1, -1)]
    assert all(Path(p).is_file() for p in data.paths)
    # integer labels sort as numbers, not strings
    assert data.target_names.tolist() == ["3", "10"]
    assert data.target.tolist() == [1, 0, 1, 0, 1, 0]
    assert data.groups is None and data.folds is None
    assert isinstance(data.cv, StratifiedKFold)
    assert data.sr == 22050 and data.duration == pytest.approx(0.1)
    assert list(data.frame.columns) == ["path", "label", "fold", "site", "target"]
    assert data.frame["path"].tolist() == data.paths.tolist()


def test_fold_and_group_columns(manifest, assert_leave_one_fold_out):
    data = load_manifest(manifest, fold_col="fold")
    assert isinstance(data.cv, PredefinedSplit)
    assert data.folds.tolist() == [3, 3, 2, 2, 1, 1]
    assert_leave_one_fold_out(data.cv, data.folds, 6)
    grouped = load_manifest(manifest, group_col="site")
    assert grouped.groups.tolist() == ["s1", "s0"] * 3
    assert isinstance(grouped.cv, GroupedSplit) and grouped.cv.get_n_splits() == 2
    for train, test in grouped.cv.split(grouped.paths, grouped.target):
        assert set(grouped.groups[train]).isdisjoint(grouped.groups[test])


def test_root_and_column_names(tmp_path, write_clip):
    write_clip(tmp_path / "audio" / "a.wav")
    write_clip(tmp_path / "audio" / "b.wav")
    csv = tmp_path / "list.csv"
    csv.write_text("file,cls\na.wav,x\nb.wav,y\n")
    data = load_manifest(csv, "file", "cls", root=tmp_path / "audio")
    assert data.paths.tolist() == [str(tmp_path / "audio" / n) for n in ("a.wav", "b.wav")]
    assert data.target_names.tolist() == ["x", "y"]


def test_missing_column_names_it_and_lists_columns(manifest):
    with pytest.raises(ValueError, match=r"no column 'class'; available columns: \['path', "):
        load_manifest(manifest, label_col="class")
    with pytest.raises(ValueError, match=r"no column 'speaker'.*'site'"):
        load_manifest(manifest, group_col="speaker")


def test_errors(manifest, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*'path'.*'label'"):
        load_manifest(tmp_path / "none.csv")
    with pytest.raises(TypeError, match=r"csv must be a str or os\.PathLike"):
        load_manifest(None)
    with pytest.raises(TypeError, match="label_col must be a column name"):
        load_manifest(manifest, label_col=1)
    text = manifest.read_text()
    manifest.write_text(text.replace(",10,", ",3,"))
    with pytest.raises(ValueError, match="only one class"):
        load_manifest(manifest)
    manifest.write_text(text.replace("c2.wav,3", "c2.wav,"))
    with pytest.raises(ValueError, match=r"column 'label' .* empty on line\(s\) 5"):
        load_manifest(manifest)
    manifest.write_text(text.replace("c2.wav", "gone.wav"))
    with pytest.raises(FileNotFoundError, match=r"1 of the 6 audio files.*gone\.wav"):
        load_manifest(manifest)


def test_without_pandas(manifest, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    data = load_manifest(manifest)
    assert data.frame is None and len(data.paths) == 6
    np.testing.assert_array_equal(np.bincount(data.target), [3, 3])
