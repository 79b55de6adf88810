"""CQTSpectrogram / cqt against librosa.cqt (per clip).

Tolerance: with C = specsk, R = |librosa.cqt| per clip,
|C - R| <= 1e-4 |R| + 2e-6 max|R| elementwise (measured: max |C - R| / max|R| <= 8e-7 in
float32 and 1e-7 in float64; the filters are librosa's, the differences are rounding: specsk
applies each octave's filters to raw frames as one real matrix product instead of FFT + complex
product).
"""

import warnings

import librosa
import numpy as np
import pytest

from specsk.exceptions import ShortClipWarning
from specsk.spectrogram import CQTSpectrogram, cqt


def _signals(n=3, seconds=1.0, sr=22050, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    f0 = rng.uniform(60, 2000, size=(n, 1))
    X = np.sin(2 * np.pi * f0 * t) + 0.3 * rng.standard_normal((n, t.size))
    return X.astype(dtype)


def _reference(X, output="magnitude", **kw):
    R = np.stack([np.abs(librosa.cqt(x, **kw)) for x in X])
    return R**2 if output == "power" else R


def _assert_matches(C, R):
    assert C.shape == R.shape
    scale = np.abs(R).max()
    np.testing.assert_allclose(C, R, rtol=1e-4, atol=2e-6 * scale)


@pytest.mark.parametrize(
    "kw",
    [
        {"sr": 22050},
        {
            "sr": 22050,
            "hop_length": 256,
            "fmin": 55.0,
            "n_bins": 72,
            "bins_per_octave": 24,
            "filter_scale": 0.8,
            "scale": False,
            "pad_mode": "reflect",
        },
        {"sr": 22050, "hop_length": 96, "n_bins": 30, "tuning": 0.2, "norm": 2},  # odd hop
        {"sr": 44100, "hop_length": 1024, "fmin": 100.0, "n_bins": 24},  # early downsampling
        {"sr": 44100, "hop_length": 1024, "fmin": 100.0, "n_bins": 24, "scale": False},
        {
            "sr": 8000,
            "hop_length": 16,
            "fmin": 200.0,
            "n_bins": 12,
            "bins_per_octave": 6,
            "sparsity": 0.0,
            "window": "hamming",
        },
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_librosa(kw, dtype):
    X = _signals(sr=kw["sr"], dtype=dtype)
    C = cqt(X, **kw)
    assert C.dtype == dtype
    _assert_matches(C, _reference(X, **kw))


def test_power_output_and_estimator_equal_function():
    X = _signals(n=2)
    est = CQTSpectrogram(n_bins=48, output="power").fit(X)
    P = est.transform(X)
    M = cqt(X, n_bins=48)
    np.testing.assert_allclose(P, M**2, rtol=1e-5, atol=1e-12)
    _assert_matches(P, _reference(X, output="power", sr=22050, n_bins=48))
    np.testing.assert_allclose(
        est.frequencies_, librosa.cqt_frequencies(n_bins=48, fmin=librosa.note_to_hz("C1"))
    )


def test_batching_and_threads_do_not_change_values():
    # float32 BLAS blocking depends on the batch size: equal to float32 rounding
    X = _signals(n=5)
    ref = cqt(X, n_bins=36, fmin=110.0)
    tol = {"rtol": 2e-5, "atol": 1e-6 * ref.max()}
    np.testing.assert_allclose(cqt(X, n_bins=36, fmin=110.0, batch_size=2), ref, **tol)
    np.testing.assert_allclose(cqt(X, n_bins=36, fmin=110.0, batch_size=2, n_jobs=2), ref, **tol)
    est = CQTSpectrogram(n_bins=36, fmin=110.0, n_jobs=2).fit(X)
    np.testing.assert_allclose(est.transform(X), ref, **tol)


def test_tone_peaks_at_its_bin():
    sr = 22050
    t = np.arange(sr) / sr
    X = np.sin(2 * np.pi * 440.0 * t)[None].astype(np.float32)
    est = CQTSpectrogram(sr=sr).fit(X)
    row = int(est.transform(X)[0, :, 5:-5].mean(-1).argmax())
    assert est.frequencies_[row] == pytest.approx(440.0)


def test_bad_input():
    X = _signals(n=2)
    est = CQTSpectrogram(n_bins=24, fmin=200.0)
    Xnan = X.copy()
    Xnan[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(Xnan)
    with pytest.raises(ValueError, match="2-D"):
        est.fit(X[0])
    with pytest.raises(ValueError, match="n_bins"):
        CQTSpectrogram(n_bins=0).fit(X)
    with pytest.raises(ValueError, match="n_bins"):
        cqt(X, n_bins=0)
    with pytest.raises(ValueError, match="output"):
        cqt(X, output="db")
    with pytest.raises(ValueError, match="sparsity"):
        cqt(X, sparsity=1.5)
    # 84 bins from C1 at 8 kHz reach far above Nyquist
    with pytest.raises(ValueError, match="sr=8000"):
        CQTSpectrogram(sr=8000).fit(X)
    with pytest.raises(ValueError, match="sr=8000"):
        cqt(X, sr=8000)


def test_short_clips_are_padded_with_warning():
    X = _signals(n=2, seconds=0.01)  # 220 samples, longest filter ~3.4k samples
    with pytest.warns(ShortClipWarning, match="longest CQT filter"):
        C = cqt(X, n_bins=24, fmin=110.0)
    assert C.shape[:2] == (2, 24) and np.isfinite(C).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cqt(_signals(n=1), n_bins=24, fmin=110.0)  # long enough: no warning
