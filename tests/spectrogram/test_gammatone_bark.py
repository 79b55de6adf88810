"""GammatoneSpectrogram, BarkSpectrogram and their scale helpers.

References: the ERB formulas of Glasberg & Moore (1990), Traunmüller (1990) and Zwicker &
Terhardt (1980) with hand-computed values; scipy.signal.gammatone + lfilter (rtol 1e-6 where
lfilter is numerically sound); librosa.stft for the Bark bank (rtol 1e-5).
"""

import librosa
import numpy as np
import pytest
import scipy.signal

from specsk.exceptions import ShortClipWarning
from specsk.spectrogram import (
    BarkSpectrogram,
    GammatoneSpectrogram,
    bark_filter_bank,
    bark_spectrogram,
    bark_to_hz,
    erb_bandwidth,
    erb_frequencies,
    erb_to_hz,
    gammatone_spectrogram,
    hz_to_bark,
    hz_to_erb,
)
from specsk.spectrogram._gammatone import _gammatone_sos


def _tones(freqs, sr, seconds=0.5, dtype=np.float32):
    t = np.arange(int(seconds * sr)) / sr
    return np.stack([np.sin(2 * np.pi * f * t) for f in freqs]).astype(dtype)


# -- ERB --------------------------------------------------------------------------------------
def test_erb_formulas_hand_values():
    # 24.7 * (4.37 + 1) = 132.639 ; 21.4 log10(5.37) = 15.6214
    assert erb_bandwidth(1000.0) == pytest.approx(132.639, abs=1e-9)
    assert erb_bandwidth(0.0) == pytest.approx(24.7)
    assert hz_to_erb(1000.0) == pytest.approx(15.6214, abs=1e-4)
    assert hz_to_erb(0.0) == 0.0
    f = np.geomspace(1.0, 20000.0, 50)
    np.testing.assert_allclose(erb_to_hz(hz_to_erb(f)), f, rtol=1e-12)


def test_centre_frequencies_follow_erb_scale():
    f = erb_frequencies(32, fmin=50.0, fmax=8000.0)
    e = hz_to_erb(f)
    step = (hz_to_erb(8000.0) - hz_to_erb(50.0)) / 32
    np.testing.assert_allclose(np.diff(e), step, rtol=1e-10)
    assert f[0] == 50.0 and f[-1] == pytest.approx(erb_to_hz(hz_to_erb(8000.0) - step))
    est = GammatoneSpectrogram(sr=16000, n_bands=32, fmin=50.0, fmax=8000.0, hop_length=128)
    est.fit(np.zeros((1, 4000), np.float32))
    np.testing.assert_allclose(est.frequencies_, f)


