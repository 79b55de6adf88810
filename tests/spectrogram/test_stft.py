"""STFT and STFTSpectrogram against librosa, inverse transforms and bad input."""

import warnings

import librosa
import numpy as np
import pytest

from specsk.exceptions import ShortClipWarning
from specsk.spectrogram import STFTSpectrogram, power_spectrogram, stft

SR = 8000


def signals(dtype=np.float32, n_times=4000):
    """A tone, a linear chirp and white noise."""
    rng = np.random.default_rng(0)
    t = np.arange(n_times) / SR
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    chirp = 0.5 * np.sin(2 * np.pi * (100 * t + 1500 * t**2))
    noise = 0.3 * rng.standard_normal(n_times)
    return np.stack([tone, chirp, noise]).astype(dtype)


PARAMS = [
    {"n_fft": 512},
    {"n_fft": 512, "center": False},
    {"n_fft": 256, "win_length": 200, "hop_length": 37, "window": "hamming"},
    {"n_fft": 255, "hop_length": 64, "pad_mode": "reflect"},
    {"n_fft": 128, "hop_length": 33, "window": ("kaiser", 8.0), "center": False},
]


def _close(ours, ref, dtype):
    # float64: identical algorithm up to FFT rounding; float32: librosa computes in float64
    # and casts, specsk stays in float32 -> error relative to the largest value
    scale = np.abs(ref).max()
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert np.abs(ours - ref).max() <= tol * scale


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", PARAMS)
def test_stft_matches_librosa(dtype, params):
    X = signals(dtype)
    D = stft(X, **params)
    ref = np.stack([librosa.stft(x, **params) for x in X])
    assert D.shape == ref.shape
    assert D.dtype == (np.complex64 if dtype == np.float32 else np.complex128)
    _close(D, ref, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
def test_power_spectrogram_matches_librosa(dtype, power):
    X = signals(dtype)
    kw = {"n_fft": 256, "hop_length": 50, "win_length": 240}
    S = power_spectrogram(X, power=power, **kw)
    ref = np.stack([np.abs(librosa.stft(x, **kw)) ** power for x in X])
    assert S.dtype == dtype
    if power >= 1:
        _close(S, ref, dtype)
    else:  # |z| ** 0.5 amplifies float32 rounding near zero: compare |z| ** 2 instead
        _close(S ** (2 / power), ref ** (2 / power), dtype)


@pytest.mark.parametrize("n_jobs", [1, 2, -1])
def test_threads_give_same_result(n_jobs):
    X = np.random.default_rng(1).standard_normal((40, 3000)).astype(np.float32)
    ref = power_spectrogram(X, n_fft=256, n_jobs=1)
    np.testing.assert_array_equal(power_spectrogram(X, n_fft=256, n_jobs=n_jobs), ref)


@pytest.mark.parametrize(
    "output, shape",
    [
        ("magnitude", (3, 257, 16)),
        ("power", (3, 257, 16)),
        ("real_imag", (3, 2, 257, 16)),
        ("mag_phase", (3, 2, 257, 16)),
    ],
)
def test_estimator_outputs(output, shape):
    X = signals()
    Y = STFTSpectrogram(n_fft=512, hop_length=256, output=output).fit_transform(X)
    assert Y.shape == shape and Y.dtype == np.float32
    D = librosa.stft(X[1], n_fft=512, hop_length=256)
    expected = {
        "magnitude": np.abs(D),
        "power": np.abs(D) ** 2,
        "real_imag": np.stack([D.real, D.imag]),
        "mag_phase": np.stack([np.abs(D), np.angle(D)]),
    }[output]
    if output == "mag_phase":  # phase is ill-defined where the magnitude vanishes
        keep = np.abs(D) > 1e-3 * np.abs(D).max()
        np.testing.assert_allclose(Y[1, 0], expected[0], atol=1e-5 * np.abs(D).max())
        diff = np.angle(np.exp(1j * (Y[1, 1] - expected[1])))
        assert np.abs(diff[keep]).max() < 1e-3
    else:
        np.testing.assert_allclose(Y[1], expected, atol=1e-5 * np.abs(expected).max())


@pytest.mark.parametrize("output", ["real_imag", "mag_phase"])
@pytest.mark.parametrize("center", [True, False])
def test_exact_inverse_for_complex_outputs(output, center):
    X = signals(np.float64)
    est = STFTSpectrogram(n_fft=256, hop_length=64, output=output, center=center).fit(X)
    Y = est.inverse_transform(est.transform(X))
    assert Y.shape == X.shape
    if center:
        assert np.abs(Y - X).max() < 1e-5
    else:  # the last partial frame is not covered; compare what the frames cover
        n = 256 + 64 * (est.transform(X).shape[-1] - 1)
        assert np.abs(Y[:, 64 : n - 64] - X[:, 64 : n - 64]).max() < 1e-5


def _spectral_convergence(X, Y, kw):
    S = np.abs(stft(X, **kw))
    R = np.abs(stft(Y.astype(X.dtype), **kw))
    return np.linalg.norm(S - R) / np.linalg.norm(S)


@pytest.mark.parametrize("output", ["magnitude", "power"])
def test_griffin_lim_converges(output):
    X = signals(n_times=2000)[:2]
    kw = {"n_fft": 256, "hop_length": 64}
    errors = []
    for n_iter in (1, 8, 32):
        est = STFTSpectrogram(**kw, output=output, n_iter=n_iter).fit(X)
        Y = est.inverse_transform(est.transform(X))
        assert Y.shape == X.shape and Y.dtype == X.dtype
        errors.append(_spectral_convergence(X, Y, kw))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.25


def test_griffin_lim_tone_frequency():
    X = signals(n_times=2000)[:1]
    est = STFTSpectrogram(n_fft=256, hop_length=64, n_iter=32).fit(X)
    Y = est.inverse_transform(est.transform(X))
    freqs = np.fft.rfftfreq(Y.shape[-1], 1 / SR)
    assert abs(freqs[np.abs(np.fft.rfft(Y[0])).argmax()] - 440) < 10


def test_short_clip_is_padded_with_warning():
    X = signals()[:, :100]
    with pytest.warns(ShortClipWarning, match="n_fft=256"):
        D = stft(X, n_fft=256, hop_length=64)
    ref = np.stack([librosa.stft(np.pad(x, (0, 156)), n_fft=256, hop_length=64) for x in X])
    _close(D, ref, np.float32)
    with pytest.warns(ShortClipWarning):
        S = STFTSpectrogram(n_fft=256, hop_length=64, center=False).fit_transform(X)
    assert S.shape == (3, 129, 1)


@pytest.mark.parametrize(
    "X, exc, match",
    [
        (np.array([[0.0, np.nan] * 300]), ValueError, "NaN"),
        (np.array([[0.0, np.inf] * 300]), ValueError, "infinity"),
        (np.zeros((2, 0)), ValueError, "empty"),
        (np.zeros((0, 600)), ValueError, "empty"),
        (np.zeros(600), ValueError, "2-D"),
        (np.zeros((2, 2, 2, 600)), ValueError, "2-D"),
        (np.zeros((2, 2, 600)), ValueError, "mono"),
        ([np.zeros(600), np.zeros(700)], ValueError, "FixedLength"),
        (np.array([["a"] * 600]), TypeError, "real numbers"),
    ],
)
def test_bad_input(X, exc, match):
    with pytest.raises(exc, match=match):
        stft(X, n_fft=256)
    with pytest.raises(exc, match=match):
        STFTSpectrogram(n_fft=256).fit_transform(X)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_fft": 0}, "n_fft"),
        ({"output": "x"}, "output"),
        ({"hop_length": 0}, "hop_length"),
        ({"win_length": 0}, "win_length"),
        ({"pad_mode": "wrap"}, "pad_mode"),
        ({"n_iter": -1}, "n_iter"),
    ],
)
def test_bad_params(params, match):
    X = signals()
    with pytest.raises(ValueError, match=match):
        STFTSpectrogram(**params).fit_transform(X)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_fft": 0}, "n_fft"),
        ({"n_fft": 256, "win_length": 300}, "win_length"),
        ({"n_fft": 256, "hop_length": 0}, "hop_length"),
        ({"n_fft": 256, "pad_mode": "wrap"}, "pad_mode"),
    ],
)
def test_bad_function_params(params, match):
    with pytest.raises(ValueError, match=match):
        stft(signals(), **params)
    with pytest.raises(ValueError, match="power"):
        power_spectrogram(signals(), power=-1)


def test_inverse_checks_shape():
    X = signals()
    est = STFTSpectrogram(n_fft=256).fit(X)
    with pytest.raises(ValueError, match="frequency bins"):
        est.inverse_transform(np.ones((2, 100, 10), dtype=np.float32))


def test_no_warning_for_long_clips():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stft(signals(), n_fft=256)
