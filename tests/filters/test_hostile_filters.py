"""Hostile input for the image filters: denormal and near-float32-limit values, eps=0."""

import numpy as np
import pytest

from specsk.filters import BilateralFilter, ImageNormalize


def _images(seed=0, shape=(3, 20, 30)):
    return np.exp(np.random.default_rng(seed).standard_normal(shape)).astype(np.float32)


@pytest.mark.parametrize("scale", [1e30, 1e-40, 2.0**-130])
@pytest.mark.parametrize("sigma_range", [None, 0.5])
def test_bilateral_is_scale_equivariant_at_the_float32_extremes(scale, sigma_range):
    X = _images()
    Xs = (X.astype(np.float64) * scale).astype(np.float32)
    # with a fixed sigma_range the scaled image has its own range weights: compare with
    # sigma_range scaled alike
    sr = None if sigma_range is None else sigma_range * scale
    out = BilateralFilter(sigma_range=sr).fit_transform(Xs)
    ref = BilateralFilter(sigma_range=sigma_range).fit_transform(X)
    assert np.isfinite(out).all()
    # 1e-40 is denormal: its input already has only ~16 bits of precision
    tol = 1e-4 if scale == 1e-40 else 2e-5
    np.testing.assert_allclose(out.astype(np.float64) / scale, ref, rtol=tol, atol=tol)


def test_bilateral_fixed_sigma_on_huge_values_keeps_the_image():
    X = _images() * np.float32(1e30)
    out = BilateralFilter(sigma_range=1.0).fit_transform(X)
    np.testing.assert_array_equal(out, X)  # every neighbour is infinitely far in range


@pytest.mark.parametrize("method", ["minmax", "zscore"])
@pytest.mark.parametrize("per", ["image", "band", "dataset"])
def test_image_normalize_eps_0_on_constant_image_gives_zeros(method, per):
    X = np.full((2, 4, 5), 3.0, dtype=np.float32)
    out = ImageNormalize(method=method, per=per, eps=0).fit_transform(X)
    np.testing.assert_array_equal(out, 0)


def test_image_normalize_zscore_of_huge_values():
    X = _images()
    out = ImageNormalize(method="zscore").fit_transform(X * np.float32(1e30))
    ref = ImageNormalize(method="zscore").fit_transform(X)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
