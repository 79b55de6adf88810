"""Good files with hostile names are kept: a valid WAV whose name is not valid UTF-8 (bytes
``ff fe``) loads as a ``str`` from ``os.fsdecode`` or as ``bytes``, through ``load_audio``,
``AudioLoader``, ``extract_to_disk`` and the command line's ``extract`` and ``predict``, whose
outputs are written atomically."""

import csv
import io
import json
import os
import sys

import numpy as np
import pytest
import soundfile as sf
from sklearn.pipeline import make_pipeline

from specsk.audio import AudioLoader, FixedLength, load_audio
from specsk.utils import extract_to_disk

pytestmark = pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="needs a file system that takes any bytes"
)

SR = 8000


def _write(folder: bytes, name: bytes, value: float) -> bytes:
    path = os.path.join(folder, name)
    sf.write(path, np.full(400, value), SR, subtype="FLOAT")  # soundfile takes bytes paths
    return path


@pytest.fixture
def hostile(tmp_path):
    """A non-UTF-8 name, a plain one and a corrupt file, as bytes paths."""
    folder = os.fsencode(tmp_path)
    try:
        odd = _write(folder, b"\xff\xfe.wav", 0.25)
    except (OSError, RuntimeError) as exc:  # pragma: no cover - a file system that refuses
        pytest.skip(f"cannot create a non-UTF-8 file name here: {exc}")
    plain = _write(folder, b"plain.wav", 0.5)
    bad = os.path.join(folder, b"bad.wav")
    with open(bad, "wb") as f:
        f.write(b"RIFF not really a wav")
    return odd, plain, bad


def test_a_non_utf8_name_loads_as_str_or_bytes(hostile):
    # defect: "unreadable or corrupt" (str) and refused (bytes)
    odd, plain, _ = hostile
    for path in (os.fsdecode(odd), odd):
        clips, report = load_audio([path, plain], sr=SR)
        assert report.ok.all() and len(clips) == 2
        np.testing.assert_allclose(clips[0], 0.25, rtol=1e-6)
        assert report.paths[0] == os.fsdecode(odd)  # a str that gives the bytes back
        assert os.fsencode(report.paths[0]) == odd


def test_audio_loader_takes_bytes_paths_in_an_array(hostile):
    odd, plain, bad = hostile
    loader = AudioLoader(sr=SR, on_error="skip")
    clips = loader.fit_transform(np.array([odd, bad, plain]))  # dtype "S"
    assert loader.load_report_.ok.tolist() == [True, False, True] and len(clips) == 2
    clips = loader.transform(np.array([odd, plain], dtype=object))
    assert loader.load_report_.ok.all()


def test_extract_to_disk_keeps_the_non_utf8_file(hostile, tmp_path):
    odd, plain, bad = hostile
    pipe = make_pipeline(
        AudioLoader(sr=SR, on_error="skip"), FixedLength(length=64, mode="pad_or_crop")
    )
    pipe.fit([plain])
    X = [bad, os.fsdecode(odd), odd, plain]
    res = extract_to_disk(pipe, X, tmp_path / "f.npy", batch_size=4, on_error="nan")
    assert res.ok.tolist() == [False, True, True, True]
    np.testing.assert_allclose(np.asarray(res.data)[1:, 0], [0.25, 0.25, 0.5], rtol=1e-6)


# -- the command line -----------------------------------------------------------------------------
FEATURES = {
    "duration": 0.05,
    "steps": [
        {"MelSpectrogram": {"n_fft": 128, "hop_length": 32, "n_mels": 8}},
        "PowerToDb",
        "TemporalStats",
    ],
}


@pytest.fixture
def recordings(tmp_path):
    """Two classes of three clips; one name in each class is not valid UTF-8; one broken."""
    root = tmp_path / "data"
    rng = np.random.default_rng(0)
    t = np.arange(400) / SR
    for label, f0 in (("low", 300.0), ("high", 2500.0)):
        folder = os.fsencode(root / label)
        os.makedirs(folder)
        for i, name in enumerate([b"\xff\xfe.wav", b"a.wav", b"b.wav"]):
            x = 0.5 * np.sin(2 * np.pi * f0 * t + i) + 0.01 * rng.standard_normal(t.size)
            sf.write(os.path.join(folder, name), x, SR)
    (root / "low" / "broken.wav").write_bytes(b"RIFF not really a wav")
    return root


