"""Bilateral filter: exact weights against a NumPy reference, and against scikit-image."""

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from skimage.restoration import denoise_bilateral

import specsk.filters as F

PAD = {"reflect": "symmetric", "constant": "constant", "nearest": "edge", "wrap": "wrap"}


def _reference(img, sigma_spatial, sigma_range, win, mode):
    """Textbook bilateral filter (Tomasi and Manduchi) written with whole-array NumPy."""
    h = win // 2
    g = np.arange(-h, h + 1)
    spatial = np.exp(-(g[:, None] ** 2 + g[None, :] ** 2) / (2 * sigma_spatial**2))
    sr = img.std() if sigma_range is None else sigma_range
    win_vals = sliding_window_view(np.pad(img, h, mode=PAD[mode]), (win, win))
    w = spatial * np.exp(-((win_vals - img[..., None, None]) ** 2) / (2 * sr**2))
    return (w * win_vals).sum(axis=(-2, -1)) / w.sum(axis=(-2, -1))


def _images(rank=3, dtype=np.float64):
    rng = np.random.default_rng(3)
    S = rng.normal(-60, 3, (4, 18, 22))
    S[:, :, 11:] += 25.0  # a sharp onset: the edge a bilateral filter should keep
    S = S.reshape(2, 2, 18, 22) if rank == 4 else S
    return S.astype(dtype)


@pytest.mark.parametrize("rank", [3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"sigma_spatial": 2.0, "sigma_range": 5.0, "mode": "constant"},
        {"sigma_spatial": 0.7, "win_size": 3, "mode": "nearest"},
        {"sigma_range": 2.0, "win_size": 7, "mode": "wrap"},
    ],
)
def test_bilateral_matches_textbook_reference(rank, dtype, kw):
    S = _images(rank, dtype)
    sigma_s = kw.get("sigma_spatial", 1.0)
    win = kw.get("win_size") or max(5, 2 * int(np.ceil(3 * sigma_s)) + 1)
    planes = S.reshape(-1, *S.shape[-2:]).astype(np.float64)
    ref = np.stack(
        [
            _reference(p, sigma_s, kw.get("sigma_range"), win, kw.get("mode", "reflect"))
            for p in planes
        ]
    ).reshape(S.shape)
    out = F.BilateralFilter(**kw).fit_transform(S)
    assert out.dtype == dtype
    # float32: weights and sums in float32 vs a float64 reference, values near -60 dB
    tol = {"rtol": 1e-5, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-10}
    np.testing.assert_allclose(out, ref, **tol)


def test_bilateral_matches_skimage_where_its_approximations_vanish():
    """skimage quantises range weights (bins) and misreads its spatial table for odd windows.

    With a flat spatial kernel (huge sigma_spatial), non-negative images and a fine range
    table (bins=10**6), its output must equal ours up to the range quantisation.
    """
    rng = np.random.default_rng(0)
    S = rng.random((3, 16, 20))
    S[:, 4:9, 5:12] += 1.0
    ref = np.stack(
        [
            denoise_bilateral(p, sigma_color=0.3, sigma_spatial=1e3, win_size=5, bins=10**6)
            for p in S
        ]
    )
    out = F.bilateral_filter(S, sigma_spatial=1e3, sigma_range=0.3, win_size=5, mode="constant")
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_spatial_kernel_is_the_symmetric_gaussian():
    # impulse response with a flat range kernel is the normalised spatial Gaussian
    S = np.zeros((1, 11, 11))
    S[0, 5, 5] = 1.0
    out = F.bilateral_filter(S, sigma_spatial=1.0, sigma_range=1e6, win_size=5)[0]
    g = np.exp(-(np.arange(-2, 3) ** 2) / 2.0)
    kernel = np.outer(g, g) / np.outer(g, g).sum()
    np.testing.assert_allclose(out[3:8, 3:8], kernel[::-1, ::-1], rtol=1e-10)
    np.testing.assert_allclose(out[3:8, 3:8], out[3:8, 3:8].T, rtol=1e-12)


def test_bilateral_keeps_edges_better_than_gaussian():
    S = _images()
    bil = F.bilateral_filter(S, sigma_spatial=2.0, sigma_range=6.0)
    gau = F.gaussian_filter(S, sigma=2.0)
    step = lambda X: X[:, :, 11:14].mean() - X[:, :, 8:11].mean()  # noqa: E731
    assert step(bil) > 0.9 * step(S) > step(gau)
    # and it still removes noise inside flat regions
    assert bil[:, :, :8].std() < 0.6 * S[:, :, :8].std()


def test_flat_image_is_unchanged():
    S = np.full((2, 6, 7), -30.0, dtype=np.float32)
    np.testing.assert_array_equal(F.bilateral_filter(S, mode="constant"), S)
