"""MFCC (with deltas) and Chroma against librosa."""

import librosa
import numpy as np
import pytest

from specsk.spectrogram import MFCC, Chroma, chroma, mfcc

SR = 16000


def _lib_kw(params):
    """librosa.feature fixes hop_length=512; specsk's None means win_length // 4 like stft."""
    win = params.get("win_length") or params.get("n_fft", 2048)
    return {"hop_length": win // 4, **params}


def signals(dtype=np.float32, n_times=8000):
    rng = np.random.default_rng(0)
    t = np.arange(n_times) / SR
    tone = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.01 * rng.standard_normal(n_times)
    chirp = 0.5 * np.sin(2 * np.pi * (100 * t + 3000 * t**2))
    noise = 0.3 * rng.standard_normal(n_times)
    return np.stack([tone, chirp, noise]).astype(dtype)


def _check(ours, ref, dtype):
    assert ours.shape == ref.shape and ours.dtype == dtype
    # float64: 1e-10 relative to the largest coefficient; float32: 1e-5
    tol = 1e-10 if dtype == np.float64 else 1e-5
    assert np.abs(ours - ref).max() <= tol * np.abs(ref).max()


MFCC_PARAMS = [
    {},
    {"n_mfcc": 13, "dct_type": 3, "lifter": 22, "n_mels": 40, "hop_length": 300},
    {"norm": None, "dct_type": 1, "center": False, "n_fft": 512, "window": "hamming"},
    {"n_mfcc": 30, "n_mels": 64, "fmin": 50.0, "fmax": 7000.0, "htk": True, "power": 1.0},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", MFCC_PARAMS)
def test_mfcc_matches_librosa(dtype, params):
    X = signals(dtype)
    ref = np.stack([librosa.feature.mfcc(y=x, sr=SR, **_lib_kw(params)) for x in X])
    ours = mfcc(X, sr=SR, **params)
    np.testing.assert_array_equal(MFCC(sr=SR, **params).fit_transform(X), ours)
    if dtype == np.float32 and params.get("power") == 1.0:
        # magnitude (not power) through power_to_db: its 80 dB range goes down to 1e-8 of the
        # peak magnitude, below float32 STFT rounding (~1e-7), so quiet bands are noise in
        # both implementations; only a 2 % agreement is meaningful there
        assert ours.shape == ref.shape and ours.dtype == dtype
        assert np.abs(ours - ref).max() <= 2e-2 * np.abs(ref).max()
        return
    _check(ours, ref, dtype)


@pytest.mark.parametrize("deltas", [1, 2])
@pytest.mark.parametrize("width", [9, 5])
def test_mfcc_deltas(deltas, width):
    X = signals(np.float64)
    C = np.stack([librosa.feature.mfcc(y=x, sr=SR, n_mfcc=13) for x in X])
    parts = [C] + [librosa.feature.delta(C, width=width, order=o) for o in range(1, deltas + 1)]
    ref = np.concatenate(parts, axis=1)
    out = MFCC(sr=SR, n_mfcc=13, deltas=deltas, delta_width=width).fit_transform(X)
    assert out.shape == (3, 13 * (1 + deltas), C.shape[-1])
    _check(out, ref, np.float64)


def test_mfcc_mel_norm():
    X = signals(np.float64)
    ref = np.stack(
        [librosa.power_to_db(librosa.feature.melspectrogram(y=x, sr=SR, norm=None)) for x in X]
    )
    import scipy.fftpack

    ref = scipy.fftpack.dct(ref, axis=-2, type=2, norm="ortho")[:, :20]
    _check(mfcc(X, sr=SR, mel_norm=None), ref, np.float64)


def test_mfcc_bad_params():
    X = signals()
    with pytest.raises(ValueError, match="n_mfcc"):
        MFCC(n_mfcc=200, n_mels=40).fit(X)
    with pytest.raises(ValueError, match="deltas"):
        MFCC(deltas=3).fit(X)
    with pytest.raises(ValueError, match="delta_width"):
        MFCC(deltas=1, delta_width=4).fit(X)
    with pytest.raises(ValueError, match="dct_type"):
        mfcc(X, sr=SR, dct_type=5)
    with pytest.raises(ValueError, match="delta_width"):
        mfcc(X[:, :1000], sr=SR, n_fft=512, deltas=1, delta_width=99)


CHROMA_PARAMS = [
    {},
    {"n_chroma": 24, "norm": 2, "hop_length": 333},
    {"norm": None, "window": "hamming", "n_fft": 1024, "center": False},
    {"tuning": 0.25, "n_fft": 4096, "win_length": 2000},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", CHROMA_PARAMS)
def test_chroma_matches_librosa(dtype, params):
    X = signals(dtype)
    kw = {"tuning": 0.0, **_lib_kw(params)}
    ref = np.stack([librosa.feature.chroma_stft(y=x, sr=SR, **kw) for x in X])
    _check(chroma(X, sr=SR, **params), ref, dtype)
    est = Chroma(sr=SR, **params).fit(X)
    np.testing.assert_array_equal(
        est.chroma_basis_,
        librosa.filters.chroma(
            sr=SR,
            n_fft=params.get("n_fft", 2048),
            n_chroma=params.get("n_chroma", 12),
            tuning=params.get("tuning", 0.0),
        ),
    )
    _check(est.transform(X), ref, dtype)


def test_chroma_of_a_tone():
    t = np.arange(SR) / SR
    X = np.sin(2 * np.pi * 440 * t)[None].astype(np.float32)
    C = Chroma(sr=SR).fit_transform(X)
    assert C.shape[1] == 12 and int(C[0].mean(axis=1).argmax()) == 9  # A


def test_chroma_bad_params():
    with pytest.raises(ValueError, match="tuning"):
        Chroma(tuning=0.9).fit(signals())
    with pytest.raises(ValueError, match="n_chroma"):
        chroma(signals(), sr=SR, n_chroma=0)
