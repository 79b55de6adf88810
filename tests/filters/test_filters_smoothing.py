"""Gaussian, median and Wiener filters against SciPy applied to each image alone."""

import numpy as np
import pytest
from scipy import ndimage, signal

import specsk.filters as F


def _images(rank=3, dtype=np.float64, seed=1):
    rng = np.random.default_rng(seed)
    S = rng.random((4, 20, 26))
    S[:, 7, :] += 2.0  # a tone
    S[2:, 10:15, 5:12] += 1.0  # a box
    return (S.reshape(2, 2, 20, 26) if rank == 4 else S).astype(dtype)


def _per_image(func, S):
    planes = S.reshape(-1, *S.shape[-2:])
    return np.stack([func(p) for p in planes]).reshape(S.shape)


# float32: scipy.ndimage and SciPy's wiener round in float32/float64 at different steps
TOL = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-12, "atol": 1e-12}}


@pytest.mark.parametrize("rank", [3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "kw", [{}, {"sigma": (2.0, 0.0), "mode": "constant"}, {"sigma": 1.3, "truncate": 2.0}]
)
def test_gaussian_matches_scipy(rank, dtype, kw):
    S = _images(rank, dtype)
    sigma = kw.get("sigma", (1.0, 1.0))
    ref_kw = {"mode": kw.get("mode", "reflect"), "truncate": kw.get("truncate", 4.0)}
    ref = _per_image(lambda p: ndimage.gaussian_filter(p, sigma, **ref_kw), S)
    out = F.GaussianFilter(**kw).fit_transform(S)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, ref, **TOL[dtype])


def test_gaussian_sigma_zero_is_identity():
    S = _images()
    np.testing.assert_array_equal(F.gaussian_filter(S, sigma=0), S)


@pytest.mark.parametrize("rank", [3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("size", "mode"),
    [
        ((3, 3), "reflect"),
        ((5, 2), "nearest"),
        (4, "wrap"),
        ((3, 5), "mirror"),
        ((2, 2), "constant"),
        ((9, 9), "reflect"),
    ],  # 81 pixels: the SciPy route
)
def test_median_matches_scipy_exactly(rank, dtype, size, mode):
    S = _images(rank, dtype)
    ref = _per_image(lambda p: ndimage.median_filter(p, size=size, mode=mode), S)
    out = F.MedianFilter(size=size, mode=mode).fit_transform(S)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("size", [(3, 3), (2, 3), (5, 5)])
def test_median_with_ties_matches_scipy(size):
    S = np.round(3 * _images(3, np.float32))  # few distinct values: many ties
    ref = _per_image(lambda p: ndimage.median_filter(p, size=size), S)
    np.testing.assert_array_equal(F.median_filter(S, size=size), ref)


def test_median_removes_a_click_and_keeps_a_tone():
    S = np.zeros((1, 15, 15))
    S[0, 7, :] = 1.0  # tone: a full row survives a (1, 3) median
    S[0, 3, 4] = 5.0  # isolated click
    out = F.median_filter(S, size=(3, 1))
    assert out[0, 3, 4] == 0.0
    np.testing.assert_array_equal(F.median_filter(S, size=(1, 3))[0, 7], 1.0)


@pytest.mark.parametrize("rank", [3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("size", "noise"), [((5, 5), None), ((4, 3), None), (3, 0.05)])
def test_wiener_matches_scipy_signal_wiener(rank, dtype, size, noise):
    S = _images(rank, dtype)
    # SciPy works in float64 (its box kernel is float64); specsk too, then casts back
    ref = _per_image(lambda p: signal.wiener(p.astype(np.float64), size, noise), S)
    out = F.WienerFilter(size=size, noise=noise).fit_transform(S)
    assert out.dtype == dtype
    tol = {"rtol": 1e-6, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(out, ref.astype(dtype), **tol)


def test_wiener_noise_is_estimated_per_image():
    # a quiet image next to a loud one: a shared noise estimate would flatten the quiet one
    rng = np.random.default_rng(0)
    S = np.stack([0.01 * rng.random((16, 16)), 100 * rng.random((16, 16))])
    out = F.wiener_filter(S, size=3)
    np.testing.assert_allclose(out[0], signal.wiener(S[0], 3), rtol=1e-10, atol=1e-14)


def test_wiener_flat_image_is_returned_not_nan():
    S = np.full((2, 8, 8), -40.0)
    out = F.wiener_filter(S, size=3)
    assert np.isfinite(out).all()
    # away from the zero-padded border the local mean is the constant itself
    np.testing.assert_allclose(out[:, 2:-2, 2:-2], -40.0)