def _read_csv(path):
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        return list(csv.DictReader(f))


def test_cli_extract_keeps_non_utf8_files(recordings, tmp_path, capsys):
    from specsk.cli import main

    spec = tmp_path / "features.json"
    spec.write_text(json.dumps(FEATURES))
    out = tmp_path / "out" / "f.npy"  # the folder does not exist yet
    argv = ["extract", str(recordings), "--pipeline", str(spec), "-o", str(out), "-q"]
    assert main([*argv, "--sr", str(SR), "--chunk-size", "3"]) == 0
    mask = np.load(out.with_name("f.mask.npy"))
    assert mask.sum() == 6 and len(mask) == 7
    F = np.load(out)
    assert np.isfinite(F[mask]).all() and np.isnan(F[~mask]).all()
    (error,) = _read_csv(out.with_name("f.errors.csv"))
    assert error["path"].endswith("broken.wav")
    assert "broken.wav" in capsys.readouterr().err
    leftovers = {p.name for p in out.parent.iterdir()}
    assert leftovers == {"f.npy", "f.npy.progress.json", "f.mask.npy", "f.errors.csv"}


def test_cli_predict_keeps_non_utf8_files_and_writes_atomically(
    recordings, tmp_path, capsys, monkeypatch
):
    from specsk import cli
    from specsk.cli import main

    spec = tmp_path / "model.json"
    steps = [*FEATURES["steps"], "sklearn.linear_model.LogisticRegression"]
    spec.write_text(json.dumps({**FEATURES, "steps": steps}))
    model = tmp_path / "m.skops"
    assert main(["train", str(recordings), "--pipeline", str(spec), "-o", str(model), "-q"]) == 0
    preds = tmp_path / "p.csv"
    assert main(["predict", str(model), str(recordings), "-o", str(preds), "-q"]) == 0
    rows = _read_csv(preds)
    assert len(rows) == 7
    odd = [r for r in rows if os.fsencode(r["path"]).endswith(b"\xff\xfe.wav")]
    assert len(odd) == 2 and all(r["label"] and not r["error"] for r in odd)
    assert {r["label"] for r in odd} == {"low", "high"}
    (bad,) = [r for r in rows if r["error"]]
    assert bad["path"].endswith("broken.wav")

    # to a strict UTF-8 stdout: the name's own bytes
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["predict", str(model), str(recordings), "-q"]) == 0
    stdout.flush()
    assert stdout.buffer.getvalue().count(b"\xff\xfe.wav") == 2
    monkeypatch.undo()

    # a write that fails half way leaves the earlier output whole, and no temporary file
    before = preds.read_bytes()
    real_writer = csv.writer

    class _Failing:
        def __init__(self, f):
            self.w = real_writer(f)

        def writerow(self, row):
            self.w.writerow(row)

        def writerows(self, rows):
            self.w.writerow(rows[0])
            raise OSError("disk full")

    monkeypatch.setattr(cli.csv, "writer", _Failing)
    assert main(["predict", str(model), str(recordings), "-o", str(preds), "-q"]) == 2
    assert preds.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_cli_predict_loses_only_the_rows_the_model_cannot_take():
    from specsk.cli import _predict_rows

    class _Model:
        def predict(self, X):
            if any(x[0] < 0 for x in X):
                raise ValueError("negative clip")
            return ["pos"] * len(X)

        def predict_proba(self, X):
            return np.ones((len(self.predict(X)), 1))

    X = [np.ones(4), -np.ones(4), np.ones(4)]
    labels, proba, errors = _predict_rows(_Model(), X)
    assert labels[0] == labels[2] == "pos" and list(errors) == [1]
    assert "negative clip" in errors[1] and proba[0].tolist() == [1.0]
    with pytest.raises(ValueError, match="negative"):  # every row fails: the model's error
        _predict_rows(_Model(), [-np.ones(4)])
