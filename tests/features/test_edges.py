"""EdgeFeatures / edge_magnitude against scikit-image and scipy.ndimage per image."""

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.feature import canny
from skimage.filters import prewitt, sobel, threshold_otsu

from specsk.features import EdgeFeatures, edge_features, edge_magnitude


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-6)])
@pytest.mark.parametrize("method, ref", [("sobel", sobel), ("prewitt", prewitt)])
def test_magnitude_matches_skimage(dtype, rtol, method, ref):
    rng = np.random.default_rng(0)
    S = np.exp(rng.standard_normal((3, 17, 13))).astype(dtype)
    M = edge_magnitude(S, method)
    assert M.dtype == dtype
    np.testing.assert_allclose(M, np.stack([ref(s) for s in S]), rtol=rtol, atol=0)


def test_log_matches_ndimage_per_image():
    rng = np.random.default_rng(1)
    S = rng.random((3, 20, 20))
    M = edge_magnitude(S, "log", sigma=1.5)
    ref = np.stack([np.abs(ndi.gaussian_laplace(s, 1.5)) for s in S])
    np.testing.assert_allclose(M, ref, rtol=1e-12, atol=1e-15)


def test_features_match_per_image_definitions():
    rng = np.random.default_rng(2)
    S = rng.random((3, 24, 20))
    S[:, :, 10:] += 2.0  # an onset
    F = edge_features(S, methods=("sobel", "canny"), n_bands=2, sigma=1.0)
    assert F.shape == (3, 2 * 4 + 2)
    for k, s in enumerate(S):
        M = sobel(s)
        E = M > threshold_otsu(M)
        for b, rows in enumerate((slice(0, 12), slice(12, 24))):
            np.testing.assert_allclose(
                F[k, 4 * b : 4 * b + 4],
                [E[rows].mean(), M[rows].mean(), M[rows].std(), M[rows].max()],
                rtol=1e-12,
            )
        s01 = (s - s.min()) / (s.max() - s.min())
        C = canny(s01, sigma=1.0)
        np.testing.assert_allclose(F[k, 8:], [C[:12].mean(), C[12:].mean()], rtol=1e-12)


def test_relative_threshold_and_step_density():
    S = np.zeros((1, 10, 20))
    S[0, :, 10:] = 1.0  # a step along time: two edge columns
    F = edge_features(S, methods=("sobel",), threshold=0.5)
    assert F[0, 0] == pytest.approx(2 / 20)
    assert F[0, 3] == pytest.approx(np.sqrt(0.5))  # max: unit step, (g^2 + 0) / 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_estimator_names_and_4d(dtype):
    rng = np.random.default_rng(3)
    S = rng.random((2, 2, 16, 12)).astype(dtype)
    est = EdgeFeatures(n_bands=2).fit(S)
    out = est.transform(S)
    names = est.get_feature_names_out()
    per_ch = 3 * 2 * 4 + 2
    assert out.dtype == dtype and out.shape == (2, 2 * per_ch) == (2, len(names))
    assert len(set(names)) == len(names)
    assert names[0] == "ch0_edge_sobel_band0_density"
    assert names[per_ch] == "ch1_edge_sobel_band0_density"
    single = EdgeFeatures(n_bands=2).fit(S[:, 1])
    np.testing.assert_allclose(out[:, per_ch:], single.transform(S[:, 1]), rtol=1e-6)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"methods": ("sobel", "roberts")}, "methods"),
        ({"threshold": 1.5}, "threshold"),
        ({"n_bands": 40}, "n_bands"),
        ({"sigma": 0}, "sigma"),
    ],
)
def test_invalid_params(params, match):
    S = np.random.default_rng(0).random((2, 16, 16))
    with pytest.raises(ValueError, match=match):
        EdgeFeatures(**params).fit(S)
