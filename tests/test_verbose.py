"""One name for progress output across the package: ``verbose`` (scikit-learn's), quiet by
default; ``progress``, the former name, is kept as an alias where it existed."""

import numpy as np
import pytest
import soundfile as sf
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from specsk.audio import AudioLoader, load_audio
from specsk.evaluation import evaluate
from specsk.features import TemporalStats
from specsk.spectrogram import MelSpectrogram
from specsk.utils import extract_to_disk


@pytest.fixture
def paths(tmp_path):
    out = []
    for i in range(4):
        p = tmp_path / f"{i}.wav"
        sf.write(p, np.random.default_rng(i).standard_normal(800).astype(np.float32), 8000)
        out.append(str(p))
    return out


def test_loading_files_shows_a_bar_only_when_asked(paths, capsys):
    load_audio(paths, sr=8000)
    AudioLoader(sr=8000).fit_transform(paths)
    assert capsys.readouterr().err == ""
    load_audio(paths, sr=8000, verbose=True)
    assert "loading audio" in capsys.readouterr().err
    AudioLoader(sr=8000, verbose=True).fit_transform(paths)
    assert "4/4" in capsys.readouterr().err


def test_evaluate_and_extract_are_quiet_by_default_with_progress_as_alias(tmp_path, capsys):
    X = np.random.default_rng(0).standard_normal((8, 800)).astype(np.float32)
    y = np.tile([0, 1], 4)
    pipe = make_pipeline(
        MelSpectrogram(sr=8000, n_fft=128, n_mels=8), TemporalStats(), LogisticRegression()
    )
    evaluate({"p": pipe}, (X, y), cv=2)
    assert capsys.readouterr().err == ""
    evaluate({"p": pipe}, (X, y), cv=2, verbose=True)
    assert "fold" in capsys.readouterr().err
    evaluate({"p": pipe}, (X, y), cv=2, progress=True)  # the former name
    assert "fold" in capsys.readouterr().err
    front = make_pipeline(MelSpectrogram(sr=8000, n_fft=128, n_mels=8), TemporalStats()).fit(X)
    extract_to_disk(front, X, tmp_path / "a.npy", batch_size=3)
    assert capsys.readouterr().err == ""
    extract_to_disk(front, X, tmp_path / "b.npy", batch_size=3, verbose=True)
    err = capsys.readouterr().err
    assert "3/3" in err or "8/8" in err  # batches or items done
