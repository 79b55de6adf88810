"""The pipeline a user writes by hand in thirty lines of librosa + scikit-learn.

The reference every recipe is compared against, run by ``run_pipelines.py --baseline`` in the
same evaluation (same audio, folds and machine): per clip, librosa's 20 MFCCs and their
deltas, the zero-crossing rate and a 128-band log-mel spectrogram, each pooled by mean and
standard deviation over time (330 features), then ``StandardScaler`` and ``SVC(C=10)``.
"""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC

from specsk.audio import FixedLength


def librosa_features(X, sr):
    """Per-clip librosa features, the way the tutorials write them (a Python loop)."""
    import librosa

    rows = []
    for x in np.asarray(X, dtype=np.float32):
        m = librosa.feature.mfcc(y=x, sr=sr, n_mfcc=20)
        parts = [
            m,
            librosa.feature.delta(m),
            librosa.feature.zero_crossing_rate(x),
            librosa.power_to_db(librosa.feature.melspectrogram(y=x, sr=sr, n_mels=128)),
        ]
        rows.append(np.concatenate([np.r_[p.mean(1), p.std(1)] for p in parts]))
    return np.stack(rows)


def librosa_baseline(*, sr, duration):
    """``FixedLength -> librosa features -> StandardScaler -> SVC(C=10)``."""
    return Pipeline(
        [
            ("fixedlength", FixedLength(duration=duration, sr=sr, mode="pad_or_crop")),
            ("librosa", FunctionTransformer(librosa_features, kw_args={"sr": sr})),
            ("standardscaler", StandardScaler()),
            ("svc", SVC(C=10.0)),
        ]
    )
