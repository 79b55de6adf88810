"""What the FSDD benchmark scripts share: the official split as equal-length clips, and the
classical MFCC baseline every table compares against.

Imported by ``bench_fsdd.py``, ``bench_segmentation.py`` and ``bench_deep.py`` (run as
``python benchmarks/<script>.py``, so this folder is on ``sys.path``).
"""

from __future__ import annotations

from pathlib import Path

from sklearn.pipeline import make_pipeline

from specsk.audio import AudioLoader, FixedLength
from specsk.datasets import load_fsdd
from specsk.features import TemporalStats
from specsk.spectrogram import MFCC

SR = 8000  # FSDD's own rate
N_FFT = 512  # 64 ms at 8 kHz
HOP = 128  # 16 ms


def load_fsdd_clips(data: Path, *, duration: float = 1.0, quick: bool = False):
    """Official split (takes 0-4 test, 5-49 train) as ``(X_train, y_train, X_test, y_test)``.

    Clips are read at 8 kHz and centred in ``duration`` seconds (padded or cropped). With
    ``quick``, every 9th training and every 3rd test clip, for a smoke run.
    """
    out = []
    for split, step in (("train", 9), ("test", 3)):
        fsdd = load_fsdd(data, split=split)
        paths, labels = [str(p) for p in fsdd.paths], fsdd.target
        if quick:
            paths, labels = paths[::step], labels[::step]
        out.append((paths, labels))
    (p_train, y_train), (p_test, y_test) = out
    loader = AudioLoader(sr=SR)
    fixed = FixedLength(duration=duration, sr=SR, mode="pad_or_crop", align="centre")
    X_train = fixed.fit_transform(loader.fit_transform(p_train))
    X_test = fixed.transform(loader.transform(p_test))
    return X_train, y_train, X_test, y_test


def mfcc_features(n_mfcc: int = 30, n_mels: int = 64):
    """The classical baseline's features: MFCC + deltas pooled over time (mean, std, min, max)."""
    return make_pipeline(
        MFCC(sr=SR, n_mfcc=n_mfcc, n_fft=N_FFT, hop_length=HOP, n_mels=n_mels),
        TemporalStats(stats=("mean", "std", "min", "max"), deltas=True),
    )
