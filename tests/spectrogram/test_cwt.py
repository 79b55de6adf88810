"""CWTScalogram / cwt_scalogram against pywt.cwt on each clip (rtol 1e-6 at full rate; the
pooled frames against block means of the reference, rtol 1e-5)."""

import numpy as np
import pytest
import pywt

from specsk.exceptions import ShortClipWarning
from specsk.spectrogram import CWTScalogram, cwt_frequencies, cwt_scalogram

SR = 8000


def _clips(n=3, n_times=2000, dtype=np.float32):
    rng = np.random.default_rng(0)
    t = np.arange(n_times) / SR
    X = np.sin(2 * np.pi * rng.uniform(100, 3000, (n, 1)) * t) + 0.3 * rng.standard_normal(
        (n, n_times)
    )
    return X.astype(dtype)


def _reference(X, est):
    rows = []
    for x in X:
        c, f = pywt.cwt(x, est.scales_, est.wavelet, sampling_period=1 / SR, method="fft")
        rows.append(np.abs(c))
        np.testing.assert_allclose(f, est.frequencies_, rtol=1e-12)
    return np.stack(rows)


@pytest.mark.parametrize("wavelet", ["cmor1.5-1.0", "morl", "mexh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_full_rate_equals_pywt_per_clip(wavelet, dtype):
    X = _clips(dtype=dtype)
    est = CWTScalogram(sr=SR, wavelet=wavelet, n_scales=12, fmin=100.0, hop_length=1).fit(X)
    W = est.transform(X)
    assert W.dtype == dtype and W.shape == (3, 12, X.shape[1])
    np.testing.assert_allclose(
        W, _reference(X, est), rtol=1e-6 if dtype == np.float64 else 1e-5, atol=1e-6
    )


def test_pooling_and_power():
    X = _clips(n_times=2003)
    hop = 100
    est = CWTScalogram(sr=SR, n_scales=8, fmin=150.0, hop_length=1).fit(X)
    ref = _reference(X, est)
    n_frames = 1 + (X.shape[1] - 1) // hop
    mean = cwt_scalogram(X, sr=SR, n_scales=8, fmin=150.0, hop_length=hop)
    assert mean.shape == (3, 8, n_frames)
    for t in (0, 1, 7, n_frames - 1):
        lo, hi = max(0, t * hop - hop // 2), min(X.shape[1], t * hop - hop // 2 + hop)
        np.testing.assert_allclose(mean[..., t], ref[..., lo:hi].mean(-1), rtol=1e-5)
    dec = cwt_scalogram(X, sr=SR, n_scales=8, fmin=150.0, hop_length=hop, pooling="decimate")
    np.testing.assert_allclose(dec, ref[..., ::hop], rtol=1e-5, atol=1e-6)
    mx = cwt_scalogram(
        X, sr=SR, n_scales=8, fmin=150.0, hop_length=hop, pooling="max", output="power"
    )
    np.testing.assert_allclose(mx[..., 3], (ref[..., 250:350] ** 2).max(-1), rtol=1e-5)


def test_scale_frequency_mapping_and_order():
    est = CWTScalogram(sr=SR, n_scales=10, fmin=100.0, fmax=3000.0).fit(_clips())
    np.testing.assert_allclose(est.frequencies_, np.geomspace(100.0, 3000.0, 10))
    np.testing.assert_allclose(
        pywt.scale2frequency(est.wavelet, est.scales_) * SR, est.frequencies_, rtol=1e-10
    )
    assert np.all(np.diff(est.scales_) < 0)  # low frequency first = large scales first
    np.testing.assert_allclose(
        cwt_frequencies(sr=SR, frequencies=(800.0, 200.0, 400.0)), [200.0, 400.0, 800.0]
    )


def test_tone_peaks_at_its_frequency():
    freqs = cwt_frequencies(sr=SR, n_scales=24, fmin=100.0, fmax=3500.0)
    t = np.arange(4000) / SR
    X = np.stack([np.sin(2 * np.pi * freqs[k] * t) for k in (3, 12, 20)]).astype(np.float32)
    W = cwt_scalogram(X, sr=SR, frequencies=tuple(freqs), hop_length=50)
    assert list(W[:, :, 10:-10].mean(-1).argmax(1)) == [3, 12, 20]


def test_batches_and_jobs_do_not_change_values():
    X = _clips(n=5)
    ref = cwt_scalogram(X, sr=SR, n_scales=6, fmin=200.0, hop_length=40)
    np.testing.assert_allclose(
        cwt_scalogram(X, sr=SR, n_scales=6, fmin=200.0, hop_length=40, batch_size=2, n_jobs=2),
        ref,
        rtol=1e-6,
    )


def test_bad_input():
    X = _clips()
    with pytest.raises(ValueError, match="sr=8000"):
        CWTScalogram(sr=SR, fmax=5000.0).fit(X)
    with pytest.raises(ValueError, match="sr=8000"):
        cwt_scalogram(X, sr=SR, frequencies=(100.0, 4500.0))
    with pytest.raises(ValueError, match="wavelet"):
        CWTScalogram(sr=SR, wavelet="db4").fit(X)
    with pytest.raises(ValueError, match="n_scales"):
        CWTScalogram(sr=SR, n_scales=0).fit(X)
    with pytest.raises(ValueError, match="frequencies"):
        cwt_scalogram(X, sr=SR, frequencies=(-1.0, 100.0))
    with pytest.raises(ValueError, match="NaN"):
        CWTScalogram(sr=SR).fit(np.full((2, 100), np.nan))
    with pytest.raises(ValueError, match="2-D"):
        CWTScalogram(sr=SR).fit(X[0])
    with pytest.warns(ShortClipWarning):
        W = cwt_scalogram(X[:, :1], sr=SR, n_scales=4, fmin=500.0, hop_length=4)
    assert W.shape == (3, 4, 1)
