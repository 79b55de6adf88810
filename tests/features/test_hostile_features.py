"""Hostile input for the feature extractors: values near the float32 limit, denormals,
tiny images and large powers."""

import numpy as np
import pytest

from specsk.exceptions import NonFiniteResultError
from specsk.features import (
    EdgeFeatures,
    GaborFeatures,
    SpectralFeatures,
    TemporalStats,
    WaveformFeatures,
)

SPECTRAL = {"sr": 8000, "n_fft": 62, "n_bands": 2, "fmin": 400.0}


def _images(scale=1.0, shape=(4, 32, 24)):
    S = np.exp(np.random.default_rng(0).standard_normal(shape))
    return (S / S.max() * scale).astype(np.float32)


@pytest.mark.parametrize(
    "est",
    [EdgeFeatures(), GaborFeatures(), SpectralFeatures(**SPECTRAL), TemporalStats()],
    ids=lambda e: type(e).__name__,
)
@pytest.mark.parametrize("scale", [1e30, 1e-40])
def test_image_features_finite_or_clear_error(est, scale):
    X = _images(scale)
    try:
        out = est.fit_transform(X)
    except NonFiniteResultError as exc:
        assert scale == 1e30 and type(est).__name__ in str(exc) and "float32" in str(exc)
    else:
        assert np.isfinite(out).all()


@pytest.mark.parametrize("scale", [1e30, 1e-40])
def test_waveform_features_finite_or_clear_error(scale):
    x = np.random.default_rng(0).standard_normal((2, 2048))
    X = (x / np.abs(x).max() * scale).astype(np.float32)
    try:
        out = WaveformFeatures().fit_transform(X)
    except NonFiniteResultError as exc:
        assert scale == 1e30 and "WaveformFeatures" in str(exc)
    else:
        assert np.isfinite(out).all()


@pytest.mark.parametrize("scale", [1e30, 1e-40])
def test_spectral_features_of_scaled_images_are_scale_invariant(scale):
    # centroid, bandwidth, rolloff, flatness, entropy, slope of a scaled power spectrum
    feats = ("centroid", "bandwidth", "rolloff", "entropy")
    est = SpectralFeatures(features=feats, **{k: SPECTRAL[k] for k in ("sr", "n_fft")})
    out = est.fit_transform(_images(scale))
    ref = est.fit_transform(_images(1.0))
    np.testing.assert_allclose(out, ref, rtol=1e-3, atol=1e-3)


def test_spectral_features_power_50():
    out = SpectralFeatures(power=50, **SPECTRAL).fit_transform(_images(20.0))
    assert np.isfinite(out).all()


@pytest.mark.parametrize("kw", [{}, {"n_fft": 1}, {"features": ("contrast",)}])
def test_spectral_features_one_by_one_image_is_a_clear_error(kw):
    with pytest.raises(ValueError, match="at least 2 bins"):
        SpectralFeatures(**kw).fit_transform(np.ones((1, 1, 1), np.float32))


def test_spectral_contrast_band_with_one_bin_is_a_clear_error():
    # band 0 (0-200 Hz) of a 32-bin 22.05 kHz spectrogram holds bin 0 only, which librosa
    # drops: the contrast would be NaN
    with pytest.raises(ValueError, match="octave band 0"):
        SpectralFeatures(features=("contrast",)).fit_transform(_images())
