"""Wavelet denoising against skimage.restoration.denoise_wavelet applied to each image."""

import warnings

import numpy as np
import pytest
from skimage.restoration import denoise_wavelet

import specsk.filters as F


def _images(rank=3, dtype=np.float64, offset=0.0, seed=2):
    rng = np.random.default_rng(seed)
    clean = np.zeros((4, 32, 40))
    clean[:, 10, :] = 1.0  # tone
    clean[1:3, 18:26, 6:30] = 0.6  # box
    S = clean + 0.1 * rng.standard_normal(clean.shape) + offset
    S = S.reshape(2, 2, 32, 40) if rank == 4 else S
    return S.astype(dtype), clean


def _skimage(S, **kw):
    planes = S.reshape(-1, *S.shape[-2:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.stack([denoise_wavelet(p, channel_axis=None, **kw) for p in planes]).reshape(
            S.shape
        )


@pytest.mark.parametrize("rank", [3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"method": "VisuShrink"},
        {"mode": "hard", "wavelet": "db2", "wavelet_levels": 2},
        {"method": "VisuShrink", "mode": "hard", "wavelet": "sym4", "sigma": 0.1},
        {"wavelet": "coif1", "sigma": 0.05, "wavelet_levels": 1},
    ],
)
def test_matches_skimage_per_image(rank, dtype, kw):
    S, _ = _images(rank, dtype)
    out = F.WaveletDenoise(**kw).fit_transform(S)
    ref = _skimage(S, **kw)
    assert out.dtype == dtype
    # float32: skimage computes BayesShrink's detail variance in float32, specsk in float64
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(out, ref, **tol)


def test_db_scale_values_are_not_rescaled_or_clipped():
    # -60 dB images: skimage (float input) neither clips nor rescales, nor does specsk
    S, _ = _images(offset=-60.0)
    S *= 10.0
    out = F.wavelet_denoise(S)
    np.testing.assert_allclose(out, _skimage(S), rtol=1e-10, atol=1e-9)
    assert out.max() < -40.0


def test_denoising_reduces_error():
    S, clean = _images()
    for method in ("BayesShrink", "VisuShrink"):
        out = F.wavelet_denoise(S, method=method, wavelet="db2")
        assert np.abs(out - clean).mean() < 0.8 * np.abs(S - clean).mean()


def test_noise_is_estimated_per_image():
    S, _ = _images()
    S[0] = S[0] * 10  # louder noise in one image must not change the others
    out = F.wavelet_denoise(S)
    np.testing.assert_allclose(out[1:], F.wavelet_denoise(S[1:]), rtol=1e-12)


def test_flat_image_gives_finite_output():
    S = np.full((2, 16, 16), -50.0)
    np.testing.assert_allclose(F.wavelet_denoise(S), S)


def test_odd_sizes_keep_shape():
    S = np.random.default_rng(0).random((3, 17, 23)).astype(np.float32)
    out = F.wavelet_denoise(S, wavelet="db2")
    assert out.shape == S.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, _skimage(S, wavelet="db2"), rtol=1e-4, atol=1e-5)