def test_sections_equal_scipy_transfer_function():
    sr = 22050
    for cf in erb_frequencies(16, fmin=50.0, fmax=sr / 2):
        sos = _gammatone_sos(cf, sr)
        b, a = scipy.signal.gammatone(cf, "iir", fs=sr)
        num = np.polymul(np.polymul(sos[0, :3], sos[1, :3]), np.polymul(sos[2, :3], sos[3, :3]))
        den = np.polymul(np.polymul(sos[0, 3:], sos[1, 3:]), np.polymul(sos[2, 3:], sos[3, 3:]))
        # the two pure-pole sections contribute numerators 1 + 0 z^-1 + 0 z^-2
        np.testing.assert_array_equal(num[5:], 0.0)
        np.testing.assert_allclose(num[:5], b, rtol=1e-9, atol=1e-9 * np.abs(b).max())
        np.testing.assert_allclose(den, a, rtol=1e-9, atol=1e-12)
        # stable (where lfilter on (b, a) is not, at 50 Hz): unit gain at the centre
        _, h = scipy.signal.sosfreqz(sos, worN=[cf], fs=sr)
        assert abs(h[0]) == pytest.approx(1.0, abs=2e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_filterbank_matches_scipy_lfilter(dtype):
    sr, hop, win = 16000, 128, 256
    x = np.random.default_rng(0).standard_normal(4000).astype(dtype)
    fmin = 1000.0  # lfilter's direct form is accurate here (not below ~500 Hz at 16 kHz)
    G = gammatone_spectrogram(x[None], sr=sr, n_bands=12, fmin=fmin, hop_length=hop, win_length=win)
    assert G.dtype == dtype and G.shape == (1, 12, 1 + 4000 // hop)
    w = scipy.signal.get_window("hann", win, fftbins=True) ** 2
    w /= w.sum()
    for k, cf in enumerate(erb_frequencies(12, fmin=fmin, fmax=sr / 2)):
        b, a = scipy.signal.gammatone(cf, "iir", fs=sr)
        y = scipy.signal.lfilter(b, a, x.astype(np.float64))
        y2 = np.pad(y**2, win // 2)
        ref = [y2[t * hop : t * hop + win] @ w for t in range(G.shape[-1])]
        np.testing.assert_allclose(
            G[0, k], ref, rtol=1e-6 if dtype == np.float64 else 1e-5, atol=1e-9 * max(ref)
        )


@pytest.mark.parametrize("method", ["filterbank", "fft"])
def test_tone_peaks_in_nearest_band(method):
    sr = 16000
    est = GammatoneSpectrogram(sr=sr, n_bands=40, fmin=80.0, hop_length=256, method=method)
    cf = erb_frequencies(40, fmin=80.0, fmax=sr / 2)
    bands = [5, 17, 30]
    X = _tones(cf[bands], sr)
    G = est.fit_transform(X)
    assert list(G[:, :, 4:-4].mean(-1).argmax(1)) == bands
    # a tone between two centres peaks in the nearer one (in ERB-rate)
    f = erb_to_hz(hz_to_erb(cf[10]) + 0.3 * (hz_to_erb(cf[11]) - hz_to_erb(cf[10])))
    assert est.transform(_tones([f], sr))[0, :, 4:-4].mean(-1).argmax() == 10


def test_fft_and_filterbank_methods_agree_on_noise():
    sr = 16000
    X = np.random.default_rng(1).standard_normal((2, 2 * sr))
    kw = {"sr": sr, "n_bands": 32, "fmin": 200.0, "hop_length": 256}
    a = gammatone_spectrogram(X, method="filterbank", **kw).mean(-1)
    b = gammatone_spectrogram(X, method="fft", **kw).mean(-1)
    np.testing.assert_allclose(a, b, rtol=0.15)
    rms = gammatone_spectrogram(X, method="fft", power=1.0, **kw)
    np.testing.assert_allclose(rms**2, gammatone_spectrogram(X, method="fft", **kw), rtol=1e-6)


def test_gammatone_bad_input():
    X = _tones([440.0], 8000)
    with pytest.raises(ValueError, match="sr=8000"):
        GammatoneSpectrogram(sr=8000, fmax=5000.0).fit(X)
    with pytest.raises(ValueError, match="method"):
        GammatoneSpectrogram(sr=8000, method="gtgram").fit(X)
    with pytest.raises(ValueError, match="method"):
        gammatone_spectrogram(X, sr=8000, method="gtgram")
    with pytest.raises(ValueError, match="fmin"):
        gammatone_spectrogram(X, sr=8000, fmin=5000.0, fmax=4000.0)
    with pytest.raises(ValueError, match="NaN"):
        GammatoneSpectrogram(sr=8000).fit(np.full((2, 100), np.nan))
    with pytest.raises(ValueError, match="2-D"):
        GammatoneSpectrogram(sr=8000).fit(X[0])
    with pytest.warns(ShortClipWarning, match="win_length"):
        G = gammatone_spectrogram(X[:, :100], sr=8000, hop_length=128)
    assert G.shape == (1, 64, 3)


# -- Bark -------------------------------------------------------------------------------------
def test_bark_formulas_hand_values():
    # Traunmüller: 26.81*1000/2960 - 0.53 = 8.52743; at 100 Hz 0.77146 -> +0.15*(2-0.77146);
    # at 10 kHz 21.88637 -> +0.22*(21.88637-20.1)
    np.testing.assert_allclose(
        hz_to_bark([100.0, 1000.0, 10000.0]), [0.95574, 8.52743, 22.27939], atol=1e-5
    )
    # Zwicker & Terhardt: 13 atan(0.00076 f) + 3.5 atan((f/7500)^2)
    np.testing.assert_allclose(
        hz_to_bark([100.0, 1000.0, 10000.0], formula="zwicker"),
        [0.98673, 8.51053, 22.42402],
        atol=1e-5,
    )
    f = np.geomspace(1.0, 20000.0, 60)
    for formula in ("traunmuller", "zwicker"):
        np.testing.assert_allclose(
            bark_to_hz(hz_to_bark(f, formula=formula), formula=formula), f, rtol=1e-9
        )
    with pytest.raises(ValueError, match="formula"):
        hz_to_bark(1000.0, formula="mel")


@pytest.mark.parametrize("formula", ["traunmuller", "zwicker"])
def test_bark_filter_bank_rows(formula):
    sr, n_fft, n_bands = 16000, 1024, 20
    W = bark_filter_bank(sr=sr, n_fft=n_fft, n_bands=n_bands, formula=formula)
    assert W.shape == (n_bands, 1 + n_fft // 2)
    assert (W >= 0).all() and (W <= 1).all()
    edges = bark_to_hz(
        np.linspace(
            hz_to_bark(0.0, formula=formula), hz_to_bark(sr / 2, formula=formula), n_bands + 2
        ),
        formula=formula,
    )
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)
    for k in range(n_bands):
        support = freqs[W[k] > 0]
        assert support.size > 0
        assert support.min() >= edges[k] - 1e-6 and support.max() <= edges[k + 2] + 1e-6
        # the peak is the bin nearest the band's centre
        assert abs(freqs[W[k].argmax()] - edges[k + 1]) <= sr / n_fft
    # consecutive triangles overlap and, inside the range, sum to one
    inside = (freqs > edges[1]) & (freqs < edges[-2])
    np.testing.assert_allclose(W.sum(0)[inside], 1.0, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bark_spectrogram_matches_librosa_stft(dtype):
    sr = 16000
    X = np.random.default_rng(2).standard_normal((2, 8000)).astype(dtype)
    B = bark_spectrogram(X, sr=sr, n_fft=512, hop_length=160, n_bands=18, fmin=50.0)
    assert B.dtype == dtype
    W = bark_filter_bank(sr=sr, n_fft=512, n_bands=18, fmin=50.0)
    ref = np.stack([W @ np.abs(librosa.stft(x, n_fft=512, hop_length=160)) ** 2 for x in X])
    np.testing.assert_allclose(
        B, ref, rtol=1e-4 if dtype == np.float32 else 1e-9, atol=1e-6 * ref.max()
    )
    est = BarkSpectrogram(sr=sr, n_fft=512, hop_length=160, n_bands=18, fmin=50.0).fit(X)
    np.testing.assert_allclose(est.transform(X), B)


def test_bark_tone_peaks_at_its_band():
    sr = 16000
    est = BarkSpectrogram(sr=sr, n_fft=1024, hop_length=256).fit(np.zeros((1, sr // 2)))
    for k in (3, 12, 20):
        X = _tones([est.frequencies_[k]], sr)
        assert est.transform(X)[0, :, 2:-2].mean(-1).argmax() == k


def test_bark_bad_input():
    X = _tones([440.0], 8000)
    with pytest.raises(ValueError, match="sr=8000"):
        BarkSpectrogram(sr=8000, fmax=6000.0).fit(X)
    with pytest.raises(ValueError, match="sr=8000"):
        bark_spectrogram(X, sr=8000, fmax=6000.0)
    with pytest.raises(ValueError, match="formula"):
        BarkSpectrogram(formula="mel").fit(X)
    with pytest.raises(ValueError, match="n_bands"):
        bark_spectrogram(X, n_bands=0)
    with pytest.raises(ValueError, match="power"):
        bark_spectrogram(X, power=-1)
    with pytest.raises(ValueError, match="NaN"):
        BarkSpectrogram(sr=8000).fit(np.full((2, 100), np.nan))
    with pytest.warns(ShortClipWarning):
        B = bark_spectrogram(X[:, :100], sr=8000, n_fft=512, hop_length=128)
    assert B.shape == (1, 24, 5)
