"""mel_spectrogram / MelSpectrogram against librosa, inverse, bad input."""

import librosa
import numpy as np
import pytest

from specsk.exceptions import ShortClipWarning
from specsk.spectrogram import MelSpectrogram, mel_filter_bank, mel_spectrogram

SR = 16000


def _lib_kw(params):
    """librosa.feature fixes hop_length=512; specsk's None means win_length // 4 like stft."""
    win = params.get("win_length") or params.get("n_fft", 2048)
    return {"hop_length": win // 4, **params}


def signals(dtype=np.float32, n_times=8000):
    rng = np.random.default_rng(0)
    t = np.arange(n_times) / SR
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    chirp = 0.5 * np.sin(2 * np.pi * (100 * t + 3000 * t**2))
    noise = 0.3 * rng.standard_normal(n_times)
    return np.stack([tone, chirp, noise]).astype(dtype)


PARAMS = [
    {},
    {"n_fft": 1024, "hop_length": 301, "win_length": 700, "window": "hamming", "n_mels": 40},
    {"center": False, "power": 1.0, "n_mels": 64, "fmin": 60.0, "fmax": 6000.0},
    {"htk": True, "norm": None, "n_mels": 32, "n_fft": 512},
    {"norm": 2.0, "n_mels": 20, "n_fft": 511, "hop_length": 100, "pad_mode": "reflect"},
    {"power": 1.5, "n_mels": 16, "n_fft": 256},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", PARAMS)
def test_matches_librosa(dtype, params):
    X = signals(dtype)
    M = mel_spectrogram(X, sr=SR, **params)
    ref = np.stack([librosa.feature.melspectrogram(y=x, sr=SR, **_lib_kw(params)) for x in X])
    assert M.shape == ref.shape and M.dtype == dtype
    # float64: same sums in another order; float32: librosa's STFT is float64-then-cast
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert np.abs(M - ref).max() <= tol * np.abs(ref).max()
    # and pointwise where the values matter (above 1e-6 of the peak)
    big = ref > 1e-3 * ref.max()
    np.testing.assert_allclose(M[big], ref[big], rtol=1e-10 if dtype == np.float64 else 1e-4)


def test_estimator_matches_function_and_keeps_bank():
    X = signals()
    est = MelSpectrogram(sr=SR, n_fft=512, n_mels=40).fit(X)
    np.testing.assert_array_equal(est.mel_basis_, librosa.filters.mel(sr=SR, n_fft=512, n_mels=40))
    assert est.mel_basis_.dtype == np.float32
    np.testing.assert_array_equal(est.transform(X), mel_spectrogram(X, sr=SR, n_fft=512, n_mels=40))


def test_batches_and_threads_equal():
    X = np.random.default_rng(2).standard_normal((37, 4000)).astype(np.float32)
    ref = MelSpectrogram(sr=SR, n_fft=256, n_mels=32).fit_transform(X)
    for kw in ({"batch_size": 5}, {"n_jobs": 2}, {"batch_size": 10, "n_jobs": -1}):
        out = MelSpectrogram(sr=SR, n_fft=256, n_mels=32, **kw).fit_transform(X)
        np.testing.assert_array_equal(out, ref)


def test_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MelSpectrogram().transform(signals())


def test_inverse_transform_recovers_tone():
    X = signals(n_times=8000)[:1]
    est = MelSpectrogram(sr=SR, n_fft=512, hop_length=128, n_mels=64, n_iter=16).fit(X)
    Y = est.inverse_transform(est.transform(X))
    assert Y.shape == X.shape and Y.dtype == np.float32
    freqs = np.fft.rfftfreq(Y.shape[-1], 1 / SR)
    assert abs(freqs[np.abs(np.fft.rfft(Y[0])).argmax()] - 440) < 15
    with pytest.raises(ValueError, match="n_mels"):
        est.inverse_transform(np.ones((1, 10, 5), dtype=np.float32))


def test_short_clip_warning():
    with pytest.warns(ShortClipWarning):
        M = mel_spectrogram(signals()[:, :300], sr=SR, n_fft=512, n_mels=16)
    assert M.shape == (3, 16, 5)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_fft": 0}, "n_fft"),
        ({"power": -1}, "power"),
        ({"n_mels": 0}, "n_mels"),
        ({"sr": 0}, "sr"),
        ({"fmax": -5.0}, "fmax"),
        ({"norm": "l2"}, "norm"),
        ({"window": 3}, "window"),
    ],
)
def test_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        MelSpectrogram(**params).fit(signals())


def test_bad_function_params():
    with pytest.raises(ValueError, match="fmax"):
        mel_filter_bank(sr=SR, n_fft=512, fmax=SR)
    with pytest.raises(ValueError, match="power"):
        mel_spectrogram(signals(), sr=SR, power=-1)
    with pytest.raises(ValueError, match="sr"):
        mel_spectrogram(signals(), sr=-1)


@pytest.mark.parametrize(
    "X, exc, match",
    [
        (np.array([[0.0, np.nan] * 300]), ValueError, "NaN"),
        (np.zeros((2, 2, 600)), ValueError, "mono"),
        ([np.zeros(600), np.zeros(700)], ValueError, "FixedLength"),
        (np.zeros(600), ValueError, "2-D"),
        (np.array([["x"] * 600]), TypeError, "real numbers"),
    ],
)
def test_bad_input(X, exc, match):
    with pytest.raises(exc, match=match):
        mel_spectrogram(X, sr=SR, n_fft=256, n_mels=32)
    with pytest.raises(exc, match=match):
        MelSpectrogram(sr=SR, n_fft=256, n_mels=32).fit(X)
